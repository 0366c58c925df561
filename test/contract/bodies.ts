// Put bodies for the storage contract: produced on demand (never built whole),
// so backends are fed the way a backup feeds them.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

const CHUNK_BYTES = 64 * 1024;

/** The next `size` deterministic pseudo-random bytes (xorshift32), so content mix-ups show. */
function nextChunk(size: number, state: { x: number }): Buffer {
  const chunk = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) {
    let x = state.x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    state.x = x >>> 0;
    chunk.writeUInt32LE(state.x, i);
  }
  return chunk;
}

export interface PatternBody {
  body: Readable;
  /** sha256 hex of everything the body yields. */
  sha256: () => string;
  /** Bytes handed out so far. */
  produced: () => number;
}

/**
 * `total` bytes made in 64 KiB chunks only when the consumer asks (read()),
 * with a 64 KiB high-water mark: a consumer that stops reading stops production.
 * When all is out and more is asked for, `atEnd` runs.
 */
function lazyBody(total: number, seed: number, atEnd: (body: Readable) => void): PatternBody {
  const hash = createHash('sha256');
  const state = { x: seed || 1 };
  let produced = 0;
  const body = new Readable({
    highWaterMark: CHUNK_BYTES,
    read() {
      if (produced >= total) {
        atEnd(this);
        return;
      }
      const chunk = nextChunk(Math.min(CHUNK_BYTES, total - produced), state);
      produced += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { body, sha256: () => hash.copy().digest('hex'), produced: () => produced };
}

/** `total` pseudo-random bytes, made on demand. */
export function patternBody(total: number, seed = 1): PatternBody {
  return lazyBody(total, seed, (body) => body.push(null));
}

/**
 * Yields `bytesBeforeStall` bytes, then waits for ever for data that never
 * comes; `stalled` resolves when the consumer has taken everything and asks
 * for more (the moment to abort "midway").
 */
export function stallingBody(bytesBeforeStall: number): { body: Readable; stalled: Promise<void> } {
  let markStalled = (): void => {};
  const stalled = new Promise<void>((resolve) => (markStalled = resolve));
  return { body: lazyBody(bytesBeforeStall, 7, () => markStalled()).body, stalled };
}

/** An async generator (not a Readable) that yields `bytesBefore` bytes, then throws `error`. */
export async function* failingBody(bytesBefore: number, error: Error): AsyncGenerator<Uint8Array> {
  for await (const chunk of patternBody(bytesBefore, 3).body) yield chunk as Buffer;
  throw error;
}

/** Everything a readable yields, for small objects. */
export async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** sha256 hex and size of a stream, read with backpressure (one chunk at a time). */
export async function digest(stream: AsyncIterable<unknown>): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    const data = chunk as Uint8Array;
    bytes += data.byteLength;
    hash.update(data);
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** A one-chunk body. */
export function bytesBody(data: string | Uint8Array): Readable {
  return Readable.from([typeof data === 'string' ? Buffer.from(data) : data]);
}
