import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readCollectionFile, readDirectoryDump } from '../../../src/archive/directory-reader.js';
import type { ArchiveEvent } from '../../../src/archive/types.js';
import { mongorestoreTestdata } from '../../helpers/shared-testdata.js';

/**
 * Directory dumps written by real mongod servers (mongo-tools' own test data), read directly:
 * the namespaces, their document counts (counted here by walking the files' BSON lengths, not
 * by the reader) and the notices. What mongorestore does with each: the research notes
 * (mongorestore-layouts.md §1, §2 and the §5 table); the restore side is the integration test's.
 */
const TESTDATA = mongorestoreTestdata('the directory-reader tests on real dumps');

/** Documents in a .bson file, by their length prefixes alone. */
function countDocuments(path: string): number {
  const raw = readFileSync(path);
  const bytes = path.endsWith('.gz') ? gunzipSync(raw) : raw;
  let count = 0;
  for (let offset = 0; offset < bytes.length; offset += bytes.readInt32LE(offset)) count++;
  return count;
}

interface Read {
  serverVersion: string;
  notices: string[];
  prelude: string[];
  ends: string[];
}

async function read(events: AsyncGenerator<ArchiveEvent>): Promise<Read> {
  const result: Read = { serverVersion: '', notices: [], prelude: [], ends: [] };
  for await (const event of events) {
    if (event.kind === 'header') result.serverVersion = event.header.serverVersion;
    else if (event.kind === 'notice') result.notices.push(event.message);
    else if (event.kind === 'prelude') result.prelude.push(...event.entries.map((entry) => `${entry.db}.${entry.collection} ${entry.type ?? '-'}`));
    else if (event.kind === 'end-of-namespace') result.ends.push(`${event.db}.${event.collection} ${event.documents}`);
  }
  return result;
}

async function readError(events: AsyncGenerator<ArchiveEvent>): Promise<{ code?: string; message: string; hint?: string }> {
  try {
    for await (const event of events) throw new Error(`expected an error before any event, got ${event.kind}`);
  } catch (error) {
    return error as { code?: string; message: string; hint?: string };
  }
  throw new Error('expected an error');
}

(TESTDATA === undefined ? describe.skip : describe)('readDirectoryDump on real mongodump output', () => {
  const data = TESTDATA ?? '';
  const at = (...parts: string[]): string => join(data, ...parts);
  const count = (...parts: string[]): number => countDocuments(at(...parts));

  it('testdirs (dump root, §5): db1.c1–c4, db2.c1 from c1.bin, the empty oplog.bson as .oplog; badfile.txt, db1/baddir, db2/c2.txt noticed', async () => {
    const got = await read(readDirectoryDump(at('testdirs')));
    expect(got.prelude).toEqual(['db1.c1 collection', 'db1.c2 collection', 'db1.c3 collection', 'db1.c4 collection', 'db2.c1 collection', '.oplog -']);
    expect(got.ends).toEqual([
      `db1.c1 ${count('testdirs/db1/c1.bson')}`,
      'db1.c2 0',
      'db1.c3 0',
      `db1.c4 ${count('testdirs/db1/c4.bson')}`,
      'db2.c1 0',
      '.oplog 0',
    ]);
    expect(got.notices).toEqual([
      'badfile.txt: not a mongodump file, not restored',
      'db1/baddir: a folder inside a database folder, not restored',
      'db2/c2.txt: not a mongodump file, not restored',
    ]);
  });

  it('testdirs/db1 given alone is that database, its stray subfolder noticed (a folder without metadata files is no database)', async () => {
    const got = await read(readDirectoryDump(at('testdirs', 'db1')));
    expect(got.prelude).toEqual(['db1.c1 collection', 'db1.c2 collection', 'db1.c3 collection', 'db1.c4 collection']);
    expect(got.notices).toEqual(['baddir: a folder inside a database folder, not restored']);
  });

  it('longcollectionname (§2): db1.<collectionName of the metadata>; the root-level shortened file noticed, not read', async () => {
    const [stemFile] = readdirSync(at('longcollectionname', 'db1')).filter((name) => name.endsWith('.bson'));
    const stem = (stemFile ?? '').replace(/\.bson$/, '');
    const { collectionName } = JSON.parse(readFileSync(at('longcollectionname', 'db1', `${stem}.metadata.json`), 'utf8')) as { collectionName: string };
    expect(collectionName).toHaveLength(247);
    const got = await read(readDirectoryDump(at('longcollectionname')));
    expect(got.ends).toEqual([`db1.${collectionName} ${count('longcollectionname', 'db1', `${stem}.bson`)}`]);
    expect(got.notices).toHaveLength(1);
    expect(got.notices[0]).toMatch(/^aVery\S*%24someMadeUpInvalidHashString\.bson: a collection file at the top of a dump folder .*, not restored$/);
  });

  it('specialcharacter (§1.3 url.QueryUnescape): db1/caf%C3%A9s.bson is db1.cafés', async () => {
    const got = await read(readDirectoryDump(at('specialcharacter')));
    expect(got.ends).toEqual([`db1.cafés ${count('specialcharacter/db1/caf%C3%A9s.bson')}`]);
    expect(got.notices).toEqual([]);
  });

  it('prelude_test/prelude_gzip (§1.5, gzip per file): test.foo from .gz files, server version from prelude.json.gz', async () => {
    const { ServerVersion } = JSON.parse(gunzipSync(readFileSync(at('prelude_test/prelude_gzip/prelude.json.gz'))).toString('utf8')) as { ServerVersion: string };
    const got = await read(readDirectoryDump(at('prelude_test/prelude_gzip')));
    expect(got.serverVersion).toBe(ServerVersion);
    expect(got.ends).toEqual([`test.foo ${count('prelude_test/prelude_gzip/test/foo.bson.gz')}`]);
    expect(got.notices).toEqual([]);
  });

  it('prelude_test/prelude_db_target/test (a database folder, prelude.json inside, as mongodump --db writes it): test.foo', async () => {
    const got = await read(readDirectoryDump(at('prelude_test/prelude_db_target/test')));
    expect(got.serverVersion).toBe('7.0.16');
    expect(got.ends).toEqual([`test.foo ${count('prelude_test/prelude_db_target/test/foo.bson')}`]);
    expect(got.notices).toEqual([]);
  });

  it('prelude_test/server_version_unknown (§1.5: "unknown" is accepted and ignored): test.foo, version 0.0.0', async () => {
    const got = await read(readDirectoryDump(at('prelude_test/server_version_unknown')));
    expect(got.serverVersion).toBe('0.0.0');
    expect(got.ends).toEqual([`test.foo ${count('prelude_test/server_version_unknown/test/foo.bson')}`]);
  });

  it('aws_test_db (a database folder; mongorestore needs --db, §1.1): aws_test_db.c1', async () => {
    const got = await read(readDirectoryDump(at('aws_test_db')));
    expect(got.ends).toEqual([`aws_test_db.c1 ${count('aws_test_db/c1.bson')}`]);
    expect(got.notices).toEqual([]);
  });

  it('timeseries_tests/ts_dump (§1.3): timeseries_test.foo_ts with its data from system.buckets.foo_ts.bson, and the admin system collections', async () => {
    const got = await read(readDirectoryDump(at('timeseries_tests/ts_dump')));
    expect(got.prelude).toEqual(['admin.system.version collection', 'admin.system.views collection', 'timeseries_test.foo_ts timeseries']);
    expect(got.ends).toEqual([
      `admin.system.version ${count('timeseries_tests/ts_dump/admin/system.version.bson')}`,
      'admin.system.views 0',
      `timeseries_test.system.buckets.foo_ts ${count('timeseries_tests/ts_dump/timeseries_test/system.buckets.foo_ts.bson')}`,
    ]);
    expect(got.notices).toEqual([]);
  });

  it('timeseries_tests/ts_single_buckets_file (§1.4: buckets without metadata are fatal): CORRUPT naming the file', async () => {
    const file = at('timeseries_tests/ts_single_buckets_file/system.buckets.foo_ts.bson');
    const expected = { code: 'CORRUPT', message: `${file}: timeseries buckets of ts_single_buckets_file.foo_ts, but no foo_ts.metadata.json is beside it` };
    expect(await readError(readDirectoryDump(at('timeseries_tests/ts_single_buckets_file')))).toMatchObject(expected);
    expect(await readError(readCollectionFile(file))).toMatchObject(expected);
  });

  it.each([['prelude_test'], ['timeseries_tests']])('%s (a folder of dumps; mongorestore reads nonsense, §5): refused, naming the path', async (name) => {
    const error = await readError(readDirectoryDump(at(name)));
    expect(error).toMatchObject({ code: 'CORRUPT', message: expect.stringMatching(new RegExp(`^${at(name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} holds no mongodump output`)) as unknown });
    expect(error.hint).toMatch(/give one dump at a time/);
  });

  it('dump_with_noop_in_oplog (an oplog-only root, §3.2): nothing but .oplog, read as mongodump --oplog carries it', async () => {
    const got = await read(readDirectoryDump(at('dump_with_noop_in_oplog')));
    expect(got.prelude).toEqual(['.oplog -']);
    expect(got.ends).toEqual([`.oplog ${count('dump_with_noop_in_oplog/oplog.bson')}`]);
  });

  it('oplogdump (§5): admin.system.version, db1.c1, then .oplog last', async () => {
    const got = await read(readDirectoryDump(at('oplogdump')));
    expect(got.ends).toEqual([
      `admin.system.version ${count('oplogdump/admin/system.version.bson')}`,
      `db1.c1 ${count('oplogdump/db1/c1.bson')}`,
      `.oplog ${count('oplogdump/oplog.bson')}`,
    ]);
  });

  it('hashedIndexes.bson (single-file mode, §1.4): mongorestore.hashedIndexes with the sibling metadata', async () => {
    const events: ArchiveEvent[] = [];
    for await (const event of readCollectionFile(at('hashedIndexes.bson'))) events.push(event);
    const prelude = events.find((event) => event.kind === 'prelude');
    expect(prelude?.entries.map((entry) => entry.metadata)).toEqual([readFileSync(at('hashedIndexes.metadata.json'), 'utf8')]);
    expect(prelude?.entries[0]?.metadata).toMatch(/"hashed"/);
    const got = await read(readCollectionFile(at('hashedIndexes.bson')));
    expect(got.prelude).toEqual(['mongorestore.hashedIndexes collection']);
    expect(got.ends).toEqual([`mongorestore.hashedIndexes ${count('hashedIndexes.bson')}`]);
  });
});
