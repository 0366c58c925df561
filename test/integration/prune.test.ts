// prune on both backends, with backups written through the real Storage over
// three months: what goes, what stays and why, dry runs, incomplete backups,
// and that nothing outside the destination's own keys is ever touched.
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { verificationKey } from '../../src/core/catalog.js';
import { archiveKey, manifestKey, startedMarkerKey } from '../../src/core/manifest.js';
import { prune, type PruneResult } from '../../src/core/prune.js';
import { runCli } from '../helpers/cli.js';
import { allKeys, freshDestination, putText, writeBackup, writeIncomplete, type SyntheticBackup, type TestDestination } from '../helpers/synthetic-backups.js';

// The AWS SDK warns on stderr about Node 20's end of support; stderr is asserted here.
const QUIET = { NODE_NO_WARNINGS: '1' };

const BACKUPS: SyntheticBackup[] = [
  { id: '20240115T030000Z', verifications: [{ at: '2024-01-15T04:00:00.000Z', ok: true }] },
  { id: '20240131T030000Z' },
  { id: '20240201T030000Z', verifications: [{ at: '2024-02-01T04:00:00.000Z', ok: true }] },
  { id: '20240229T030000Z' },
  { id: '20240229T150000Z' },
  // Passed once, failed since (its data changed or expired): not "verified" any more.
  { id: '20240301T030000Z', verifications: [{ at: '2024-03-01T04:00:00.000Z', ok: true }, { at: '2024-03-05T04:00:00.000Z', ok: false, kind: 'deep' }] },
  { id: '20240302T030000Z' },
  { id: '20240303T030000Z' },
];
const POLICY = { daily: 2, monthly: 3 };

const EXPECTED_KEPT = [
  { id: '20240303T030000Z', reasons: ['keep-daily 2024-03-03', 'keep-monthly 2024-03'] },
  { id: '20240302T030000Z', reasons: ['keep-daily 2024-03-02'] },
  { id: '20240229T150000Z', reasons: ['keep-monthly 2024-02'] },
  { id: '20240201T030000Z', reasons: ['newest verified'] },
  { id: '20240131T030000Z', reasons: ['keep-monthly 2024-01'] },
];
const EXPECTED_DELETED = ['20240301T030000Z', '20240229T030000Z', '20240115T030000Z'];

/** Every key a deleted backup had: manifest, verification records, data. */
function keysOf(backup: SyntheticBackup): string[] {
  return [
    manifestKey(backup.id),
    ...(backup.verifications ?? []).map((v) => verificationKey(backup.id, new Date(v.at), v.kind ?? 'full')),
    startedMarkerKey(backup.id),
    archiveKey(backup.id, 'gzip'),
  ];
}

// Keys that look like ours but are not: prune must leave every one alone.
const STRAYS_INSIDE = ['notes.txt', 'manifests/README.md', 'manifests/20240115T030000Z.json.bak', 'data/README.txt', 'data/not-an-id/x.bin'];

describe.each(['local', 's3'] as const)('prune on %s storage', (kind) => {
  let dest: TestDestination;
  let strayOutside: string[];

  beforeAll(async () => {
    dest = await freshDestination(kind);
    for (const backup of BACKUPS) await writeBackup(dest.storage, backup);
    for (const key of STRAYS_INSIDE) await putText(dest.storage, key, 'not mongosafe');
    // A sibling whose name starts with the destination's: a prefix match without the slash would reach it.
    const sibling = dest.base.replace(/\/$/, '-old/');
    strayOutside = ['outside.txt', `${sibling}${manifestKey('20240115T030000Z')}`, `${sibling}${archiveKey('20240115T030000Z', 'gzip')}`];
    for (const key of strayOutside) await putText(dest.outside, key, 'not this destination');
  });

  it('refuses to run without a --keep-* rule, and deletes nothing', async () => {
    const before = await allKeys(dest.outside);
    await expect(prune({ storage: dest.storage, policy: {} })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('give at least one --keep-* option') as unknown });
    const run = await runCli(['prune', '--from', dest.url], QUIET);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/^mongosafe: give at least one --keep-\* option/);
    expect(await allKeys(dest.outside)).toEqual(before);
  });

  it('dry run: says what each backup would become and why, and deletes nothing', async () => {
    const before = await allKeys(dest.outside);
    const result = await prune({ storage: dest.storage, policy: POLICY, dryRun: true });
    expect(result.dryRun).toBe(true);
    expect(result.destination).toBe(dest.storage.displayUrl);
    expect(result.kept).toEqual(EXPECTED_KEPT);
    expect(result.deleted.map((d) => d.id)).toEqual(EXPECTED_DELETED);
    expect(result.deleted[0]?.reason).toBe('keep-daily: older than the 2 newest days; keep-monthly: 2024-03 is kept by a newer backup');
    expect(await allKeys(dest.outside)).toEqual(before);

    const human = await runCli(['prune', '--from', dest.url, '--keep-daily', '2', '--keep-monthly', '3', '--dry-run'], QUIET);
    expect(human.code, human.stderr).toBe(0);
    const lines = human.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+ACTION\s+WHY$/);
    expect(lines[1]).toMatch(/^20240303T030000Z\s+keep\s+keep-daily 2024-03-03, keep-monthly 2024-03$/);
    expect(lines).toContainEqual(expect.stringMatching(/^20240301T030000Z\s+delete\s+keep-daily: older than the 2 newest days/));
    expect(lines).toContainEqual(expect.stringMatching(/^20240201T030000Z\s+keep\s+newest verified$/));
    expect(lines.at(-1)).toMatch(/^dry run: nothing was deleted in .*; prune would delete 3 and keep 5 backups$/);

    const json = await runCli(['prune', '--from', dest.url, '--keep-daily', '2', '--keep-monthly', '3', '--dry-run', '--json'], QUIET);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(result);
    expect(await allKeys(dest.outside)).toEqual(before);
  });

  it('deletes manifest, verification records and data of each pruned backup, and nothing else', async () => {
    const before = await allKeys(dest.outside);
    const result = await prune({ storage: dest.storage, policy: POLICY });
    expect(result.dryRun).toBe(false);
    expect(result.deleted.map((d) => d.id)).toEqual(EXPECTED_DELETED);
    const removed = new Set(BACKUPS.filter((b) => EXPECTED_DELETED.includes(b.id)).flatMap(keysOf).map((key) => dest.base + key));
    expect(removed.size).toBe(12);
    expect(await allKeys(dest.outside)).toEqual(before.filter((key) => !removed.has(key)));
    for (const key of [...strayOutside, ...STRAYS_INSIDE.map((k) => dest.base + k)]) expect(before).toContain(key);

    // Idempotent: the kept set survives the same policy again.
    const again = await prune({ storage: dest.storage, policy: POLICY });
    expect(again.deleted).toEqual([]);
    expect(again.kept).toEqual(EXPECTED_KEPT);
  });

  it('removes incomplete backups idle for more than a day, keeps younger ones (they may be running)', async () => {
    await writeIncomplete(dest.storage, '20240304T030000Z');
    await writeIncomplete(dest.storage, '20240305T030000Z');
    if (dest.kind === 'local') {
      // Local files can be backdated; S3 objects cannot, so there the clock moves instead (below).
      const old = new Date(Date.now() - 3 * 24 * 3_600_000);
      for (const key of [startedMarkerKey('20240304T030000Z'), archiveKey('20240304T030000Z', 'gzip')]) await utimes(join(dest.where, key), old, old);
    }
    const today = await prune({ storage: dest.storage, policy: POLICY });
    const expectToday: Pick<PruneResult, 'incompleteDeleted' | 'incompleteKept'> =
      dest.kind === 'local' ? { incompleteDeleted: ['20240304T030000Z'], incompleteKept: ['20240305T030000Z'] } : { incompleteDeleted: [], incompleteKept: ['20240305T030000Z', '20240304T030000Z'] };
    expect(today).toMatchObject({ ...expectToday, deleted: [] });

    const dryTomorrow = await prune({ storage: dest.storage, policy: POLICY, dryRun: true, now: () => new Date(Date.now() + 25 * 3_600_000) });
    expect(dryTomorrow.incompleteKept).toEqual([]);
    expect((await allKeys(dest.storage)).filter((k) => k.startsWith('data/20240305T030000Z/'))).toHaveLength(2);

    const tomorrow = await prune({ storage: dest.storage, policy: POLICY, now: () => new Date(Date.now() + 25 * 3_600_000) });
    expect([...tomorrow.incompleteDeleted].sort()).toEqual(dest.kind === 'local' ? ['20240305T030000Z'] : ['20240304T030000Z', '20240305T030000Z']);
    const left = await allKeys(dest.storage);
    expect(left.filter((k) => k.startsWith('data/20240304') || k.startsWith('data/20240305'))).toEqual([]);
    expect(left).toEqual(expect.arrayContaining(STRAYS_INSIDE));
    expect((await allKeys(dest.outside)).filter((k) => !k.startsWith(dest.base))).toEqual([...strayOutside].sort());
  });
});
