import { Int32, deserialize } from 'bson';
import { describe, expect, it } from 'vitest';
import { MongosafeError } from '../../../src/errors.js';
import { crc64 } from '../../../src/archive/crc64.js';
import { encodeNamespaceHeader } from '../../../src/archive/namespace-header.js';
import { encodeArchive, type EncodeArchiveOptions } from '../../../src/archive/writer.js';
import type { ArchiveBlock, ArchiveHeader, NamespaceSummary, PreludeEntry } from '../../../src/archive/types.js';
import { concatAll, documentsByNamespace, hex, readEverything, rejectionOf } from './archive-io.js';
import { DOC_A, DOC_B, TERM, dataHeader, eofHeader, rawDoc } from './archive-parts.js';

const HEADER: ArchiveHeader = { concurrentCollections: 2, version: '0.1', serverVersion: '8.0.4', toolVersion: 'mongosafe-test' };
const entry = (db: string, collection: string, type = 'collection'): PreludeEntry => ({ db, collection, metadata: '', type });
const docs = (ns: string, ...documents: Uint8Array[]): ArchiveBlock => {
  const [db = '', collection = ''] = ns.split(/\.(.*)/s);
  return { kind: 'documents', db, collection, documents };
};
const end = (ns: string): ArchiveBlock => {
  const [db = '', collection = ''] = ns.split(/\.(.*)/s);
  return { kind: 'end', db, collection };
};

async function write(prelude: PreludeEntry[], blocks: ArchiveBlock[], header = HEADER, options?: EncodeArchiveOptions): Promise<Uint8Array> {
  return concatAll(encodeArchive(header, prelude, blocks, options));
}

async function writeError(prelude: PreludeEntry[], blocks: ArchiveBlock[], header = HEADER): Promise<MongosafeError> {
  const error = await rejectionOf(write(prelude, blocks, header));
  expect(error).toBeInstanceOf(MongosafeError);
  return error as MongosafeError;
}

describe('encodeNamespaceHeader', () => {
  it('writes exactly db, collection, EOF (bool), CRC (int64), in that order', () => {
    const bytes = encodeNamespaceHeader({ db: 'db', collection: 'c', eof: false, crc: 0n });
    const types: number[] = [];
    for (let at = 4; at < bytes.length - 1; ) {
      types.push(bytes[at] ?? -1);
      const keyEnd = bytes.indexOf(0, at + 1);
      const key = Buffer.from(bytes.subarray(at + 1, keyEnd)).toString();
      const valueAt = keyEnd + 1;
      at = key === 'db' || key === 'collection' ? valueAt + 4 + (bytes[valueAt] ?? 0) : key === 'EOF' ? valueAt + 1 : valueAt + 8;
    }
    expect(types).toEqual([0x02, 0x02, 0x08, 0x12]);
    expect(Object.keys(deserialize(bytes))).toEqual(['db', 'collection', 'EOF', 'CRC']);
  });

  it('stores a CRC at or above 2^63 as the int64 bit pattern (reads back negative)', () => {
    const crc = 0x9cc6a0e47a6d6d82n;
    const bytes = encodeNamespaceHeader({ db: 'db', collection: 'c', eof: true, crc });
    expect(deserialize(bytes, { useBigInt64: true }).CRC).toBe(-7149850455237104254n);
    expect(hex(bytes.subarray(bytes.length - 9, bytes.length - 1))).toBe('826d6d7ae4a0c69c');
  });
});

describe('encodeArchive layout', () => {
  it('writes an empty namespace as an empty segment then an EOF block, like mongodump', async () => {
    const bytes = await write([entry('db', 'empty')], [end('db.empty')]);
    const tail = Buffer.concat([dataHeader('db', 'empty'), TERM, eofHeader('db', 'empty'), TERM]);
    expect(hex(bytes.subarray(bytes.length - tail.length))).toBe(hex(tail));
  });

  it('keeps one segment while consecutive blocks are of the same namespace, opens a new one on a switch', async () => {
    const bytes = await write(
      [entry('db', 'a'), entry('db', 'b')],
      [docs('db.a', DOC_A), docs('db.a', DOC_B), docs('db.b', DOC_A), docs('db.a', DOC_B), end('db.a'), end('db.b')],
    );
    const body = Buffer.concat([
      dataHeader('db', 'a'), DOC_A, DOC_B, TERM,
      dataHeader('db', 'b'), DOC_A, TERM,
      dataHeader('db', 'a'), DOC_B, TERM,
      eofHeader('db', 'a', [DOC_A, DOC_B, DOC_B]), TERM,
      eofHeader('db', 'b', [DOC_A]), TERM,
    ]);
    expect(hex(bytes.subarray(bytes.length - body.length))).toBe(hex(body));
  });

  it('reports summaries through onNamespaceEnd and as the return value', async () => {
    const seen: NamespaceSummary[] = [];
    const generator = encodeArchive(HEADER, [entry('db', 'a'), entry('db', 'b')], [docs('db.a', DOC_A, DOC_B), end('db.a'), end('db.b')], {
      onNamespaceEnd: (summary) => seen.push(summary),
    });
    let step = await generator.next();
    while (step.done !== true) step = await generator.next();
    const expected = [
      { db: 'db', collection: 'a', documents: 2, bsonBytes: DOC_A.length + DOC_B.length, crc64: crc64(Buffer.concat([DOC_A, DOC_B])) },
      { db: 'db', collection: 'b', documents: 0, bsonBytes: 0, crc64: 0n },
    ];
    expect(step.value).toEqual(expected);
    expect(seen).toEqual(expected);
  });

  it('yields few, bounded chunks: many documents per chunk, never more than chunkBytes', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => rawDoc({ _id: new Int32(i), pad: 'p'.repeat(50) }));
    const chunks: Uint8Array[] = [];
    for await (const chunk of encodeArchive(HEADER, [entry('db', 'c')], [docs('db.c', ...many), end('db.c')], { chunkBytes: 64 * 1024 })) {
      chunks.push(chunk);
    }
    const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    expect(chunks.length).toBe(Math.ceil(total / (64 * 1024)));
    expect(Math.max(...chunks.map((chunk) => chunk.length))).toBeLessThanOrEqual(64 * 1024);
    const { result } = await readEverything(Buffer.concat(chunks));
    expect(result.namespaces[0]?.documents).toBe(5000);
  });

  it('passes a document larger than a chunk through whole', async () => {
    const big = rawDoc({ _id: new Int32(1), blob: 'x'.repeat(300_000) });
    const chunks: Uint8Array[] = [];
    for await (const chunk of encodeArchive(HEADER, [entry('db', 'c')], [docs('db.c', DOC_A, big, DOC_B), end('db.c')], { chunkBytes: 100_000 })) {
      chunks.push(chunk);
    }
    expect(chunks.some((chunk) => chunk === big)).toBe(true);
    const { events } = await readEverything(Buffer.concat(chunks));
    expect(documentsByNamespace(events).get('db.c')?.map(hex)).toEqual([DOC_A, big, DOC_B].map(hex));
  });

  it('names timeseries data by its bucket namespace before server 8.3.0', async () => {
    const bytes = await write([entry('db', 'ts', 'timeseries')], [docs('db.system.buckets.ts', DOC_A), end('db.system.buckets.ts')]);
    const { result } = await readEverything(bytes);
    expect(result.namespaces[0]).toMatchObject({ collection: 'system.buckets.ts', documents: 1 });
    const error = await writeError([entry('db', 'ts', 'timeseries')], [docs('db.ts', DOC_A), end('db.ts')]);
    expect(error.message).toContain('not in the prelude');
  });

  it('allows the oplog, the one entry without a database', async () => {
    const bytes = await write([entry('db', 'c'), { db: '', collection: 'oplog', metadata: '', type: '' }], [end('db.c'), docs('.oplog', DOC_A), end('.oplog')]);
    const { result } = await readEverything(bytes);
    expect(result.namespaces.map((ns) => `${ns.db}.${ns.collection}`)).toEqual(['db.c', '.oplog']);
  });
});

describe('encodeArchive guards', () => {
  it('refuses to open more namespaces than concurrent_collections (mongorestore would hang)', async () => {
    const prelude = [entry('db', 'a'), entry('db', 'b'), entry('db', 'c')];
    const error = await writeError(prelude, [docs('db.a', DOC_A), docs('db.b', DOC_A), docs('db.c', DOC_A)]);
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toContain('3 namespaces open at once');
    expect(error.message).toContain('concurrent_collections 2');
    // The same namespaces in turn are fine.
    const bytes = await write(prelude, [docs('db.a', DOC_A), docs('db.b', DOC_A), end('db.a'), docs('db.c', DOC_A), end('db.b'), end('db.c')]);
    expect((await readEverything(bytes)).result.namespaces).toHaveLength(3);
  });

  it('counts an empty namespace ended at once as never more than one open', async () => {
    const prelude = [entry('db', 'a'), entry('db', 'b'), entry('db', 'c')];
    const bytes = await write(prelude, [docs('db.a', DOC_A), docs('db.b', DOC_B), end('db.a'), end('db.c'), end('db.b')]);
    expect((await readEverything(bytes)).result.namespaces).toHaveLength(3);
  });

  it('refuses a namespace that is not in the prelude', async () => {
    const error = await writeError([entry('db', 'a')], [docs('db.x', DOC_A)]);
    expect(error.message).toContain('db.x, which is not in the prelude');
  });

  it('refuses blocks after a namespace ended', async () => {
    expect((await writeError([entry('db', 'a')], [end('db.a'), docs('db.a', DOC_A)])).message).toContain('after its end');
    expect((await writeError([entry('db', 'a')], [end('db.a'), end('db.a')])).message).toContain('after its end');
  });

  it('refuses to finish while a prelude namespace was never ended', async () => {
    const error = await writeError([entry('db', 'a'), entry('db', 'b')], [docs('db.a', DOC_A), end('db.a')]);
    expect(error.message).toContain('without an end for db.b');
  });

  it.each(['unknown', '', '8.0', '8', '8.0.4.1', ' 8.0.4', 'v8.0.4'])('refuses server version %j', async (serverVersion) => {
    const error = await writeError([], [], { ...HEADER, serverVersion });
    expect(error.code).toBe('SOURCE');
    expect(error.message).toContain('X.Y.Z');
  });

  it.each(['8.0.4', '8.0.4-rc1', '5.0.0-rc0', '7.0.2-ent', '8.0.0+abc', '10.20.30'])('accepts server version %j', async (serverVersion) => {
    await expect(write([], [], { ...HEADER, serverVersion })).resolves.toBeInstanceOf(Uint8Array);
  });

  it('refuses a concurrent_collections below 1 and a format version other than 0.1', async () => {
    expect((await writeError([], [], { ...HEADER, concurrentCollections: 0 })).code).toBe('USAGE');
    expect((await writeError([], [], { ...HEADER, version: '0.2' })).code).toBe('INTERNAL');
  });

  it('refuses prelude entries mongorestore cannot place', async () => {
    expect((await writeError([entry('db', '')], [])).message).toContain('no collection name');
    expect((await writeError([entry('', 'c')], [])).message).toContain('no database name');
    expect((await writeError([entry('db', 'c'), entry('db', 'c')], [])).message).toContain('twice');
  });

  it('checks each document is one whole BSON document of at most 16 MiB', async () => {
    const wrongPrefix = Uint8Array.from(DOC_A);
    wrongPrefix[0] = (wrongPrefix[0] ?? 0) + 1;
    const noNul = Uint8Array.from(DOC_A);
    noNul[noNul.length - 1] = 7;
    const tooBig = new Uint8Array(16 * 1024 * 1024 + 1);
    new DataView(tooBig.buffer).setInt32(0, tooBig.length, true);
    for (const [doc, message] of [
      [wrongPrefix, 'has length prefix'],
      [noNul, 'does not end with a NUL byte'],
      [new Uint8Array([4, 0, 0, 0]), 'only 4 bytes'],
      [tooBig, 'more than the 16 MiB'],
    ] as const) {
      const error = await writeError([entry('db', 'a')], [docs('db.a', DOC_A, doc)]);
      expect(error.code).toBe('SOURCE');
      expect(error.message).toContain('document 2 of db.a');
      expect(error.message).toContain(message);
    }
  });

  it('accepts a document of exactly 16 MiB', async () => {
    const max = new Uint8Array(16 * 1024 * 1024);
    new DataView(max.buffer).setInt32(0, max.length, true);
    max.set([0x05, 0x78, 0x00], 4); // binary "x", then the rest of the length as its payload
    new DataView(max.buffer).setInt32(7, max.length - 4 - 3 - 4 - 1 - 1, true);
    const bytes = await write([entry('db', 'a')], [docs('db.a', max), end('db.a')]);
    const { result } = await readEverything(bytes, 1024 * 1024);
    expect(result.namespaces[0]?.bsonBytes).toBe(16 * 1024 * 1024);
  });
});
