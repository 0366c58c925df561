import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { BSON } from 'bson';
import { describe, expect, it } from 'vitest';
import { readCollectionFile, readDirectoryDump } from '../../../src/archive/directory-reader.js';
import type { ArchiveEvent } from '../../../src/archive/types.js';
import { openBackupSource } from '../../../src/core/backup-source.js';
import { MongosafeError } from '../../../src/errors.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** A mongodump directory with one gzipped collection of `count` documents; returns the .bson.gz path. */
async function gzipDump(count: number): Promise<{ root: string; dataFile: string; data: Buffer }> {
  const root = await tempDir();
  await mkdir(join(root, 'db'));
  const data = gzipSync(Buffer.concat(Array.from({ length: count }, (_, i) => BSON.serialize({ _id: i, text: 'x'.repeat(500) }))));
  const dataFile = join(root, 'db', 'c.bson.gz');
  await writeFile(dataFile, data);
  await writeFile(join(root, 'db', 'c.metadata.json.gz'), gzipSync(JSON.stringify({ options: {}, indexes: [] })));
  return { root, dataFile, data };
}

async function drain(root: string): Promise<number> {
  let documents = 0;
  for await (const event of readDirectoryDump(root)) if (event.kind === 'end-of-namespace') documents += event.documents;
  return documents;
}

describe('readDirectoryDump, gzipped files', () => {
  it('reads every document', async () => {
    const { root } = await gzipDump(3000);
    expect(await drain(root)).toBe(3000);
  });

  it('reports a truncated .bson.gz as CORRUPT, naming the file', async () => {
    const { root, dataFile, data } = await gzipDump(3000);
    await writeFile(dataFile, data.subarray(0, 5000));
    await expect(drain(root)).rejects.toMatchObject({ code: 'CORRUPT', message: `${dataFile} is invalid: unexpected end of file` });
  });
});

/** A mongodump directory with timeseries `ts` (its data in `dataStem`.bson) and prelude.json naming the server. */
async function timeseriesDump(serverVersion: string, dataStem: string): Promise<string> {
  const root = await tempDir();
  await mkdir(join(root, 'db'));
  await writeFile(join(root, 'prelude.json'), JSON.stringify({ ServerVersion: serverVersion, ToolVersion: '100.16.0' }));
  await writeFile(join(root, 'db', `${dataStem}.bson`), Buffer.concat([BSON.serialize({ _id: 'b1', control: { version: 1 } }), BSON.serialize({ _id: 'b2', control: { version: 1 } })]));
  await writeFile(join(root, 'db', 'ts.metadata.json'), JSON.stringify({ options: { timeseries: { timeField: 't' } }, indexes: [], collectionName: 'ts', type: 'timeseries' }));
  return root;
}

describe.each([
  ['7.0.12', 'system.buckets.ts'],
  ['8.3.0', 'ts'],
])('readDirectoryDump, a timeseries dump from server %s', (serverVersion, dataStem) => {
  it(`reads its data from ${dataStem}.bson and names it db.${dataStem}`, async () => {
    const ends: string[] = [];
    const prelude: string[] = [];
    for await (const event of readDirectoryDump(await timeseriesDump(serverVersion, dataStem))) {
      if (event.kind === 'prelude') prelude.push(...event.entries.map((entry) => `${entry.db}.${entry.collection} ${entry.type ?? ''}`));
      if (event.kind === 'end-of-namespace') ends.push(`${event.db}.${event.collection} ${event.documents}`);
    }
    expect(prelude).toEqual(['db.ts timeseries']);
    expect(ends).toEqual([`db.${dataStem} 2`]);
  });
});

/** `count` small documents back to back, as mongodump writes a .bson file. */
function bsonFile(count: number, tag = 'd'): Buffer {
  return Buffer.concat(Array.from({ length: count }, (_, i) => BSON.serialize({ _id: i, tag })));
}

const metadataJson = (extra: Record<string, unknown> = {}): string => JSON.stringify({ options: {}, indexes: [{ v: { $numberInt: '2' }, key: { _id: { $numberInt: '1' } }, name: '_id_' }], ...extra });

/** Writes `files` (relative path → content; `null` makes an empty folder) under a fresh temp folder. */
async function dumpFolder(files: Record<string, Buffer | string | null>): Promise<string> {
  const root = await tempDir();
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    if (content === null) {
      await mkdir(full, { recursive: true });
    } else {
      await mkdir(join(full, '..'), { recursive: true });
      await writeFile(full, content);
    }
  }
  return root;
}

interface Read {
  serverVersion: string;
  notices: string[];
  /** "db.collection type" per prelude entry, in prelude order. */
  prelude: string[];
  /** "db.collection count" per end-of-namespace, in stream order. */
  ends: string[];
  /** Event kinds in order, repeats collapsed. */
  order: string[];
  metadata: Map<string, string>;
}

async function read(events: AsyncGenerator<ArchiveEvent>): Promise<Read> {
  const result: Read = { serverVersion: '', notices: [], prelude: [], ends: [], order: [], metadata: new Map() };
  for await (const event of events) {
    if (result.order.at(-1) !== event.kind) result.order.push(event.kind);
    if (event.kind === 'header') result.serverVersion = event.header.serverVersion;
    else if (event.kind === 'notice') result.notices.push(event.message);
    else if (event.kind === 'prelude') {
      for (const entry of event.entries) {
        result.prelude.push(`${entry.db}.${entry.collection} ${entry.type ?? '-'}`);
        result.metadata.set(`${entry.db}.${entry.collection}`, entry.metadata);
      }
    } else if (event.kind === 'end-of-namespace') result.ends.push(`${event.db}.${event.collection} ${event.documents}`);
  }
  return result;
}

/** The error a read ends with, after checking that it yielded nothing before it (never a partial dump). */
async function readError(events: AsyncGenerator<ArchiveEvent>): Promise<MongosafeError> {
  const kinds: string[] = [];
  try {
    for await (const event of events) kinds.push(event.kind);
  } catch (error) {
    expect(kinds).toEqual([]);
    expect(error).toBeInstanceOf(MongosafeError);
    return error as MongosafeError;
  }
  throw new Error(`expected an error, read ${kinds.join(', ')}`);
}

describe('readDirectoryDump, dump root or database folder', () => {
  it('reads a dump root as one database per folder, sorted', async () => {
    const root = await dumpFolder({ 'b/y.bson': bsonFile(2), 'b/y.metadata.json': metadataJson(), 'a/x.bson': bsonFile(3), 'a/w.metadata.json': metadataJson() });
    const got = await read(readDirectoryDump(root));
    expect(got.prelude).toEqual(['a.w collection', 'a.x collection', 'b.y collection']);
    expect(got.ends).toEqual(['a.w 0', 'a.x 3', 'b.y 2']);
    expect(got.notices).toEqual([]);
  });

  it('reads a folder holding dump files as one database named after it', async () => {
    const root = await dumpFolder({ 'shop/orders.bson': bsonFile(4), 'shop/orders.metadata.json': metadataJson() });
    expect((await read(readDirectoryDump(join(root, 'shop')))).ends).toEqual(['shop.orders 4']);
  });

  it('does not take a root holding only oplog.bson and prelude.json for a database folder', async () => {
    const root = await dumpFolder({ 'oplog.bson': bsonFile(1), 'prelude.json': '{"ServerVersion":"7.0.2"}', 'db/c.bson': bsonFile(2) });
    const got = await read(readDirectoryDump(root));
    expect(got.ends).toEqual(['db.c 2', '.oplog 1']);
    expect(got.notices).toEqual([]);
  });

  it('reads a root with database folders and dump files of its own as a dump root, each own file a notice', async () => {
    const root = await dumpFolder({ 'top.bson': bsonFile(1), 'db/c.bson': bsonFile(2), 'db/c.metadata.json': metadataJson() });
    const got = await read(readDirectoryDump(root));
    expect(got.ends).toEqual(['db.c 2']);
    expect(got.notices).toEqual(['top.bson: a collection file at the top of a dump folder (mongodump writes them inside database folders), not restored']);
  });

  it('reads a folder with dump files of its own and a folder of bare .bson files as a database folder, that folder a notice', async () => {
    const root = await dumpFolder({ 'c.bson': bsonFile(1), 'c.metadata.json': metadataJson(), 'stray/out.bson': bsonFile(2) });
    const got = await read(readDirectoryDump(root));
    expect(got.ends).toEqual([`${basename(root)}.c 1`]);
    expect(got.notices).toEqual(['stray: a folder inside a database folder, not restored']);
  });

  it.each([['a.b'], ['has space'], ['dollar$'], ['x'.repeat(64)]])('refuses a database folder named %j, naming it, before reading anything', async (name) => {
    const root = await dumpFolder({ 'good/c.bson': bsonFile(1), [`${name}/c.bson`]: bsonFile(1) });
    const error = await readError(readDirectoryDump(root));
    expect(error).toMatchObject({ code: 'USAGE', message: expect.stringContaining(`${join(root, name)}: the folder name "${name}" is not a valid database name`) as unknown });
    expect(error.hint).toMatch(/rename the folder/);
  });

  it('accepts a 63-byte database name', async () => {
    const root = await dumpFolder({ [`${'x'.repeat(63)}/c.bson`]: bsonFile(1) });
    expect((await read(readDirectoryDump(root))).ends).toEqual([`${'x'.repeat(63)}.c 1`]);
  });
});

describe('readDirectoryDump, files', () => {
  it('detects gzip per file: one folder may mix plain and .gz files', async () => {
    const root = await dumpFolder({ 'db/plain.bson': bsonFile(2), 'db/plain.metadata.json': metadataJson(), 'db/packed.bson.gz': gzipSync(bsonFile(3)), 'db/packed.metadata.json.gz': gzipSync(metadataJson()) });
    const got = await read(readDirectoryDump(root));
    expect(got.ends).toEqual(['db.packed 3', 'db.plain 2']);
    expect(got.metadata.get('db.packed')).toBe(metadataJson());
  });

  it('reads .bin files as data', async () => {
    const root = await dumpFolder({ 'db/legacy.bin': bsonFile(3) });
    expect((await read(readDirectoryDump(root))).ends).toEqual(['db.legacy 3']);
  });

  it('reads a 0-byte metadata file as no metadata', async () => {
    const root = await dumpFolder({ 'db/c.bson': bsonFile(1), 'db/c.metadata.json': '' });
    const got = await read(readDirectoryDump(root));
    expect(got.prelude).toEqual(['db.c collection']);
    expect(got.metadata.get('db.c')).toBe('');
  });

  it('reports invalid metadata JSON as CORRUPT naming the file, before reading anything', async () => {
    const root = await dumpFolder({ 'db/c.bson': bsonFile(1), 'db/c.metadata.json': '{"options": {' });
    const error = await readError(readDirectoryDump(root));
    expect(error.code).toBe('CORRUPT');
    expect(error.message).toMatch(new RegExp(`^${escapeRegExp(join(root, 'db', 'c.metadata.json'))}: metadata of collection db\\.c is not valid extended JSON`));
    expect(error.hint).toMatch(/damaged/);
  });

  it('refuses two data files of one collection', async () => {
    const root = await dumpFolder({ 'db/c.bson': bsonFile(1), 'db/c.bin': bsonFile(1) });
    expect(await readError(readDirectoryDump(root))).toMatchObject({ code: 'CORRUPT', message: expect.stringContaining('two data files for collection db.c') as unknown });
  });
});

describe('readDirectoryDump, collection names from file names (Go url.QueryUnescape)', () => {
  it.each([
    ['a+b', 'a b'],
    ['a%2Bb', 'a+b'],
    ['caf%C3%A9s', 'cafés'],
    ['caf%c3%a9s', 'cafés'],
    ['50%25', '50%'],
    ['system.buckets', 'system.buckets'],
  ])('%s.bson is collection %j', async (stem, name) => {
    const root = await dumpFolder({ [`db/${stem}.bson`]: bsonFile(1), [`db/${stem}.metadata.json`]: metadataJson() });
    expect((await read(readDirectoryDump(root))).prelude).toEqual([`db.${name} collection`]);
  });

  it.each([['a%2'], ['a%zz'], ['a%'], ['%FF']])('refuses %s.bson as CORRUPT naming the file', async (stem) => {
    const root = await dumpFolder({ [`db/${stem}.bson`]: bsonFile(1) });
    const error = await readError(readDirectoryDump(root));
    expect(error.code).toBe('CORRUPT');
    expect(error.message).toContain(join(root, 'db', `${stem}.bson`));
    expect(error.hint).toMatch(/rename the file/);
  });
});

/** mongodump's shortened stem for a long name: the escaped name cut to 208 bytes, "%24", base64url SHA-1. */
function shortenedStem(name: string): string {
  const stem = `${encodeURIComponent(name).slice(0, 208)}%24${createHash('sha1').update(name).digest('base64url')}`;
  expect(Buffer.byteLength(stem)).toBe(238);
  return stem;
}

describe('readDirectoryDump, long names mongodump shortened', () => {
  const longName = `long_${'n'.repeat(250)}`;

  it('takes the name from the sibling metadata', async () => {
    const stem = shortenedStem(longName);
    const root = await dumpFolder({ [`db/${stem}.bson`]: bsonFile(2), [`db/${stem}.metadata.json`]: metadataJson({ collectionName: longName }) });
    const got = await read(readDirectoryDump(root));
    expect(got.prelude).toEqual([`db.${longName} collection`]);
    expect(got.ends).toEqual([`db.${longName} 2`]);
  });

  it('finds the name in a gzipped sibling', async () => {
    const stem = shortenedStem(longName);
    const root = await dumpFolder({ [`db/${stem}.bson.gz`]: gzipSync(bsonFile(2)), [`db/${stem}.metadata.json.gz`]: gzipSync(metadataJson({ collectionName: longName })) });
    expect((await read(readDirectoryDump(root))).ends).toEqual([`db.${longName} 2`]);
  });

  it('keeps a 238-byte stem without %24, and a shorter one with it, as file names', async () => {
    const plain = 'p'.repeat(238);
    const root = await dumpFolder({ [`db/${plain}.bson`]: bsonFile(1), 'db/a%24b.bson': bsonFile(1) });
    const got = await read(readDirectoryDump(root));
    expect(got.prelude).toEqual(['db.a$b collection', `db.${plain} collection`]);
    expect(got.notices).toEqual([]);
  });

  it.each([
    ['missing', undefined, /is missing$/],
    ['0 bytes', '', /no collectionName/],
    ['without collectionName', metadataJson(), /no collectionName/],
    ['with an empty collectionName', metadataJson({ collectionName: '' }), /no collectionName/],
  ])('refuses the data file when its metadata is %s', async (_, metadata, message) => {
    const stem = shortenedStem(longName);
    const files: Record<string, string | Buffer> = { [`db/${stem}.bson`]: bsonFile(1) };
    if (metadata !== undefined) files[`db/${stem}.metadata.json`] = metadata;
    const root = await dumpFolder(files);
    const error = await readError(readDirectoryDump(root));
    expect(error.code).toBe('CORRUPT');
    expect(error.message).toContain(join(root, 'db', stem));
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(/shortened/);
  });
});

describe('readDirectoryDump, the root oplog.bson (mongodump --oplog)', () => {
  it('is namespace .oplog without metadata, read last', async () => {
    const root = await dumpFolder({ 'oplog.bson': bsonFile(5, 'op'), 'db/c.bson': bsonFile(2), 'zz/c.bson': bsonFile(1) });
    const got = await read(readDirectoryDump(root));
    expect(got.prelude).toEqual(['db.c collection', 'zz.c collection', '.oplog -']);
    expect(got.metadata.get('.oplog')).toBe('');
    expect(got.ends).toEqual(['db.c 2', 'zz.c 1', '.oplog 5']);
  });

  it('is an .oplog of 0 documents when empty', async () => {
    const root = await dumpFolder({ 'oplog.bson': '', 'db/c.bson': bsonFile(1) });
    expect((await read(readDirectoryDump(root))).ends).toEqual(['db.c 1', '.oplog 0']);
  });

  it('is gunzipped when mongodump --gzip compressed it without renaming it', async () => {
    const root = await dumpFolder({ 'oplog.bson': gzipSync(bsonFile(7, 'op')), 'db/c.bson.gz': gzipSync(bsonFile(1)) });
    expect((await read(readDirectoryDump(root))).ends).toEqual(['db.c 1', '.oplog 7']);
  });

  it('alone is a dump of the oplog only', async () => {
    const root = await dumpFolder({ 'oplog.bson': bsonFile(3, 'op') });
    expect((await read(readDirectoryDump(root))).ends).toEqual(['.oplog 3']);
  });

  it('is an ordinary collection inside a database folder', async () => {
    const root = await dumpFolder({ 'local/oplog.bson': bsonFile(2, 'op'), 'local/other.bson': bsonFile(1) });
    expect((await read(readDirectoryDump(root))).ends).toEqual(['local.oplog 2', 'local.other 1']);
  });
});

describe('readDirectoryDump, prelude.json', () => {
  it('gives the header its ServerVersion, from the target', async () => {
    const root = await dumpFolder({ 'prelude.json': '{"ServerVersion":"7.0.16","ToolVersion":"100.12.0"}', 'db/c.bson': bsonFile(1) });
    expect((await read(readDirectoryDump(root))).serverVersion).toBe('7.0.16');
  });

  it('is found gzipped, and in the parent of a database folder', async () => {
    const root = await dumpFolder({ 'prelude.json.gz': gzipSync('{"ServerVersion":"6.0.1"}'), 'db/c.bson': bsonFile(1) });
    expect((await read(readDirectoryDump(join(root, 'db')))).serverVersion).toBe('6.0.1');
  });

  it('in the target wins over the parent, and is no stray file in a database folder', async () => {
    const root = await dumpFolder({ 'prelude.json': '{"ServerVersion":"6.0.1"}', 'db/prelude.json': '{"ServerVersion":"8.0.4"}', 'db/c.bson': bsonFile(1) });
    const got = await read(readDirectoryDump(join(root, 'db')));
    expect(got.serverVersion).toBe('8.0.4');
    expect(got.notices).toEqual([]);
  });

  it.each([
    ['missing', '0.0.0', undefined],
    ['"unknown"', '0.0.0', '{"ServerVersion":"unknown"}'],
    ['a pre-release', '5.0.0-rc0', '{"ServerVersion":"5.0.0-rc0"}'],
  ])('%s counts as %s', async (_, version, prelude) => {
    const files: Record<string, string | Buffer> = { 'db/c.bson': bsonFile(1) };
    if (prelude !== undefined) files['prelude.json'] = prelude;
    expect((await read(readDirectoryDump(await dumpFolder(files)))).serverVersion).toBe(version);
  });

  it.each([
    ['not JSON', '{"ServerVersion": ', /is not valid JSON/],
    ['without ServerVersion', '{}', /has no ServerVersion/],
    ['with an empty ServerVersion', '{"ServerVersion":""}', /has no ServerVersion/],
    ['with a version that does not parse', '{"ServerVersion":"seven"}', /ServerVersion "seven" is not a version/],
  ])('refuses a prelude.json %s as CORRUPT naming the file', async (_, prelude, message) => {
    const root = await dumpFolder({ 'prelude.json': prelude, 'db/c.bson': bsonFile(1) });
    const error = await readError(readDirectoryDump(root));
    expect(error.code).toBe('CORRUPT');
    expect(error.message).toContain(join(root, 'prelude.json'));
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(/fix or remove the file/);
  });
});

describe('readDirectoryDump, notices for what is not read', () => {
  it('says once per stray file, subfolder and $admin file, after the header and before the prelude', async () => {
    const root = await dumpFolder({
      'notes.txt': 'hello',
      'old.archive': 'x',
      'db/c.bson': bsonFile(1),
      'db/c.txt': 'x',
      'db/inner/c.bson': bsonFile(1),
      'db/$admin.system.users.bson': bsonFile(1),
      'db/$admin.system.version.bson': bsonFile(1),
    });
    const got = await read(readDirectoryDump(root));
    expect(got.order).toEqual(['header', 'notice', 'prelude', 'documents', 'end-of-namespace']);
    expect(got.ends).toEqual(['db.c 1']);
    expect(got.notices).toEqual([
      'notes.txt: not a mongodump file, not restored',
      'old.archive: not a mongodump file, not restored',
      'db/c.txt: not a mongodump file, not restored',
      'db/inner: a folder inside a database folder, not restored',
      "db/$admin.system.users.bson: system.users of this database (written by mongodump --db); restoring one database's users and roles is not supported, not restored",
      "db/$admin.system.version.bson: system.version of this database (written by mongodump --db); restoring one database's users and roles is not supported, not restored",
    ]);
  });

  it('names paths relative to a database folder given as the target', async () => {
    const root = await dumpFolder({ 'db/c.bson': bsonFile(1), 'db/readme.md': 'x' });
    expect((await read(readDirectoryDump(join(root, 'db')))).notices).toEqual(['readme.md: not a mongodump file, not restored']);
  });
});

describe('readDirectoryDump, timeseries', () => {
  it('refuses system.buckets.<c>.bson without <c>.metadata.json, naming the file', async () => {
    const root = await dumpFolder({ 'db/system.buckets.ts.bson': bsonFile(2), 'db/other.bson': bsonFile(1) });
    const error = await readError(readDirectoryDump(root));
    expect(error.code).toBe('CORRUPT');
    expect(error.message).toBe(`${join(root, 'db', 'system.buckets.ts.bson')}: timeseries buckets of db.ts, but no ts.metadata.json is beside it`);
    expect(error.hint).toMatch(/mongodump writes both files/);
  });

  it('refuses buckets whose collection is not timeseries', async () => {
    const root = await dumpFolder({ 'db/system.buckets.ts.bson': bsonFile(2), 'db/ts.metadata.json': metadataJson() });
    expect((await readError(readDirectoryDump(root))).message).toMatch(/ts\.metadata\.json is not a timeseries collection's metadata/);
  });
});

describe('readDirectoryDump, folders that hold no dump', () => {
  it('refuses a folder with no namespace at all, naming the path and what it found', async () => {
    const root = await dumpFolder({ 'notes.txt': 'x', 'empty': null });
    const error = await readError(readDirectoryDump(root));
    expect(error.code).toBe('CORRUPT');
    expect(error.message).toBe(`${root} holds no mongodump output (no <db>/<collection>.bson or .metadata.json files, no oplog.bson); found only notes.txt: not a mongodump file, not restored`);
    expect(error.hint).toMatch(/give the folder mongodump --out wrote/);
  });

  it('refuses a folder of dump folders, naming them', async () => {
    const root = await dumpFolder({ 'dump1/db/c.bson': bsonFile(1), 'dump2/oplog.bson': bsonFile(1), 'dump2/db/c.bson': bsonFile(1), 'plain/c.bson': bsonFile(1) });
    const error = await readError(readDirectoryDump(root));
    expect(error.code).toBe('CORRUPT');
    expect(error.message).toBe(`${root} holds no mongodump output of its own: dump1, dump2 are dump folders themselves`);
    expect(error.hint).toBe(`give one dump at a time, e.g. ${join(root, 'dump1')}`);
  });

  it('refuses a folder that does not exist, naming it', async () => {
    const root = await tempDir();
    expect(await readError(readDirectoryDump(join(root, 'nope')))).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining(join(root, 'nope')) as unknown });
  });
});

describe('readCollectionFile, one .bson file as a collection', () => {
  it('names the collection after the file and the database after its folder, with the sibling metadata', async () => {
    const root = await dumpFolder({ 'shop/caf%C3%A9s.bson': bsonFile(3), 'shop/caf%C3%A9s.metadata.json': metadataJson(), 'shop/other.bson': bsonFile(1) });
    const got = await read(readCollectionFile(join(root, 'shop', 'caf%C3%A9s.bson')));
    expect(got.prelude).toEqual(['shop.cafés collection']);
    expect(got.metadata.get('shop.cafés')).toBe(metadataJson());
    expect(got.ends).toEqual(['shop.cafés 3']);
  });

  it('reads .bson.gz and .bin', async () => {
    const root = await dumpFolder({ 'db/a.bson.gz': gzipSync(bsonFile(2)), 'db/b.bin': bsonFile(4) });
    expect((await read(readCollectionFile(join(root, 'db', 'a.bson.gz')))).ends).toEqual(['db.a 2']);
    expect((await read(readCollectionFile(join(root, 'db', 'b.bin')))).ends).toEqual(['db.b 4']);
  });

  it('reads system.buckets.<c>.bson as timeseries <c>, with <c>.metadata.json', async () => {
    const root = await dumpFolder({ 'db/system.buckets.ts.bson': bsonFile(2), 'db/ts.metadata.json': metadataJson({ options: { timeseries: { timeField: 't' } } }) });
    const got = await read(readCollectionFile(join(root, 'db', 'system.buckets.ts.bson')));
    expect(got.prelude).toEqual(['db.ts timeseries']);
    expect(got.ends).toEqual(['db.system.buckets.ts 2']);
  });

  it('refuses system.buckets.<c>.bson without <c>.metadata.json, naming the file', async () => {
    const root = await dumpFolder({ 'db/system.buckets.ts.bson': bsonFile(2) });
    const error = await readError(readCollectionFile(join(root, 'db', 'system.buckets.ts.bson')));
    expect(error).toMatchObject({ code: 'CORRUPT', message: `${join(root, 'db', 'system.buckets.ts.bson')}: timeseries buckets of db.ts, but no ts.metadata.json is beside it` });
  });
});

describe('openBackupSource, a file target', () => {
  const noStorage = (): never => {
    throw new Error('a path needs no storage');
  };

  it('reads a .bson file as one collection', async () => {
    const root = await dumpFolder({ 'db/c.bson': bsonFile(2) });
    const source = await openBackupSource(join(root, 'db', 'c.bson'), noStorage);
    expect((await read(source.events())).ends).toEqual(['db.c 2']);
  });

  it('refuses a metadata file, pointing at the .bson beside it', async () => {
    const root = await dumpFolder({ 'db/c.metadata.json': metadataJson() });
    await expect(openBackupSource(join(root, 'db', 'c.metadata.json'), noStorage)).rejects.toMatchObject({ code: 'USAGE', hint: expect.stringContaining('.bson file beside it') as unknown });
  });

  it('refuses a file that is no archive, naming it', async () => {
    const root = await dumpFolder({ 'cases.json': '{\n  "a": 1}' });
    await expect(openBackupSource(join(root, 'cases.json'), noStorage)).rejects.toMatchObject({
      code: 'CORRUPT',
      message: `${join(root, 'cases.json')} is not a mongodump archive, .bson file or dump folder (first bytes 7b 0a 20 20)`,
    });
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
