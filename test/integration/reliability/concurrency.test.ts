// Concurrency on one destination, local and S3: backups started in the same
// second get distinct ids (`<id>`, `<id>-2`) and both complete; prune runs over
// and over while a backup is writing, with a policy that deletes every older
// backup, and never touches the running one, which completes and verifies.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { backup } from '../../../src/core/backup.js';
import { readCatalog } from '../../../src/core/catalog.js';
import { idForTime, isBackupId } from '../../../src/core/manifest.js';
import { prune, type PruneResult } from '../../../src/core/prune.js';
import { verify } from '../../../src/core/verify.js';
import { bulkDatabase } from '../../helpers/bulk-database.js';
import { runCli } from '../../helpers/cli.js';
import { testServices } from '../../helpers/services.js';
import { freshDestination, writeBackup, writeIncomplete } from '../../helpers/synthetic-backups.js';

const BIN = fileURLToPath(new URL('../../../bin/mongosafe.js', import.meta.url));
// A few seconds of backup: long enough for several prunes to run during it.
const DOCUMENTS = 24_000;
const DAY_AND_AN_HOUR_MS = 25 * 3_600_000;
const QUIET = { NODE_NO_WARNINGS: '1' };

const services = testServices();
const bulk = bulkDatabase('concurrency', { recipes: DOCUMENTS });

describe.each(['local', 's3'] as const)('one %s destination, several writers', (kind) => {
  it('two backups started in the same second get <id> and <id>-2, and both complete and verify', async () => {
    const { storage } = await freshDestination(kind);
    // Both processes' clocks read the same second: the ids collide and the put-if-absent marker settles it.
    const startedAt = new Date();
    const run = () => backup({ uri: services.mongodbUri, storage, databases: [bulk.db.databaseName], now: () => startedAt });
    const results = await Promise.all([run(), run()]);
    const base = idForTime(startedAt);
    expect(results.map((r) => r.id).sort()).toEqual([base, `${base}-2`]);
    for (const result of results) {
      expect(result.manifest.totals.documents).toBe(DOCUMENTS);
      expect((await verify({ backup: result.id, storage })).backups[0]).toMatchObject({ ok: true, documents: DOCUMENTS });
    }
    expect((await readCatalog(storage)).incomplete).toEqual([]);
  });

  it('prune during a backup never removes the running backup, even with its clock a day ahead', async () => {
    const dest = await freshDestination(kind);
    const old = ['20240101T030000Z', '20240201T030000Z', '20240301T030000Z'];
    for (const id of old) await writeBackup(dest.storage, { id, verifications: [{ at: `${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6, 8)}T04:00:00.000Z`, ok: true }] });
    await writeIncomplete(dest.storage, '20240302T030000Z');

    const child = spawn(process.execPath, [BIN, 'backup', '--db', bulk.db.databaseName, '--to', dest.url], { env: { ...process.env, ...QUIET, MONGOSAFE_DESTINATION: undefined }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let done = false;
    void exited.finally(() => (done = true));
    // Its reserved id shows as an incomplete backup, the only one not from 2024.
    let running: string | undefined;
    for (const deadline = Date.now() + 30_000; running === undefined && !done && Date.now() < deadline; ) {
      running = (await readCatalog(dest.storage)).incomplete.find((i) => !i.id.startsWith('2024'))?.id;
    }
    expect(running !== undefined && isBackupId(running), 'the backup reserved an id').toBe(true);

    // Prune as often as it can while the backup runs (bounded), with the real clock (the CLI); once
    // with a clock a day ahead, as if the backup had been running for 25 hours.
    const prunes: PruneResult[] = [];
    let dayAhead: PruneResult | undefined;
    for (let round = 0; round < 40 && !done; round++) {
      if (round === 2) {
        dayAhead = await prune({ storage: dest.storage, policy: { last: 1 }, now: () => new Date(Date.now() + DAY_AND_AN_HOUR_MS) });
        continue;
      }
      // The first two in this process: a CLI's start-up each could let the backup end before the day-ahead prune.
      if (round < 2) {
        prunes.push(await prune({ storage: dest.storage, policy: { last: 1 } }));
        continue;
      }
      const cli = await runCli(['prune', '--from', dest.url, '--keep-last', '1', '--json'], QUIET);
      expect(cli.code, cli.stderr).toBe(0);
      prunes.push(JSON.parse(cli.stdout) as PruneResult);
    }
    expect(await exited, stderr).toBe(0);
    const id = running ?? '';
    console.info(`prune during a ${kind} backup: ${prunes.length} prunes with the real clock, ${dayAhead ? 'one' : 'none'} a day ahead, while it ran`);
    expect(dayAhead, 'the backup ended before the prune a day ahead: make it bigger').toBeDefined();
    // The real clock: seen as running (as is the synthetic one, written a moment ago), and kept; never deleted.
    expect(prunes.slice(0, 2).map((p) => p.incompleteKept)).toEqual([[id, '20240302T030000Z'], [id, '20240302T030000Z']]);
    for (const result of prunes) expect(result.deleted.map((d) => d.id)).not.toContain(id);
    // A day ahead, its id marker looks abandoned and goes (later prunes cannot see the backup until its
    // archive lands), but the archive being written is not touched.
    expect(dayAhead?.incompleteDeleted).toEqual([id, '20240302T030000Z']);
    // The old backups went (all but the newest verified, which prune never deletes), the running one stayed whole.
    const catalog = await readCatalog(dest.storage);
    expect(catalog.complete.map((c) => c.id)).toEqual([id, old[2]]);
    expect((await verify({ backup: id, storage: dest.storage })).backups[0]).toMatchObject({ ok: true, documents: DOCUMENTS });
  });
});
