import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ArchiveEvent, PreludeEntry } from '../../../src/archive/types.js';
import { openBackupSource, type BackupSource } from '../../../src/core/backup-source.js';
import { inspect } from '../../../src/core/inspect.js';
import { restore, restoreSource } from '../../../src/core/restore.js';
import type { Storage } from '../../../src/storage/storage.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { blocksOf, writtenArchive } from '../archive/archive-io.js';
import { DOC_A, DOC_B, dataHeader, entry, eofHeader, namespaceBlocks, rawDoc, start, TERM } from '../archive/archive-parts.js';

/** Archive files need no destination. */
const NO_STORAGE = (): Promise<Storage> => Promise.reject(new Error('an archive file needs no storage'));

const VERSION_DOC = rawDoc({ _id: 'featureCompatibilityVersion', version: '7.0' });
const USER_DOC = rawDoc({ _id: 'shop.alice', user: 'alice', db: 'shop' });
const ROLE_DOC = rawDoc({ _id: 'shop.reader', role: 'reader', db: 'shop' });
const VIEW_DOC = rawDoc({ _id: 'shop.cheap', viewOn: 'orders', pipeline: [] });
const OPLOG_DOCS = [1, 2, 3].map((i) => rawDoc({ ts: i, op: 'n', ns: '', o: { msg: 'noop' } }));

/** What `mongodump --oplog` of a server with users writes: data, admin's system collections, and the oplog last (db ""). */
const CONTENTS: Array<{ entry: PreludeEntry; documents: Uint8Array[] }> = [
  { entry: { db: 'shop', collection: 'orders', metadata: '', type: 'collection' }, documents: [DOC_A, DOC_B] },
  { entry: { db: 'shop', collection: 'system.views', metadata: '', type: 'collection' }, documents: [VIEW_DOC] },
  { entry: { db: 'admin', collection: 'system.version', metadata: '', type: 'collection' }, documents: [VERSION_DOC] },
  { entry: { db: 'admin', collection: 'system.users', metadata: '', type: 'collection' }, documents: [USER_DOC, USER_DOC] },
  { entry: { db: 'admin', collection: 'system.roles', metadata: '', type: 'collection' }, documents: [ROLE_DOC] },
  { entry: { db: '', collection: 'oplog', metadata: '' }, documents: OPLOG_DOCS },
];

/** An archive file the project's writer produced from `contents`. */
async function archiveFile(contents: typeof CONTENTS): Promise<string> {
  const blocks = blocksOf(contents.map(({ entry: { db, collection }, documents }) => ({ db, collection, documents })));
  const path = join(await tempDir(), 'dump.archive');
  await writeFile(path, await writtenArchive('7.0.12', contents.map((c) => c.entry), blocks));
  return path;
}

const EXPECTED_WARNINGS = [
  "shop.system.views: the database's view definitions, not inserted: each view is recreated from its own entry in the dump",
  "admin.system.version: the server's own auth-schema/feature-version record, never restored (as mongorestore)",
  'admin.system.users: 2 users not restored: recreate with createUser or in Atlas (users are never inserted as documents)',
  'admin.system.roles: 1 role not restored: recreate with createRole or in Atlas (roles are never inserted as documents)',
  "the oplog (3 entries, written by mongodump --oplog) is not replayed without --oplog-replay; the data is as of the dump's start, not its end",
];

describe('a dry-run restore of a dump with the oplog and system collections', () => {
  it('plans only the ordinary collection, and lists every other namespace as skipped, with its reason and one warning line', async () => {
    const result = await restore({ backup: await archiveFile(CONTENTS), dryRun: true });
    expect(result.namespaces.map((ns) => [ns.source, ns.status, ns.documents])).toEqual([
      ['shop.orders', 'planned', 2],
      ['shop.system.views', 'skipped', 1],
      ['admin.system.version', 'skipped', 1],
      ['admin.system.users', 'skipped', 2],
      ['admin.system.roles', 'skipped', 1],
      ['.oplog', 'skipped', 3],
    ]);
    expect(result.namespaces.filter((ns) => ns.status === 'skipped').every((ns) => ns.reason && ns.target === ns.source)).toBe(true);
    expect(result.warnings).toEqual(EXPECTED_WARNINGS);
    expect(result.totals).toMatchObject({ namespaces: 1, documents: 2, skipped: 5 });
  });

  it('says nothing of special namespaces that the filters leave out', async () => {
    const result = await restore({ backup: await archiveFile(CONTENTS), dryRun: true, include: ['shop.*'], renames: [{ from: 'shop.*', to: 'copy.*' }] });
    expect(result.namespaces.map((ns) => [ns.source, ns.target, ns.status])).toEqual([
      ['shop.orders', 'copy.orders', 'planned'],
      ['shop.system.views', 'shop.system.views', 'skipped'],
    ]);
    expect(result.warnings).toEqual([EXPECTED_WARNINGS[0]]);
  });

  it('says so when there is nothing to restore but the oplog', async () => {
    const result = await restore({ backup: await archiveFile(CONTENTS.slice(5)), dryRun: true });
    expect(result.namespaces.map((ns) => ns.status)).toEqual(['skipped']);
    expect(result.warnings).toEqual([EXPECTED_WARNINGS[4], 'nothing to restore but the oplog, which is not replayed without --oplog-replay']);
  });

  it('refuses --oplog-limit without --oplog-replay at once, before opening the backup', async () => {
    // Opening this path would throw NOT_FOUND: the refusal comes first.
    await expect(restore({ backup: join(await tempDir(), 'never-read.archive'), dryRun: true, oplogLimit: { t: 1, i: 0 } })).rejects.toMatchObject({
      code: 'USAGE',
      message: '--oplog-limit needs --oplog-replay',
    });
  });

  it('plans the oplog for replay, with no warning about it, and refuses --oplog-replay on a dump without one', async () => {
    const result = await restore({ backup: await archiveFile(CONTENTS), dryRun: true, oplogReplay: true });
    expect(result.namespaces.find((ns) => ns.source === '.oplog')?.status).toBe('replayed');
    expect(result.warnings).toEqual(EXPECTED_WARNINGS.filter((warning) => !warning.includes('oplog')));
    expect(result.totals).toMatchObject({ skipped: 4 });
    await expect(restore({ backup: await archiveFile(CONTENTS.slice(0, 1)), dryRun: true, oplogReplay: true })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/has no oplog to replay$/) as unknown });
  });

  it('still checks the skipped namespaces: a damaged users block refuses the restore', async () => {
    // The EOF block's CRC is of other documents than the ones written.
    const bytes = Buffer.concat([
      ...start([entry('shop', 'orders'), entry('admin', 'system.users')], '7.0.12'),
      ...namespaceBlocks('shop', 'orders', [DOC_A]),
      ...[dataHeader('admin', 'system.users'), USER_DOC, TERM, eofHeader('admin', 'system.users', [ROLE_DOC]), TERM],
    ]);
    const path = join(await tempDir(), 'damaged.archive');
    await writeFile(path, bytes);
    await expect(restore({ backup: path, dryRun: true })).rejects.toMatchObject({ code: 'CORRUPT', message: expect.stringContaining('admin.system.users') as unknown });
  });
});

describe('notices of a source', () => {
  it('become warnings of restore, before the skips, once each', async () => {
    const archive = await openBackupSource(await archiveFile(CONTENTS.slice(0, 3)), NO_STORAGE);
    // A directory dump's reader says what it does not read before its data (src/archive/directory-reader.ts).
    const source: BackupSource = {
      kind: 'directory',
      description: 'a dump with a stray file',
      async *events(signal) {
        yield { kind: 'notice', message: 'badfile.txt: not a dump file, not restored' } satisfies ArchiveEvent;
        yield* archive.events(signal);
      },
    };
    const result = await restoreSource(source, { dryRun: true });
    expect(result.warnings).toEqual(['badfile.txt: not a dump file, not restored', EXPECTED_WARNINGS[0], EXPECTED_WARNINGS[1]]);
  });
});

describe('inspect of a dump with the oplog and system collections', () => {
  it('shows the skipped namespaces as such, the oplog with its entry count', async () => {
    const result = await inspect({ backup: await archiveFile(CONTENTS) });
    expect(result.namespaces.map((ns) => [`${ns.db}.${ns.collection}`, ns.documents, ns.skipped !== undefined])).toEqual([
      ['shop.orders', 2, false],
      ['shop.system.views', 1, true],
      ['admin.system.version', 1, true],
      ['admin.system.users', 2, true],
      ['admin.system.roles', 1, true],
      ['.oplog', 3, true],
    ]);
    expect(result.namespaces.at(-1)?.skipped).toBe(EXPECTED_WARNINGS[4]);
    expect(result.notices).toEqual([]);
  });
});
