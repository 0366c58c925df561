/**
 * Pull-based framing over a byte stream (SPEC.md "Framing"). The reader parses whatever is
 * buffered synchronously and awaits the source only when an item is incomplete: awaiting per
 * document would cost a promise round trip for each of millions of small documents.
 */
import { MongosafeError, messageOf } from '../errors.js';
import { MAX_READ_DOCUMENT_BYTES, MIN_DOCUMENT_BYTES, TERMINATOR, corruptArchive } from './format.js';

/** What `tryReadItem` found: a terminator, a whole document, or not enough bytes yet. */
export const TERMINATOR_ITEM = Symbol('terminator');
export const NEED_MORE = Symbol('need more bytes');
export type Item = Uint8Array | typeof TERMINATOR_ITEM;

export class ByteQueue {
  private readonly chunks: Uint8Array[] = [];
  /** Index of the first unread chunk in `chunks`, and of the first unread byte in it. */
  private first = 0;
  private head = 0;
  private ended = false;
  /** Unread bytes buffered. */
  available = 0;
  /** Offset in the stream of the next unread byte. */
  position = 0;

  constructor(private readonly source: AsyncIterator<unknown>) {}

  /** Buffers the next non-empty chunk; false once the source is exhausted. */
  async fill(): Promise<boolean> {
    while (!this.ended) {
      let result: IteratorResult<unknown>;
      try {
        result = await this.source.next();
      } catch (error) {
        if (error instanceof MongosafeError) throw error;
        throw new MongosafeError('STORAGE', `reading the archive failed at byte ${this.position + this.available}: ${messageOf(error)}`, undefined, { cause: error });
      }
      if (result.done === true) {
        this.ended = true;
        return false;
      }
      const chunk = result.value;
      if (!(chunk instanceof Uint8Array)) {
        throw new MongosafeError('INTERNAL', 'the archive source yielded something other than bytes', 'read the archive as a binary stream (no encoding)');
      }
      if (chunk.length === 0) continue;
      if (this.first > 32 && this.first * 2 > this.chunks.length) {
        this.chunks.splice(0, this.first);
        this.first = 0;
      }
      this.chunks.push(chunk);
      this.available += chunk.length;
      return true;
    }
    return false;
  }

  /** Buffers until at least `count` bytes are available; false if the source ends first. */
  async ensure(count: number): Promise<boolean> {
    while (this.available < count) {
      if (!(await this.fill())) return false;
    }
    return true;
  }

  /**
   * The next item if it is wholly buffered, else NEED_MORE. Throws CORRUPT for a length
   * that is neither a terminator nor a plausible document size, before buffering any of it.
   */
  tryReadItem(namespace?: string): Item | typeof NEED_MORE {
    if (this.available < 4) return NEED_MORE;
    const length = this.peekUint32();
    if (length === TERMINATOR) {
      this.skip(4);
      return TERMINATOR_ITEM;
    }
    if (length < MIN_DOCUMENT_BYTES || length > MAX_READ_DOCUMENT_BYTES) {
      throw corruptArchive(`${length} is neither a valid BSON document length nor a terminator`, { offset: this.position, namespace });
    }
    if (this.available < length) return NEED_MORE;
    const offset = this.position;
    const bytes = this.take(length);
    if (bytes[length - 1] !== 0) {
      throw corruptArchive(`a ${length}-byte BSON document does not end with a NUL byte`, { offset, namespace });
    }
    return bytes;
  }

  /** The length prefix of the next item, once its four bytes are buffered. */
  pendingLength(): number | undefined {
    return this.available < 4 ? undefined : this.peekUint32();
  }

  /** Consumes `count` buffered bytes: a view into the source's chunk when it lies in one, else a copy. */
  take(count: number): Uint8Array {
    const chunk = this.chunks[this.first];
    if (chunk !== undefined && chunk.length - this.head >= count) {
      const bytes = chunk.subarray(this.head, this.head + count);
      this.advance(count);
      return bytes;
    }
    const bytes = new Uint8Array(count);
    let filled = 0;
    while (filled < count) {
      const current = this.chunks[this.first];
      if (current === undefined) break;
      const part = current.subarray(this.head, this.head + Math.min(count - filled, current.length - this.head));
      bytes.set(part, filled);
      filled += part.length;
      this.advance(part.length);
    }
    return bytes;
  }

  private skip(count: number): void {
    let left = count;
    while (left > 0) {
      const current = this.chunks[this.first];
      if (current === undefined) break;
      const step = Math.min(left, current.length - this.head);
      this.advance(step);
      left -= step;
    }
  }

  /** Moves past `count` bytes that lie within the first chunk. */
  private advance(count: number): void {
    this.head += count;
    this.available -= count;
    this.position += count;
    const current = this.chunks[this.first];
    if (current !== undefined && this.head === current.length) {
      // Drop the reference so a consumed chunk can be collected once no view into it is kept.
      this.chunks[this.first] = EMPTY;
      this.first++;
      this.head = 0;
    }
  }

  private peekUint32(): number {
    let value = 0;
    let chunkIndex = this.first;
    let at = this.head;
    for (let i = 0; i < 4; i++) {
      let current = this.chunks[chunkIndex];
      while (current !== undefined && at >= current.length) {
        chunkIndex++;
        at = 0;
        current = this.chunks[chunkIndex];
      }
      value |= (current?.[at] ?? 0) << (8 * i);
      at++;
    }
    return value >>> 0;
  }
}

const EMPTY = new Uint8Array(0);
