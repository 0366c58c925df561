// status on both backends: newest and newest verified, sizes per storage
// class, incomplete backups, and the exit code monitoring relies on; and
// what status and list say when a manifest outlives its data.
import { CopyObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveKey, idForTime, startedMarkerKey } from '../../src/core/manifest.js';
import { list } from '../../src/core/list.js';
import { status } from '../../src/core/status.js';
import { runCli } from '../helpers/cli.js';
import { testServices } from '../helpers/services.js';
import { freshDestination, putText, writeBackup, writeIncomplete, type TestDestination } from '../helpers/synthetic-backups.js';

// The AWS SDK warns on stderr about Node 20's end of support; stderr is asserted here.
const QUIET = { NODE_NO_WARNINGS: '1' };

const HOUR = 3_600_000;
const MAX_AGE_MS = 26 * HOUR;
// Whole seconds, as ids are: ages then come out exact.
const started = Math.floor(Date.now() / 1000) * 1000;
const NEWEST = idForTime(new Date(started - 2 * HOUR));
const VERIFIED = idForTime(new Date(started - 3 * 24 * HOUR));
const OLDEST = idForTime(new Date(started - 40 * 24 * HOUR));
const INCOMPLETE = idForTime(new Date(started - HOUR));
// writeBackup: a 1000-byte archive plus a {"id": …} started marker.
const BACKUP_BYTES = 1000 + JSON.stringify({ id: NEWEST }).length;

testServices();
const s3 = new S3Client({ forcePathStyle: true });
afterAll(() => s3.destroy());

describe.each(['local', 's3'] as const)('status on %s storage', (kind) => {
  let dest: TestDestination;

  beforeAll(async () => {
    dest = await freshDestination(kind);
  });

  it('is unhealthy when there is no backup at all', async () => {
    await putText(dest.storage, 'README.txt', 'backups of the recipe box');
    const result = await status({ storage: dest.storage, maxAgeMs: MAX_AGE_MS });
    expect(result).toEqual({
      destination: dest.storage.displayUrl,
      healthy: false,
      newestVerified: undefined,
      newest: undefined,
      backups: 0,
      totalBytes: 0,
      byStorageClass: {},
      incomplete: [],
      problem: `no complete backup in ${dest.storage.displayUrl}`,
    });
    const run = await runCli(['status', '--from', dest.url], QUIET);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`mongosafe: unhealthy: no complete backup in ${dest.storage.displayUrl} (${dest.storage.displayUrl})\n`);
  });

  it('reports newest, newest verified, sizes per storage class and incomplete backups', async () => {
    await writeBackup(dest.storage, { id: OLDEST, verifications: [{ at: new Date(started - 39 * 24 * HOUR).toISOString(), ok: true }] });
    await writeBackup(dest.storage, { id: VERIFIED, verifications: [{ at: new Date(started - 3 * 24 * HOUR + HOUR).toISOString(), ok: true, kind: 'deep' }] });
    await writeBackup(dest.storage, { id: NEWEST, verifications: [{ at: new Date(started - HOUR).toISOString(), ok: false }] });
    await writeIncomplete(dest.storage, INCOMPLETE);
    const classes: Record<string, { count: number; bytes: number }> = { local: { count: 3, bytes: 3 * BACKUP_BYTES } };
    if (dest.kind === 's3') {
      // What the lifecycle rule does after 30 days: the archive moves to Standard-IA (the marker too).
      for (const key of [archiveKey(OLDEST, 'gzip'), startedMarkerKey(OLDEST)]) {
        const full = `mongosafe/${key}`;
        await s3.send(new CopyObjectCommand({ Bucket: dest.where, Key: full, CopySource: `${dest.where}/${full}`, StorageClass: 'STANDARD_IA', MetadataDirective: 'COPY' }));
      }
      delete classes.local;
      classes.STANDARD = { count: 2, bytes: 2 * BACKUP_BYTES };
      classes.STANDARD_IA = { count: 1, bytes: BACKUP_BYTES };
    }

    const result = await status({ storage: dest.storage, maxAgeMs: MAX_AGE_MS, now: () => new Date(started) });
    expect(result).toMatchObject({
      healthy: true,
      newest: { id: NEWEST, ageMs: 2 * HOUR, bytes: BACKUP_BYTES },
      // The newest backup's latest verification failed: it proves nothing.
      newestVerified: { id: VERIFIED, kind: 'deep', at: new Date(started - 3 * 24 * HOUR + HOUR).toISOString() },
      backups: 3,
      totalBytes: 3 * BACKUP_BYTES,
      byStorageClass: classes,
    });
    expect(result.problem).toBeUndefined();
    expect(result.incomplete).toHaveLength(1);
    expect(result.incomplete[0]?.id).toBe(INCOMPLETE);
    expect(result.incomplete[0]?.ageMs).toBeLessThan(10 * 60_000);

    const human = await runCli(['status', '--from', dest.url], QUIET);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^newest: +${NEWEST}, 2h \\d+m old \\(limit 26h 0m\\)`, 'm'));
    expect(human.stdout).toMatch(new RegExp(`^newest verified: ${VERIFIED} \\(deep, `, 'm'));
    expect(human.stdout).toMatch(new RegExp(`^incomplete: +${INCOMPLETE} `, 'm'));
    expect(human.stdout.trim().split('\n').at(-1)).toBe(`ok: ${dest.storage.displayUrl} has a backup younger than 26h 0m`);
  });

  it('exits 1 with one clear line when the newest backup is older than --max-age', async () => {
    const stale = await status({ storage: dest.storage, maxAgeMs: MAX_AGE_MS, now: () => new Date(started + 30 * HOUR) });
    expect(stale.healthy).toBe(false);
    expect(stale.problem).toBe(`the newest backup ${NEWEST} is 32h 0m old, more than the allowed 26h 0m`);

    const run = await runCli(['status', '--from', dest.url, '--max-age', '1h'], QUIET);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^mongosafe: unhealthy: the newest backup ${NEWEST} is 2h \\d+m old, more than the allowed 1h 0m \\(.+\\)\\n$`));

    const json = await runCli(['status', '--from', dest.url, '--max-age', '1h', '--json'], QUIET);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ healthy: false, backups: 3, newest: { id: NEWEST } });
  });

  it('is unhealthy when the newest manifest points at data that is gone', async () => {
    await dest.storage.delete(archiveKey(NEWEST, 'gzip'));
    const result = await status({ storage: dest.storage, maxAgeMs: MAX_AGE_MS });
    expect(result.healthy).toBe(false);
    expect(result.problem).toBe(`the newest backup ${NEWEST} has a manifest but no data (expired by a lifecycle rule, or deleted?)`);

    // list says so too, instead of offering a backup that cannot be restored.
    const listed = await list({ storage: dest.storage });
    expect(listed.backups.map((b) => [b.id, b.dataMissing])).toEqual([[NEWEST, true], [VERIFIED, undefined], [OLDEST, undefined]]);
    expect(listed.backups[2]?.storageClass).toBe(dest.kind === 's3' ? 'STANDARD_IA' : undefined);
    const run = await runCli(['list', '--from', dest.url], QUIET);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^${NEWEST} .* data missing \\(expired\\?\\)$`, 'm'));
    expect(run.stderr).toContain(`1 backups have a manifest but their archive is gone (expired by a lifecycle rule?), they cannot be restored: ${NEWEST}`);
  });
});
