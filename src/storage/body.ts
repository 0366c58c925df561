import { PassThrough, Readable, addAbortSignal } from 'node:stream';
import { MongosafeError } from '../errors.js';
import { onAbort } from '../util/abort.js';
import { joinStreams } from '../util/join-streams.js';

/** What `Storage.put` accepts. */
export type Body = Readable | AsyncIterable<Uint8Array>;

/**
 * Pulls a put body as byte chunks, one at a time (so the producer's backpressure
 * holds), and stops with ABORTED as soon as `signal` fires, even while the
 * producer is still working on its next chunk: a stalled upstream must not keep
 * an aborted upload (and its multipart parts) alive. The body's own errors come
 * out unchanged: they are the caller's, not ours.
 */
export async function* readBody(body: Body, signal: AbortSignal | undefined, what: string): AsyncGenerator<Uint8Array> {
  const iterator = (body as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      // Checked first: a buffered producer answers next() at once and would win every race.
      if (signal?.aborted) throw abortedError(signal, what);
      const result = await untilAborted(iterator.next(), signal, what);
      if (result.done === true) {
        finished = true;
        return;
      }
      yield toBytes(result.value, what);
    }
  } finally {
    if (!finished) release(body, iterator);
  }
}

/**
 * `pending`, or ABORTED as soon as `signal` fires. A listener of its own per call, removed once
 * settled: racing every chunk against one long-lived abort promise would leave a reaction, and
 * the chunk it resolved with, on that promise per chunk (a gigabyte backup grew by 300 MB so).
 */
function untilAborted<T>(pending: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return pending;
  return new Promise<T>((resolve, reject) => {
    const removeListener = onAbort(signal, () => reject(abortedError(signal, what)));
    pending.then(resolve, reject).finally(removeListener);
  });
}

/**
 * Wraps a readable from a backend so that its errors are translated like every other error of
 * that backend (a reset connection mid-download becomes STORAGE, an abort ABORTED), and so that
 * `signal` ends it. Joined at once: the source is listened to before anyone reads, so a body
 * that fails before its first byte waits as the returned stream's error instead of crashing.
 */
export function translateReadable(
  source: Readable,
  signal: AbortSignal | undefined,
  what: string,
  translate: (error: unknown) => Error,
): Readable {
  const translated = new TranslatingPassThrough((error) => (signal?.aborted ? abortedError(signal, what) : translate(error)));
  const joined = joinStreams(source, translated);
  // Destroys every stage at once, even while the source is stalled.
  return signal ? addAbortSignal(signal, joined) : joined;
}

/**
 * Passes bytes through; whatever error destroys it (its source's through the join, an abort)
 * is translated first. In `destroy`, not `_destroy`: the stream keeps the error it was given as
 * `errored`, which is what a reader that comes after the failure is thrown.
 */
class TranslatingPassThrough extends PassThrough {
  constructor(private readonly translateError: (error: Error) => Error) {
    super();
  }

  override destroy(error?: Error | null): this {
    return super.destroy(error ? this.translateError(error) : undefined);
  }
}

export function abortedError(signal: AbortSignal, what: string): MongosafeError {
  return new MongosafeError('ABORTED', `${what} was interrupted`, undefined, { cause: signal.reason, details: { kind: 'aborted' } });
}

function toBytes(chunk: unknown, what: string): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new MongosafeError('USAGE', `${what}: the body yielded a ${typeof chunk}, not bytes`, undefined, { details: { kind: 'invalid' } });
}

/**
 * Lets the producer release what it holds when we stop early. A Readable is
 * destroyed directly: its iterator acts on return() only after its pending
 * read, which a stalled stream never answers. Other iterators get return(),
 * not awaited: an async generator that is itself stuck would never answer, and
 * whatever it throws now is moot because we are already leaving with an error.
 */
function release(body: Body, iterator: AsyncIterator<unknown>): void {
  if (body instanceof Readable) {
    body.destroy();
    return;
  }
  const closing = iterator.return?.();
  if (closing) closing.catch(() => undefined);
}
