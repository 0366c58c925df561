import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { isMongosafeError, MongosafeError } from '../errors.js';
import { throwIfAborted } from '../util/abort.js';
import type { Body } from './body.js';
import type { ObjectInfo, PutOptions, PutResult, RestoreRequest, Storage } from './storage.js';

export interface RetryOptions {
  /** Tries in all, the first included; default 3. */
  attempts?: number;
  /** First backoff; each later one doubles, with full jitter. Default 250 ms. */
  baseDelayMs?: number;
  /** Cap on one backoff; default 10 s. */
  maxDelayMs?: number;
  /** Told before each retry (for a log line). */
  onRetry?: (event: RetryEvent) => void;
  /** Source of jitter, 0 ≤ x < 1; default Math.random. */
  random?: () => number;
  /** How to wait; default a timer that ends early with ABORTED. */
  sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
}

export interface RetryEvent {
  operation: 'exists' | 'put' | 'get' | 'head' | 'list' | 'delete' | 'requestRestore';
  key: string;
  /** The attempt that failed, from 1. */
  attempt: number;
  delayMs: number;
  error: MongosafeError;
}

// S3 and HTTP error names that mean "try again later".
const TRANSIENT_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ServiceUnavailable',
  'TimeoutError',
]);

// Node errno codes of a connection or file system that may well work next time.
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'EAGAIN',
  'EBUSY',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/**
 * Whether an error from a storage is worth retrying: only STORAGE errors
 * whose cause chain shows a 5xx or 429 answer, throttling, a timeout or a
 * network reset. Never AUTH, NOT_FOUND, ALREADY_EXISTS, USAGE, CONFIG, ABORTED
 * (those will not change by waiting), nor a disk-full STORAGE error.
 */
export function isTransientError(error: unknown): error is MongosafeError {
  if (!isMongosafeError(error, 'STORAGE')) return false;
  for (let cause: unknown = error.cause, depth = 0; cause instanceof Error && depth < 8; cause = cause.cause, depth++) {
    const fields = cause as Error & { code?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: unknown }; $retryable?: unknown };
    const status = fields.$metadata?.httpStatusCode;
    if (typeof status === 'number' && (status >= 500 || status === 429)) return true;
    if (TRANSIENT_NAMES.has(cause.name) || (typeof fields.Code === 'string' && TRANSIENT_NAMES.has(fields.Code))) return true;
    if (typeof fields.code === 'string' && TRANSIENT_CODES.has(fields.code)) return true;
    if (fields.$retryable !== undefined && fields.$retryable !== null) return true;
  }
  return false;
}

/** Backoff before retry number `attempt` (1 = first retry): full jitter over base × 2^(attempt-1), capped. */
export function retryDelayMs(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Retries transient failures of whole storage operations with jittered
 * exponential backoff. The S3 SDK already retries every single request
 * (adaptive mode, multipart parts included); this layer covers what it cannot
 * see: opening a download again, resuming a listing after the last key it
 * yielded, a local file system that was briefly busy.
 *
 * What is retried: exists, get (the open; bytes already handed out cannot be
 * taken back), head, list, delete and requestRestore, all idempotent. A put
 * is retried only if its body was not touched yet, because a stream cannot be
 * replayed; once the backend has read from it, its failure is final (and the
 * backend has removed what it wrote).
 */
export function withRetry(storage: Storage, options: RetryOptions = {}): Storage {
  const attempts = Math.max(1, options.attempts ?? 3);
  const base = options.baseDelayMs ?? 250;
  const max = options.maxDelayMs ?? 10_000;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? abortableSleep;

  /** Rethrows `error` unless another attempt is due, else waits for it. */
  async function backOff(operation: RetryEvent['operation'], key: string, attempt: number, error: unknown, signal: AbortSignal | undefined): Promise<void> {
    if (attempt >= attempts || !isTransientError(error)) throw error;
    const delayMs = retryDelayMs(attempt, base, max, random);
    options.onRetry?.({ operation, key, attempt, delayMs, error });
    await sleep(delayMs, signal);
  }

  async function run<T>(
    operation: RetryEvent['operation'],
    key: string,
    signal: AbortSignal | undefined,
    call: () => Promise<T>,
    replayable: () => boolean = () => true,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!replayable()) throw error;
        await backOff(operation, key, attempt, error, signal);
      }
    }
  }

  /** Lists again after a transient failure, skipping keys already yielded (lists are in key order). */
  async function* list(prefix: string, signal: AbortSignal | undefined): AsyncIterable<ObjectInfo> {
    let lastKey: string | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        for await (const item of storage.list(prefix, { signal })) {
          if (lastKey !== undefined && item.key <= lastKey) continue;
          lastKey = item.key;
          yield item;
        }
        return;
      } catch (error) {
        await backOff('list', prefix, attempt, error, signal);
      }
    }
  }

  const retrying: Storage = {
    displayUrl: storage.displayUrl,
    exists: (opts) => run('exists', '', opts?.signal, () => storage.exists(opts)),
    put: (key: string, body: Body, opts: PutOptions): Promise<PutResult> => {
      const tracked = trackFirstRead(body);
      return run('put', key, opts.signal, () => storage.put(key, tracked.body, opts), () => !tracked.touched());
    },
    get: (key: string, opts?: { signal?: AbortSignal }): Promise<Readable> => run('get', key, opts?.signal, () => storage.get(key, opts)),
    head: (key: string, opts?: { signal?: AbortSignal }): Promise<ObjectInfo | undefined> =>
      run('head', key, opts?.signal, () => storage.head(key, opts)),
    list: (prefix: string, opts?: { signal?: AbortSignal }) => list(prefix, opts?.signal),
    delete: (key: string, opts?: { signal?: AbortSignal }): Promise<void> => run('delete', key, opts?.signal, () => storage.delete(key, opts)),
  };
  const requestRestore = storage.requestRestore?.bind(storage);
  if (requestRestore) {
    retrying.requestRestore = (key, opts): Promise<RestoreRequest> => run('requestRestore', key, opts.signal, () => requestRestore(key, opts));
  }
  return retrying;
}

/**
 * Lets the retry layer know whether the backend has started reading the body.
 * A Readable is passed on as it is (backends destroy Readables they give up
 * on, which needs the stream itself) and tells by its own state.
 */
function trackFirstRead(body: Body): { body: Body; touched: () => boolean } {
  if (body instanceof Readable) {
    return { body, touched: () => body.readableDidRead || body.readableFlowing !== null || body.destroyed };
  }
  let touched = false;
  const wrapped: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => {
      touched = true;
      return body[Symbol.asyncIterator]();
    },
  };
  return { body: wrapped, touched: () => touched };
}

async function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  throwIfAborted(signal, 'waiting to retry');
  try {
    await delay(ms, undefined, { signal });
  } catch (error) {
    throw new MongosafeError('ABORTED', 'waiting to retry was interrupted', undefined, { cause: error });
  }
}
