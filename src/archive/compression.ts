/**
 * Compression around the archive stream (SPEC.md "gzip").
 *
 * gzip is written as a series of independent members, each compressing one fixed-size piece
 * of the archive. Members are compressed on the libuv threadpool, several at once, and
 * emitted in order: mongodump compresses on a single core, and this is how we beat it while
 * staying readable by `mongorestore --gzip`, gunzip and Node (all read concatenated members).
 */
import { availableParallelism } from 'node:os';
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import { MongosafeError, messageOf } from '../errors.js';
import { READ_CHUNK_BYTES } from '../util/bytes.js';
import { joinStreams } from '../util/join-streams.js';
import { ARCHIVE_MAGIC } from './format.js';
import type { Compression } from './types.js';

export interface CompressorOptions {
  /** gzip 1–9 (default DEFAULT_GZIP_LEVEL); zstd 1–22 (default 3). */
  level?: number;
  /** gzip members compressed at once on the threadpool (default: DEFAULT_GZIP_PARALLELISM). */
  parallelism?: number;
  /** Uncompressed bytes per gzip member (default 1 MiB). */
  chunkBytes?: number;
}

/**
 * Level 2. Compression is most of a backup's client CPU, and zlib's lazy-matching levels
 * (4 to 9) spend it for little. Measured per core on 64 MiB of generated archive in 1 MiB
 * members: level 6 (Go's default, so mongodump's) 30 MB/s for a 0.193 ratio, level 4 85 MB/s
 * for 0.219, level 3 88 for 0.230, level 2 135 for 0.246, level 1 180 for 0.264. Level 2
 * takes 37% less CPU than 4 for archives 12% larger (28% larger than mongodump's): on a Lambda
 * CPU is both the bill and the 15-minute window, while the extra bytes cost pennies of S3 at
 * the sizes this serves. `--compression-level` trades back.
 */
export const DEFAULT_GZIP_LEVEL = 2;

/**
 * 1 MiB per member. Each member restarts the compressor with an empty 32 KiB window and adds
 * ~20 bytes of framing: measured, 256 KiB members came out 2% larger than 1 MiB ones, and
 * 4 MiB ones 0.3% smaller, at the same speed but 4x the memory (parallelism x 2 pieces in flight).
 */
export const DEFAULT_GZIP_CHUNK_BYTES = 1024 * 1024;
const DEFAULT_ZSTD_LEVEL = 3;

/**
 * One more member than there are cores: between two members a thread waits for the main
 * thread to take the output and hand it the next piece, and with only one member per core
 * that wait idles the core (measured on 2 cores: 2 at once ran at 92-115 MB/s, 3 at once at
 * 127-140). Capped one below the threadpool's size, so file I/O, which shares the pool,
 * always finds a thread.
 */
export const DEFAULT_GZIP_PARALLELISM = Math.max(1, Math.min(availableParallelism() + 1, threadpoolSize() - 1));

function threadpoolSize(): number {
  const configured = Number(process.env.UV_THREADPOOL_SIZE);
  return Number.isInteger(configured) && configured > 0 ? configured : 4;
}

/** zstd streams exist from Node 22.15 / 23.8; @types/node for Node 20 does not know them. */
interface ZstdApi {
  createZstdCompress?: (options?: { params?: Record<number, number> }) => Transform;
  createZstdDecompress?: () => Transform;
  constants: { ZSTD_c_compressionLevel?: number };
}
const zstdApi = zlib as unknown as ZstdApi;

/** A Transform that compresses an archive byte stream. */
export function createCompressor(kind: Compression, options: CompressorOptions = {}): Transform {
  switch (kind) {
    case 'none':
      return new PassThrough();
    case 'gzip':
      return new ParallelGzip(
        checkLevel(options.level ?? DEFAULT_GZIP_LEVEL, 1, 9, 'gzip'),
        Math.max(1, Math.floor(options.parallelism ?? DEFAULT_GZIP_PARALLELISM)),
        Math.max(1024, Math.floor(options.chunkBytes ?? DEFAULT_GZIP_CHUNK_BYTES)),
      );
    case 'zstd': {
      const create = zstdApi.createZstdCompress;
      const levelKey = zstdApi.constants.ZSTD_c_compressionLevel;
      if (create === undefined || levelKey === undefined) throw zstdUnavailable();
      const level = checkLevel(options.level ?? DEFAULT_ZSTD_LEVEL, 1, 22, 'zstd');
      return translateErrors(create({ params: { [levelKey]: level } }), 'zstd compression');
    }
  }
}

/**
 * Bytes per chunk out of gunzip: four times a read chunk, since the archive inflates about 7×.
 * Every chunk is a fresh buffer, which V8 counts as external memory and answers with full
 * garbage collections, and a document that straddles two chunks is copied out whole
 * (byte-queue.ts): with 1 MiB chunks half of all 500 KB documents did. Restore of 500 × 500 KB
 * took 1.51 instead of 1.56 CPU-seconds (median of 6, on a busy machine), peak RSS about 150
 * instead of 136 MB: a small gain, for fewer and larger allocations.
 */
const GUNZIP_CHUNK_BYTES = 4 * READ_CHUNK_BYTES;

/** A Transform that decompresses; its errors are MongosafeError('CORRUPT') naming `what` (default: the format). */
export function createDecompressor(kind: Compression, what = `${kind} data`): Transform {
  switch (kind) {
    case 'none':
      return new PassThrough();
    case 'gzip':
      return translateErrors(zlib.createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES }), what);
    case 'zstd': {
      const create = zstdApi.createZstdDecompress;
      if (create === undefined) throw zstdUnavailable();
      return translateErrors(create(), what);
    }
  }
}

/** What the first bytes of a stream are: gzip, zstd, a plain archive ('none'), or something else. */
export function detectCompression(firstBytes: Uint8Array): Compression | 'unknown' {
  const starts = (magic: readonly number[]): boolean => magic.every((byte, i) => firstBytes[i] === byte);
  if (starts([0x1f, 0x8b])) return 'gzip';
  if (starts([0x28, 0xb5, 0x2f, 0xfd])) return 'zstd';
  if (starts(ARCHIVE_MAGIC)) return 'none';
  return 'unknown';
}

/**
 * Peeks at the start of `source` and returns the uncompressed archive stream. Throws CORRUPT
 * when the input is empty or neither an archive nor gzip/zstd data.
 */
export async function decompressAuto(source: AsyncIterable<Uint8Array> | Readable): Promise<{ compression: Compression; stream: AsyncIterable<Uint8Array> }> {
  const iterator = (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headLength = 0;
  let done = false;
  while (headLength < 4 && !done) {
    const result = await iterator.next();
    if (result.done === true) {
      done = true;
    } else if (result.value.length > 0) {
      head.push(result.value);
      headLength += result.value.length;
    }
  }
  const first = new Uint8Array(Math.min(4, headLength));
  let at = 0;
  for (const chunk of head) {
    if (at >= first.length) break;
    const part = chunk.subarray(0, first.length - at);
    first.set(part, at);
    at += part.length;
  }
  const compression = detectCompression(first);
  if (compression === 'unknown') {
    await iterator.return?.();
    const seen = [...first].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
    throw new MongosafeError(
      'CORRUPT',
      headLength === 0 ? 'the archive is empty' : `the input is not a mongodump archive (first bytes ${seen})`,
      'give a mongodump --archive file, plain or gzip-compressed',
      { details: { kind: 'invalid' } },
    );
  }
  const replay = Readable.from(resumed(head, iterator, done), { objectMode: false });
  if (compression === 'none') return { compression, stream: replay };
  return { compression, stream: joinStreams(replay, createDecompressor(compression)) };
}

/** The peeked chunks, then the rest of the iterator; stops the iterator if the consumer stops. */
async function* resumed(head: Uint8Array[], iterator: AsyncIterator<Uint8Array>, done: boolean): AsyncGenerator<Uint8Array> {
  let finished = done;
  try {
    yield* head;
    while (!finished) {
      const result = await iterator.next();
      if (result.done === true) {
        finished = true;
      } else {
        yield result.value;
      }
    }
  } finally {
    if (!finished) await iterator.return?.();
  }
}

function checkLevel(level: number, min: number, max: number, kind: string): number {
  if (!Number.isInteger(level) || level < min || level > max) {
    throw new MongosafeError('USAGE', `${kind} level must be a whole number from ${min} to ${max}, got ${level}`);
  }
  return level;
}

function zstdUnavailable(): MongosafeError {
  return new MongosafeError('USAGE', `zstd needs Node 22.15 or later (this is Node ${process.versions.node})`, 'use --compression gzip, or run on a newer Node');
}

/**
 * Makes a zlib stream fail with MongosafeError('CORRUPT') instead of zlib's own errors.
 * zlib reports every failure through destroy(error), so translating in _destroy catches them
 * all, while errors others destroy the stream with (a storage failure upstream) pass unchanged.
 */
function translateErrors(stream: Transform, what: string): Transform {
  const destroy = stream._destroy.bind(stream);
  stream._destroy = (error: Error | null, callback: (error?: Error | null) => void): void => {
    destroy(error, (reported) => callback(isZlibError(reported) ? corruptStream(what, reported) : reported));
  };
  return stream;
}

function isZlibError(error: Error | null | undefined): error is Error & { code: string } {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && /^(Z_|ZSTD_|ERR_ZSTD)/.test(code);
}

function corruptStream(what: string, cause: Error): MongosafeError {
  return new MongosafeError('CORRUPT', `${what} is invalid: ${messageOf(cause)}`, 'the file is damaged or truncated, or not compressed as its name says', { cause, details: { kind: 'invalid' } });
}

interface Member {
  input: Buffer;
  started: boolean;
  settled: boolean;
  output?: Buffer;
  error?: unknown;
}

/**
 * gzip as independent members, `parallelism` of them compressing at once on the threadpool,
 * pushed in input order. Members wait in a window of twice that, so a member that finishes
 * ahead of an earlier one frees its thread for the next piece instead of idling it until the
 * earlier one is pushed. Writes are held (backpressure) while the window is full: memory stays
 * near 2 × parallelism × chunkBytes, input and output.
 */
class ParallelGzip extends Transform {
  /** Input gathered for the next member; allocated when first needed. */
  private piece: Buffer | undefined;
  private pieceUsed = 0;
  /** Members in input order: waiting to start, compressing, or done but not yet pushed. */
  private readonly window: Member[] = [];
  private compressing = 0;
  private emittedAny = false;
  /** Wakes a writer held by a full window, or _flush waiting for the last members. */
  private wake: (() => void) | undefined;
  /**
   * zlib returns to the main thread each time its output buffer fills (16 KiB by default),
   * idling the worker thread until the main thread answers: room for a whole member's
   * output makes each member one uninterrupted job on the threadpool.
   */
  private readonly outputChunkBytes: number;

  constructor(
    private readonly level: number,
    private readonly parallelism: number,
    private readonly chunkBytes: number,
  ) {
    super();
    this.outputChunkBytes = chunkBytes + 1024;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.append(chunk).then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    // An empty archive still becomes one (empty) member, so the output is valid gzip.
    if (this.pieceUsed > 0 || (!this.emittedAny && this.window.length === 0)) this.addPiece();
    this.drainWhile(() => this.window.length > 0).then(() => callback(), callback);
  }

  private async append(chunk: Buffer): Promise<void> {
    // A whole member's worth at a member boundary (the archive writer's 1 MiB chunks) is
    // compressed as it is, without copying it into a piece of our own.
    if (this.pieceUsed === 0 && chunk.length === this.chunkBytes) {
      this.addMember(chunk);
      await this.drainWhile(() => this.window.length >= 2 * this.parallelism);
      return;
    }
    let at = 0;
    while (at < chunk.length) {
      this.piece ??= Buffer.allocUnsafe(this.chunkBytes);
      const count = Math.min(chunk.length - at, this.chunkBytes - this.pieceUsed);
      chunk.copy(this.piece, this.pieceUsed, at, at + count);
      this.pieceUsed += count;
      at += count;
      if (this.pieceUsed === this.chunkBytes) {
        this.addPiece();
        await this.drainWhile(() => this.window.length >= 2 * this.parallelism);
      }
    }
  }

  /** The piece filled so far (possibly empty) becomes a member. */
  private addPiece(): void {
    this.addMember(this.piece?.subarray(0, this.pieceUsed) ?? Buffer.alloc(0));
    this.piece = undefined;
    this.pieceUsed = 0;
  }

  private addMember(input: Buffer): void {
    this.window.push({ input, started: false, settled: false });
    this.startWaiting();
  }

  private async drainWhile(condition: () => boolean): Promise<void> {
    while (condition() && !this.destroyed) {
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Starts the earliest waiting members while fewer than `parallelism` are compressing. */
  private startWaiting(): void {
    for (const member of this.window) {
      if (this.compressing >= this.parallelism) return;
      if (member.started) continue;
      member.started = true;
      this.compressing++;
      zlib.gzip(member.input, { level: this.level, chunkSize: this.outputChunkBytes }, (error, output) => {
        this.compressing--;
        member.settled = true;
        if (error) member.error = error;
        else member.output = output;
        this.pushSettled();
        this.startWaiting();
        const wake = this.wake;
        this.wake = undefined;
        wake?.();
      });
    }
  }

  /** Pushes finished members from the front, keeping input order. */
  private pushSettled(): void {
    for (;;) {
      const member = this.window[0];
      if (member === undefined || !member.settled) return;
      this.window.shift();
      if (this.destroyed) continue;
      if (member.output === undefined) {
        this.destroy(new MongosafeError('INTERNAL', `gzip compression failed: ${messageOf(member.error)}`, undefined, { cause: member.error }));
        continue;
      }
      this.emittedAny = true;
      this.push(member.output);
    }
  }
}
