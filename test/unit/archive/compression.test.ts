import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MongosafeError } from '../../../src/errors.js';
import { createCompressor, createDecompressor, decompressAuto, detectCompression } from '../../../src/archive/compression.js';
import { chunked, concatAll, hex, randomSource, readEverything, rejectionOf } from './archive-io.js';
import { DOC_A, entry, join, namespaceBlocks, start } from './archive-parts.js';

const zstdAvailable = typeof (zlib as unknown as { createZstdCompress?: unknown }).createZstdCompress === 'function';

/** Compressible, non-trivial bytes: text-like runs with random words. */
function sample(length: number, seed = 1): Uint8Array {
  const random = randomSource(seed);
  const words = ['recipe', 'flour', 'sugar', 'oven', 'minutes', 'salt', '{"_id":', '0x1f', 'stir'];
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    const word = words[Math.floor(random() * words.length)] ?? '';
    const piece = random() < 0.1 ? String(Math.floor(random() * 1e9)) : word;
    parts.push(piece);
    size += piece.length + 1;
  }
  return Buffer.from(parts.join(' ')).subarray(0, length);
}

async function through(transform: NodeJS.ReadWriteStream, input: Uint8Array, pieceSize = 65536): Promise<Uint8Array> {
  const output: Uint8Array[] = [];
  await pipeline(
    Readable.from(chunked(input, pieceSize)),
    transform,
    new Writable({
      write(chunk: Uint8Array, _encoding, callback) {
        output.push(chunk);
        callback();
      },
    }),
  );
  return Buffer.concat(output);
}

describe('gzip compressor', () => {
  it('writes one independent member per chunk, in input order, whatever finishes first', async () => {
    const input = sample(5 * 1024 * 1024 + 123);
    const chunkBytes = 256 * 1024;
    const output = await through(createCompressor('gzip', { level: 6, parallelism: 3, chunkBytes }), input);
    const members: Uint8Array[] = [];
    for (let at = 0; at < input.length; at += chunkBytes) members.push(zlib.gzipSync(input.subarray(at, at + chunkBytes), { level: 6 }));
    expect(members.length).toBe(21);
    expect(hex(output)).toBe(hex(Buffer.concat(members)));
  });

  it('round trips through our decompressor and through plain gunzip', async () => {
    const input = sample(3 * 1024 * 1024, 2);
    const compressed = await through(createCompressor('gzip', { parallelism: 2, chunkBytes: 100_000 }), input, 7777);
    expect(hex(await through(createDecompressor('gzip'), compressed, 1000))).toBe(hex(input));
    expect(hex(zlib.gunzipSync(compressed))).toBe(hex(input));
  });

  it('writes a valid (empty) gzip stream for empty input', async () => {
    const compressed = await through(createCompressor('gzip'), new Uint8Array(0));
    expect(compressed.length).toBeGreaterThan(0);
    expect(zlib.gunzipSync(compressed).length).toBe(0);
  });

  it('stops pulling input when the consumer stops reading (bounded memory)', async () => {
    const chunkBytes = 64 * 1024;
    const piece = Buffer.from(sample(chunkBytes, 3));
    let pulled = 0;
    const endless = Readable.from(
      (function* () {
        for (;;) {
          pulled++;
          yield piece;
        }
      })(),
    );
    const stuck = new Writable({ highWaterMark: 1, write: () => undefined }); // never acknowledges
    const flow = pipeline(endless, createCompressor('gzip', { level: 1, parallelism: 2, chunkBytes }), stuck);
    flow.catch(() => undefined);
    // Poll until pulling stops (or a deadline): a compressor without backpressure would pull forever.
    const deadline = Date.now() + 10_000;
    let last = -1;
    while (pulled !== last && Date.now() < deadline) {
      last = pulled;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(pulled).toBe(last);
    // Readable buffers + writable buffer + members in flight: a few dozen pieces at most.
    expect(pulled).toBeLessThan(64);
    endless.destroy();
  });

  it('rejects levels out of range', () => {
    expect(() => createCompressor('gzip', { level: 0 })).toThrow(MongosafeError);
    expect(() => createCompressor('gzip', { level: 10 })).toThrow(/from 1 to 9/);
  });
});

describe('gzip decompressor', () => {
  it('reads concatenated members as one stream (what mongorestore --gzip also does)', async () => {
    const parts = [sample(1000, 4), sample(50_000, 5), new Uint8Array(0), sample(10, 6)];
    const members = Buffer.concat(parts.map((part) => zlib.gzipSync(part)));
    expect(hex(await through(createDecompressor('gzip'), members, 333))).toBe(hex(Buffer.concat(parts)));
  });

  it.each([
    ['a flipped byte', (bytes: Buffer) => Buffer.concat([bytes.subarray(0, 40), Buffer.from([(bytes[40] ?? 0) ^ 0xff]), bytes.subarray(41)])],
    ['truncation', (bytes: Buffer) => bytes.subarray(0, bytes.length - 5)],
    ['trailing garbage', (bytes: Buffer) => Buffer.concat([bytes, Buffer.from('junk')])],
  ])('fails with CORRUPT on %s', async (_name, damage) => {
    const bytes = damage(zlib.gzipSync(sample(20_000, 7)));
    const error = await rejectionOf(through(createDecompressor('gzip'), bytes, 1000));
    expect(error).toBeInstanceOf(MongosafeError);
    expect((error as MongosafeError).code).toBe('CORRUPT');
    expect((error as MongosafeError).message).toContain('gzip data is invalid');
  });

  it('passes errors from upstream through unchanged', async () => {
    const failure = new MongosafeError('STORAGE', 'connection reset');
    async function* failing(): AsyncGenerator<Uint8Array> {
      await Promise.resolve();
      yield zlib.gzipSync(sample(100)).subarray(0, 20);
      throw failure;
    }
    const error = await rejectionOf(pipeline(Readable.from(failing()), createDecompressor('gzip'), new Writable({ write: (_c, _e, cb) => cb() })));
    expect(error).toBe(failure);
  });
});

describe('detectCompression and decompressAuto', () => {
  const archive = join([...start([entry('db', 'c')]), ...namespaceBlocks('db', 'c', [DOC_A])]);

  it('detects by magic bytes', () => {
    expect(detectCompression(new Uint8Array([0x1f, 0x8b, 8, 0]))).toBe('gzip');
    expect(detectCompression(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd]))).toBe('zstd');
    expect(detectCompression(new Uint8Array([0x6d, 0xe2, 0x99, 0x81]))).toBe('none');
    expect(detectCompression(new Uint8Array([0x6d, 0xe2]))).toBe('unknown');
    expect(detectCompression(new Uint8Array([1, 2, 3, 4]))).toBe('unknown');
  });

  it('returns the plain archive, peeking across one-byte chunks', async () => {
    const { compression, stream } = await decompressAuto(chunked(archive, 1));
    expect(compression).toBe('none');
    expect(hex(await concatAll(stream))).toBe(hex(archive));
  });

  it('decompresses gzip (multi-member) and feeds the reader', async () => {
    const gz = Buffer.concat([zlib.gzipSync(archive.subarray(0, 30)), zlib.gzipSync(archive.subarray(30))]);
    const { compression, stream } = await decompressAuto(chunked(gz, 3));
    expect(compression).toBe('gzip');
    const bytes = await concatAll(stream);
    expect((await readEverything(bytes)).result.namespaces).toHaveLength(1);
  });

  it('accepts a Readable', async () => {
    const { stream } = await decompressAuto(Readable.from([Buffer.from(archive)]));
    expect(hex(await concatAll(stream))).toBe(hex(archive));
  });

  it('refuses empty and unknown input with CORRUPT', async () => {
    const empty = await rejectionOf(decompressAuto(chunked(new Uint8Array(0), 1)));
    expect(empty).toBeInstanceOf(MongosafeError);
    expect((empty as MongosafeError).message).toContain('empty');
    const unknown = await rejectionOf(decompressAuto(chunked(Buffer.from('PK\u0003\u0004 a zip file'), 4)));
    expect((unknown as MongosafeError).code).toBe('CORRUPT');
    expect((unknown as MongosafeError).message).toContain('50 4b 03 04');
  });
});

describe('zstd', () => {
  it.skipIf(zstdAvailable)('is refused with a clear USAGE error on a Node without zstd (this is Node 20)', () => {
    const error = (() => {
      try {
        createCompressor('zstd');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(MongosafeError);
    expect((error as MongosafeError).code).toBe('USAGE');
    expect((error as MongosafeError).message).toContain('Node 22.15');
    expect(() => createDecompressor('zstd')).toThrow(/Node 22.15/);
  });

  it.skipIf(!zstdAvailable)('round trips where Node has zstd', async () => {
    const input = sample(500_000, 8);
    const compressed = await through(createCompressor('zstd'), input);
    expect(detectCompression(compressed)).toBe('zstd');
    expect(hex(await through(createDecompressor('zstd'), compressed))).toBe(hex(input));
  });
});
