import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { Double, Int32, Long, serialize } from 'bson';
import { describe, expect, it } from 'vitest';
import { MongosafeError } from '../../../src/errors.js';
import { readArchive } from '../../../src/archive/reader.js';
import { crc64 } from '../../../src/archive/crc64.js';
import { chunked, documentsByNamespace, hex, readEverything, rejectionOf } from './archive-io.js';
import { DOC_A, DOC_B, MAGIC, TERM, dataHeader, entry, eofHeader, join, namespaceBlocks, rawDoc, start } from './archive-parts.js';

const fixture = (name: string): Uint8Array => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url));

/** Reads `bytes` and returns the CORRUPT error it must end in. */
async function corruption(bytes: Uint8Array, chunkSize = 7): Promise<MongosafeError> {
  const error = await rejectionOf(readEverything(bytes, chunkSize));
  expect(error).toBeInstanceOf(MongosafeError);
  const mongosafeError = error as MongosafeError;
  expect(mongosafeError.code).toBe('CORRUPT');
  expect(mongosafeError.message).toMatch(/at byte \d+/);
  return mongosafeError;
}

const valid = (): Uint8Array => join([...start([entry('db', 'c')]), ...namespaceBlocks('db', 'c', [DOC_A, DOC_B])]);

describe('readArchive on real mongodump output', () => {
  const expected = JSON.parse(readFileSync(new URL('../../fixtures/ferretdb.expected.json', import.meta.url), 'utf8')) as {
    namespaces: Record<string, { documents: number }>;
  };

  it('parses the plain fixture; counts match the server, every CRC checks', async () => {
    const { events, result } = await readEverything(fixture('ferretdb.archive'), 1000);
    expect(result.header).toMatchObject({ concurrentCollections: 4, version: '0.1' });
    expect(result.prelude.map((e) => `${e.db}.${e.collection}`).sort()).toEqual(Object.keys(expected.namespaces).sort());
    const counts = Object.fromEntries(result.namespaces.map((ns) => [`${ns.db}.${ns.collection}`, { documents: ns.documents }]));
    expect(counts).toEqual(expected.namespaces);
    const docs = documentsByNamespace(events);
    for (const ns of result.namespaces) {
      expect(crc64(Buffer.concat(docs.get(`${ns.db}.${ns.collection}`) ?? []))).toBe(ns.crc64);
    }
    expect(events.filter((event) => event.kind === 'end-of-namespace')).toHaveLength(3);
  });
});

describe('readArchive batching', () => {
  it('splits a long segment into batches of at most batchDocuments', async () => {
    const docs = Array.from({ length: 2500 }, (_, i) => rawDoc({ _id: new Int32(i) }));
    const bytes = join([...start([entry('db', 'c')]), ...namespaceBlocks('db', 'c', docs)]);
    const { events } = await readEverything(bytes, 4096);
    const sizes = events.flatMap((event) => (event.kind === 'documents' ? [event.documents.length] : []));
    expect(sizes).toEqual([1000, 1000, 500]);
  });

  it('bounds batches by bytes and never lets a batch span segments', async () => {
    const docs = Array.from({ length: 10 }, (_, i) => rawDoc({ _id: new Int32(i), pad: 'x'.repeat(100) }));
    const one = docs[0]?.length ?? 0;
    const bytes = join([
      ...start([entry('db', 'a'), entry('db', 'b')]),
      dataHeader('db', 'a'), ...docs.slice(0, 3), TERM,
      dataHeader('db', 'b'), TERM,
      dataHeader('db', 'a'), ...docs.slice(3), TERM,
      eofHeader('db', 'a', docs), TERM,
      eofHeader('db', 'b'), TERM,
    ]);
    const { events } = await readEverything(bytes, 50, { batchBytes: one * 2 });
    const sizes = events.flatMap((event) => (event.kind === 'documents' ? [event.documents.length] : []));
    expect(sizes).toEqual([2, 1, 2, 2, 2, 1]);
  });

  it('gives documents back byte for byte, including types a JS round trip would change', async () => {
    const doc = serialize({ _id: new Int32(1), long: Long.fromNumber(5), double: new Double(1), negZero: new Double(-0) });
    const bytes = join([...start([entry('db', 'c')]), ...namespaceBlocks('db', 'c', [doc])]);
    const { events } = await readEverything(bytes, 3);
    expect(documentsByNamespace(events).get('db.c')?.map(hex)).toEqual([hex(doc)]);
  });
});

describe('readArchive leniency (header and prelude, as mongorestore)', () => {
  it('accepts header keys in any order, unknown keys, other integer types, missing keys', async () => {
    const header = serialize({ extra: 1, tool_version: 't', server_version: '7.0.2-ent', concurrent_collections: Long.fromNumber(2) });
    const bytes = join([MAGIC, header, entry('db', 'c'), TERM, ...namespaceBlocks('db', 'c', [DOC_A])]);
    const { result } = await readEverything(bytes);
    expect(result.header).toEqual({ concurrentCollections: 2, version: '', serverVersion: '7.0.2-ent', toolVersion: 't' });
  });

  it('accepts prelude entries without type (pre-100.4.0), with size of any type and unknown keys', async () => {
    const old = serialize({ db: 'db', collection: 'c', metadata: '', size: Long.fromNumber(9), more: true });
    const bytes = join([MAGIC, serialize({ concurrent_collections: new Int32(1), version: '0.1', server_version: '3.4.3', tool_version: 'r3.4.3' }), old, TERM, ...namespaceBlocks('db', 'c', [])]);
    const { result } = await readEverything(bytes);
    expect(result.prelude).toEqual([{ db: 'db', collection: 'c', metadata: '' }]);
  });

  it('rejects a header field of the wrong type', async () => {
    const header = serialize({ concurrent_collections: new Int32(1), version: new Int32(1), server_version: '8.0.0', tool_version: 't' });
    const error = await corruption(join([MAGIC, header, TERM]));
    expect(error.message).toContain('"version" is not a string');
  });

  it('reads an archive with an empty prelude and nothing else', async () => {
    const { result } = await readEverything(join(start([])));
    expect(result.namespaces).toEqual([]);
  });
});

describe('readArchive timeseries namespaces', () => {
  it('expects system.buckets.X for a timeseries entry X before server 8.3.0', async () => {
    const ok = join([...start([entry('db', 'ts', 'timeseries')], '8.0.4'), ...namespaceBlocks('db', 'system.buckets.ts', [DOC_A])]);
    const { result } = await readEverything(ok);
    expect(result.namespaces[0]).toMatchObject({ db: 'db', collection: 'system.buckets.ts', documents: 1 });

    const wrong = join([...start([entry('db', 'ts', 'timeseries')], '8.0.4'), ...namespaceBlocks('db', 'ts', [DOC_A])]);
    expect((await corruption(wrong)).message).toContain('not in the prelude');
  });

  it('expects X itself from server 8.3.0 on', async () => {
    const ok = join([...start([entry('db', 'ts', 'timeseries')], '8.3.0'), ...namespaceBlocks('db', 'ts', [DOC_A])]);
    const { result } = await readEverything(ok);
    expect(result.namespaces[0]).toMatchObject({ db: 'db', collection: 'ts' });
  });
});

describe('readArchive errors', () => {
  it('wrong magic, with a hint for gzip input', async () => {
    const plain = await corruption(join([new Uint8Array([1, 2, 3, 4]), valid().subarray(4)]));
    expect(plain.message).toContain('wrong magic bytes 01 02 03 04');
    const gzip = await corruption(gzipSync(valid()));
    expect(gzip.hint).toContain('gzip');
  });

  it('empty and too-short streams', async () => {
    expect((await corruption(new Uint8Array(0))).message).toContain('empty');
    expect((await corruption(MAGIC.subarray(0, 2))).message).toContain('shorter than the archive magic');
    expect((await corruption(MAGIC)).message).toContain('no header document');
  });

  it('a body namespace missing from the prelude', async () => {
    const bytes = join([...start([entry('db', 'c')]), ...namespaceBlocks('db', 'other', [DOC_A])]);
    const error = await corruption(bytes);
    expect(error.message).toContain('not in the prelude');
    expect(error.message).toContain('namespace db.other');
    expect(error.details).toEqual({ namespace: 'db.other', kind: 'invalid' });
  });

  it('a namespace header after its EOF block', async () => {
    const bytes = join([...start([entry('db', 'c'), entry('db', 'd')]), ...namespaceBlocks('db', 'c', [DOC_A]), dataHeader('db', 'c'), TERM]);
    const error = await corruption(bytes);
    expect(error.message).toContain('after that namespace\'s EOF block');
    expect(error.message).toContain('db.c');
  });

  it('a CRC mismatch names both values in hex', async () => {
    const bytes = join([...start([entry('db', 'c')]), dataHeader('db', 'c'), DOC_A, TERM, eofHeader('db', 'c', [DOC_B]), TERM]);
    const error = await corruption(bytes);
    expect(error.message).toContain(`CRC mismatch: the EOF block says ${crc64(DOC_B).toString(16).padStart(16, '0')}, the documents hash to ${crc64(DOC_A).toString(16).padStart(16, '0')}`);
    expect(error.message).toContain('namespace db.c');
    expect(error.details).toEqual({ namespace: 'db.c', kind: 'checksum' });
  });

  it('framing errors outside any namespace are invalid, with no namespace', async () => {
    expect((await corruption(MAGIC)).details).toEqual({ kind: 'invalid' });
  });

  it('compares CRCs as unsigned 64-bit patterns (values at or above 2^63)', async () => {
    // Find a document whose CRC has the top bit set, so the stored int64 is negative.
    let doc = DOC_A;
    for (let i = 0; crc64(doc) < 2n ** 63n; i++) doc = rawDoc({ _id: new Int32(i) });
    const bytes = join([...start([entry('db', 'c')]), ...namespaceBlocks('db', 'c', [doc])]);
    const { result } = await readEverything(bytes);
    expect(result.namespaces[0]?.crc64).toBe(crc64(doc));
  });

  it('an archive that ends before a namespace\'s EOF block', async () => {
    const bytes = join([...start([entry('db', 'c')]), dataHeader('db', 'c'), DOC_A, TERM]);
    expect((await corruption(bytes)).message).toContain('ends before the EOF block of db.c');
  });

  it('an archive that never mentions a prelude namespace', async () => {
    const bytes = join([...start([entry('db', 'c'), entry('db', 'never')]), ...namespaceBlocks('db', 'c', [DOC_A])]);
    expect((await corruption(bytes)).message).toContain('without any block of db.never');
  });

  it('truncation inside a document, inside a length prefix, after headers', async () => {
    const whole = join([...start([entry('db', 'c')]), dataHeader('db', 'c'), DOC_A]);
    const insideDoc = await corruption(whole.subarray(0, whole.length - 3));
    expect(insideDoc.message).toContain(`ends inside a ${DOC_A.length}-byte document`);
    expect(insideDoc.message).toContain('namespace db.c');
    const insidePrefix = join([...start([entry('db', 'c')]), dataHeader('db', 'c'), DOC_A.subarray(0, 2)]);
    expect((await corruption(insidePrefix)).message).toContain('ends inside a length prefix');
    const afterDataHeader = join([...start([entry('db', 'c')]), dataHeader('db', 'c')]);
    expect((await corruption(afterDataHeader)).message).toContain('ends inside a data segment');
    const afterEof = join([...start([entry('db', 'c')]), dataHeader('db', 'c'), TERM, eofHeader('db', 'c')]);
    expect((await corruption(afterEof)).message).toContain('ends right after an EOF header');
    const inPrelude = join([MAGIC, start([])[1] ?? new Uint8Array(0), entry('db', 'c')]);
    expect((await corruption(inPrelude)).message).toContain('ends inside the prelude');
  });

  it('trailing bytes after the end: zeros, or a second archive', async () => {
    const zeros = await corruption(join([valid(), new Uint8Array(8)]));
    expect(zeros.message).toContain('trailing bytes');
    expect(zeros.message).toContain(`at byte ${valid().length}`);
    expect((await corruption(join([valid(), valid()]))).message).toContain('trailing bytes');
  });

  it('a length prefix that is neither a document size nor a terminator, without allocating it', async () => {
    const small = await corruption(join([...start([entry('db', 'c')]), dataHeader('db', 'c'), new Uint8Array([3, 0, 0, 0, 0])]));
    expect(small.message).toContain('3 is neither a valid BSON document length nor a terminator');
    // 2 GiB announced, 8 bytes present: rejected at once, not after waiting for or allocating 2 GiB.
    const huge = await corruption(join([...start([entry('db', 'c')]), dataHeader('db', 'c'), new Uint8Array([0, 0, 0, 0x80, 0, 0, 0, 0])]));
    expect(huge.message).toContain('2147483648 is neither');
    const justOver = 16 * 1024 * 1024 + 16 * 1024 + 1;
    const over = new Uint8Array(4);
    new DataView(over.buffer).setUint32(0, justOver, true);
    expect((await corruption(join([...start([entry('db', 'c')]), dataHeader('db', 'c'), over]))).message).toContain(`${justOver} is neither`);
  });

  it('a document that does not end with NUL', async () => {
    const bad = Uint8Array.from(DOC_A);
    bad[bad.length - 1] = 1;
    const error = await corruption(join([...start([entry('db', 'c')]), dataHeader('db', 'c'), bad, TERM]));
    expect(error.message).toContain('does not end with a NUL byte');
    expect(error.message).toContain('namespace db.c');
  });

  it('consecutive terminators', async () => {
    const bytes = join([...start([entry('db', 'c')]), TERM]);
    expect((await corruption(bytes)).message).toContain('consecutive terminators');
  });

  it('a document between an EOF header and its terminator', async () => {
    const bytes = join([...start([entry('db', 'c')]), dataHeader('db', 'c'), TERM, eofHeader('db', 'c'), DOC_A, TERM]);
    expect((await corruption(bytes)).message).toContain('a document after an EOF header');
  });

  it.each([
    ['an unknown key', serialize({ db: 'db', collection: 'c', EOF: false, CRC: Long.fromNumber(0), extra: 1 }), 'unknown key "extra"'],
    ['CRC as int32', serialize({ db: 'db', collection: 'c', EOF: false, CRC: new Int32(0) }), '"CRC" is not an int64'],
    ['EOF as int32', serialize({ db: 'db', collection: 'c', EOF: new Int32(0), CRC: Long.fromNumber(0) }), '"EOF" is not a boolean'],
    ['db as int32', serialize({ db: new Int32(1), collection: 'c', EOF: false, CRC: Long.fromNumber(0) }), '"db" is not a string'],
    ['no collection', serialize({ db: 'db', EOF: false, CRC: Long.fromNumber(0) }), 'no collection name'],
    ['a lowercase key', serialize({ db: 'db', collection: 'c', eof: false, CRC: Long.fromNumber(0) }), 'unknown key "eof"'],
  ])('a namespace header with %s', async (_name, badHeader, message) => {
    const bytes = join([...start([entry('db', 'c')]), badHeader, TERM]);
    expect((await corruption(bytes)).message).toContain(message);
  });

  it('accepts namespace header keys in any order and missing CRC/EOF (zero values)', async () => {
    const reordered = serialize({ CRC: Long.fromNumber(0), EOF: false, collection: 'c', db: 'db' });
    const eofWithoutCrc = serialize({ collection: 'c', db: 'db', EOF: true });
    const { result } = await readEverything(join([...start([entry('db', 'c')]), reordered, TERM, eofWithoutCrc, TERM]));
    expect(result.namespaces).toEqual([{ db: 'db', collection: 'c', documents: 0, bsonBytes: 0, crc64: 0n }]);
  });

  it('a malformed header document', async () => {
    const broken = serialize({ concurrent_collections: new Int32(1), version: '0.1', server_version: '8.0.0', tool_version: 't' });
    broken[5 + 'concurrent_collections'.length + 1 + 4] = 0x07; // type of "version" → ObjectId, which overruns
    const error = await corruption(join([MAGIC, broken, TERM]));
    expect(error.message).toContain('malformed header document');
  });

  it('turns a failing source into a MongosafeError, keeping the cause', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      await Promise.resolve();
      yield valid().subarray(0, 50);
      throw new Error('socket hang up');
    }
    const error = await rejectionOf((async () => {
      for await (const event of readArchive(failing())) void event;
    })());
    expect(error).toBeInstanceOf(MongosafeError);
    expect((error as MongosafeError).message).toContain('socket hang up');
    expect((error as MongosafeError).cause).toBeInstanceOf(Error);
  });

  it('stops the source when the consumer stops early', async () => {
    let returned = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        yield* chunked(valid(), 10);
      } finally {
        returned = true;
      }
    }
    for await (const event of readArchive(source())) {
      if (event.kind === 'header') break;
    }
    expect(returned).toBe(true);
  });
});
