/**
 * Large buffers kept for reuse. Every Buffer's memory is V8 "external memory": allocating
 * megabytes per operation makes V8 run full garbage collections to keep that count down, and
 * each fresh allocation is fresh pages for the kernel to fault in and zero. A restore inserts
 * batches of up to 4 MiB, a few at a time; a few buffers taken and given back serve all of them.
 *
 * Small buffers are not pooled: Node already serves them from its own slab.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];
  private freeBytes = 0;

  /**
   * @param minBytes smaller requests are not pooled.
   * @param granuleBytes buffers are allocated in multiples of this, so batches of slightly
   *   different sizes fit the same buffers.
   * @param maxFreeBytes most bytes kept while not taken; more are left to the garbage collector.
   */
  constructor(
    private readonly minBytes: number,
    private readonly granuleBytes: number,
    private readonly maxFreeBytes: number,
  ) {}

  /**
   * A buffer of at least `bytes` (its contents are left over from earlier use), not handed out
   * again until it is given back: the smallest free one that fits, else a new one.
   */
  take(bytes: number): Buffer {
    if (bytes < this.minBytes) return Buffer.allocUnsafe(bytes);
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const length = this.free[i]?.length ?? 0;
      if (length >= bytes && (best < 0 || length < (this.free[best]?.length ?? 0))) best = i;
    }
    const [reused] = best < 0 ? [] : this.free.splice(best, 1);
    if (reused !== undefined) {
      this.freeBytes -= reused.length;
      return reused;
    }
    return Buffer.allocUnsafeSlow(Math.ceil(bytes / this.granuleBytes) * this.granuleBytes);
  }

  /**
   * Gives back a buffer from `take` once nothing reads or writes it any more (for a socket
   * write: once the peer has answered the message). Kept if there is room, else dropped.
   */
  give(buffer: Buffer): void {
    if (buffer.length < this.minBytes || this.freeBytes + buffer.length > this.maxFreeBytes) return;
    if (this.free.includes(buffer)) return;
    this.free.push(buffer);
    this.freeBytes += buffer.length;
  }
}
