// Crash consistency: `mongosafe backup` is killed with SIGKILL at seeded random
// moments (before it reserves an id, while it streams the archive, near the end)
// into a local folder and into an S3 bucket. After every kill the
// destination must hold no manifest for partial data and no partial object under
// a final archive key; the next backup must succeed; and prune, a day later,
// must remove the leftovers and nothing else.
import { spawn } from 'node:child_process';
import { readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { decompressAuto } from '../../../src/archive/compression.js';
import { readArchive } from '../../../src/archive/reader.js';
import { readCatalog } from '../../../src/core/catalog.js';
import { archiveKey, startedMarkerKey } from '../../../src/core/manifest.js';
import { prune } from '../../../src/core/prune.js';
import { verify } from '../../../src/core/verify.js';
import type { Storage } from '../../../src/storage/storage.js';
import { bulkDatabase } from '../../helpers/bulk-database.js';
import { runCli } from '../../helpers/cli.js';
import { allKeys, freshDestination, type TestDestination } from '../../helpers/synthetic-backups.js';
import { randomSource } from '../../unit/archive/archive-io.js';

const BIN = fileURLToPath(new URL('../../../bin/mongosafe.js', import.meta.url));
// About 21 MiB of gzip: three 8 MiB parts on S3, a few seconds of work either way.
const DOCUMENTS = 36_000;
const TRIALS_PER_BACKEND = 10;
const DAY_AND_AN_HOUR_MS = 25 * 3_600_000;
// The AWS SDK warns on stderr about Node 20's end of support.
const QUIET = { NODE_NO_WARNINGS: '1' };

const bulk = bulkDatabase('crash', { recipes: DOCUMENTS });

type Ending = { killed: true } | { killed: false; code: number | null; stderr: string };

/** Starts a backup and kills it with SIGKILL after `delayMs`, unless it has ended by then. */
function backupKilledAfter(dest: TestDestination, delayMs: number): Promise<Ending> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'backup', '--db', bulk.db.databaseName, '--to', dest.url], {
      env: { ...process.env, ...QUIET, MONGOSAFE_DESTINATION: undefined },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(signal === 'SIGKILL' ? { killed: true } : { killed: false, code, stderr });
    });
  });
}

/** Documents in a stored archive, read whole: a truncated or damaged one throws CORRUPT. */
async function documentsIn(storage: Storage, key: string): Promise<number> {
  const { stream } = await decompressAuto(await storage.get(key));
  let documents = 0;
  for await (const event of readArchive(stream)) if (event.kind === 'end-of-namespace') documents += event.documents;
  return documents;
}

/** Files of interrupted writes that list() hides: local temporary files, S3 multipart uploads. */
async function hiddenLeftovers(dest: TestDestination): Promise<number> {
  if (dest.kind === 'local') {
    const entries = await readdir(dest.where, { recursive: true }).catch(() => []);
    return entries.filter((path) => /(^|\/)\.[^/]+\.partial-[0-9a-f]+$/.test(path)).length;
  }
  const s3 = new S3Client({ forcePathStyle: true });
  try {
    const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: dest.where }));
    return listed.Uploads?.length ?? 0;
  } finally {
    s3.destroy();
  }
}

interface Tally {
  /** Killed before an id was reserved: nothing written. */
  nothing: number;
  /** Killed with an id reserved, no archive under its key yet. */
  markerOnly: number;
  /** Killed between the archive and its manifest: a whole archive, no manifest. */
  archiveNoManifest: number;
  /** Ran to the end (the kill came too late): a manifest that verifies. */
  complete: number;
}

describe.each(['local', 's3'] as const)('kill -9 during a backup to %s storage', (kind) => {
  let dest: TestDestination;
  const verified = new Set<string>();
  const incomplete = new Set<string>();

  /** The invariants after a crash; returns what the trial left behind. */
  async function checkDestination(): Promise<keyof Tally> {
    const catalog = await readCatalog(dest.storage);
    let outcome: keyof Tally = 'nothing';
    for (const { id } of catalog.complete) {
      if (verified.has(id)) continue;
      // A manifest exists, so its archive must be whole and match it.
      const result = await verify({ backup: id, storage: dest.storage });
      expect(result.backups[0], `verify ${id}`).toMatchObject({ ok: true, documents: DOCUMENTS });
      verified.add(id);
      outcome = 'complete';
    }
    for (const { id, objects } of catalog.incomplete) {
      const keys = objects.map((o) => o.key);
      expect(keys, id).toContain(startedMarkerKey(id));
      expect(keys.every((key) => key === startedMarkerKey(id) || key === archiveKey(id, 'gzip')), keys.join()).toBe(true);
      if (incomplete.has(id)) continue;
      incomplete.add(id);
      // Under the final key there is a whole archive or nothing, never a prefix of one.
      if (keys.includes(archiveKey(id, 'gzip'))) {
        expect(await documentsIn(dest.storage, archiveKey(id, 'gzip'))).toBe(DOCUMENTS);
        outcome = 'archiveNoManifest';
      } else {
        outcome = 'markerOnly';
      }
    }
    return outcome;
  }

  beforeAll(async () => {
    dest = await freshDestination(kind);
  });

  it(`${TRIALS_PER_BACKEND} backups killed at random moments leave no manifest for partial data`, async () => {
    const started = Date.now();
    const baseline = await runCli(['backup', '--db', bulk.db.databaseName, '--to', dest.url], QUIET);
    const runMs = Date.now() - started;
    expect(baseline.code, baseline.stderr).toBe(0);
    expect(await checkDestination()).toBe('complete');

    // Stratified over a whole run: early kills (before an id is reserved), mid-upload and late ones; a
    // late one may come after the end (runs vary), which must then be a complete, verified backup.
    const random = randomSource(kind === 'local' ? 71 : 72);
    const tally: Tally = { nothing: 0, markerOnly: 0, archiveNoManifest: 0, complete: 0 };
    const delays: number[] = [];
    for (let trial = 0; trial < TRIALS_PER_BACKEND; trial++) {
      const delayMs = Math.round((runMs * (trial + random())) / TRIALS_PER_BACKEND);
      delays.push(delayMs);
      const ending = await backupKilledAfter(dest, delayMs);
      if (!ending.killed) expect(ending.code, ending.stderr).toBe(0);
      tally[await checkDestination()]++;
    }
    console.info(`crash ${kind}: backup ${runMs} ms; kills at ${delays.join(', ')} ms; outcomes ${JSON.stringify(tally)}; hidden partial writes left: ${await hiddenLeftovers(dest)}`);
    // Enough kills must land while the archive is being written for the trial to mean much.
    expect(tally.markerOnly + tally.archiveNoManifest).toBeGreaterThanOrEqual(3);
  });

  it('the next backup succeeds, and prune a day later removes the leftovers and nothing else', async () => {
    const next = await runCli(['backup', '--db', bulk.db.databaseName, '--to', dest.url, '--json'], QUIET);
    expect(next.code, next.stderr).toBe(0);
    expect(await checkDestination()).toBe('complete');

    const before = await allKeys(dest.storage);
    if (kind === 'local') {
      // A day passes on disk too (the local backend ages its crashed writes by mtime); S3 objects cannot be backdated.
      const aDayAgo = new Date(Date.now() - DAY_AND_AN_HOUR_MS);
      for (const path of await readdir(dest.where, { recursive: true })) await utimes(join(dest.where, path), aDayAgo, aDayAgo);
    }
    const result = await prune({ storage: dest.storage, policy: { last: 100 }, now: () => new Date(Date.now() + DAY_AND_AN_HOUR_MS) });
    expect(result.deleted).toEqual([]);
    expect(result.kept.map((k) => k.id).sort()).toEqual([...verified].sort());
    expect([...result.incompleteDeleted].sort()).toEqual([...incomplete].sort());
    const leftovers = (key: string) => [...incomplete].some((id) => key.startsWith(`data/${id}/`));
    expect(await allKeys(dest.storage)).toEqual(before.filter((key) => !leftovers(key)));
    if (kind === 'local') {
      // Not even the hidden temporary files of the killed writes stay behind.
      const folders = await readdir(join(dest.where, 'data'));
      expect(folders.sort()).toEqual([...verified].sort());
      expect(await hiddenLeftovers(dest)).toBe(0);
    }
    const all = await verify({ backup: 'all', storage: dest.storage, record: false });
    expect(all.ok, JSON.stringify(all.backups.filter((b) => !b.ok))).toBe(true);
  });
});
