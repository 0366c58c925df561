/**
 * The retry policy: one per layer, and each fault is retried by exactly one of them.
 *
 * - Requests: the S3 SDK (s3-client.ts, S3_MAX_ATTEMPTS tries in adaptive mode) retries
 *   every single request that fails before its answer begins: 5xx, 429 and throttling,
 *   timeouts, refused or reset connections; never 403, 404 or 412. Only it sees each
 *   request (each multipart part is an in-memory Buffer it can send again), and only it
 *   can slow the whole client down on SlowDown. One transient fault costs one more request.
 * - Streamed bodies: this decorator. The SDK's retry ends once an answer's headers have
 *   arrived, so a download that breaks after that is beyond it. Here it is resumed from the
 *   last byte received with a ranged read pinned to the version first read (S3: Range and
 *   If-Match on the ETag: a replaced object is never spliced onto the old one's bytes),
 *   with backoff, until `attempts` reads in a row have failed and none but the first of
 *   them brought a byte (each read that brings bytes starts the count afresh: a long
 *   restore may survive many unrelated cuts, a dead path ends after `attempts` reads).
 *   Then the download fails with one STORAGE error, `details.kind` 'network'. Only
 *   transient faults are resumed (isTransientError): never AUTH, NOT_FOUND, ABORTED, a
 *   checksum or a replaced object; and a resumed read whose request fails is not tried
 *   again here, because the SDK already tried it.
 *
 * Nothing else is retried here. exists, head, list pages, delete, requestRestore and the
 * requests of a put are single requests that the SDK has already retried: trying the
 * whole operation again multiplied the tries (3 × 5, so one failing request cost up to
 * 15), and a put's body stream cannot be replayed anyway. The local storage is not
 * wrapped: a file read is not cut midway, and a full or refused disk does not heal by
 * waiting.
 */
import { Readable } from 'node:stream';
import { causeChain, isMongosafeError, MongosafeError, messageOf } from '../errors.js';
import { sleepUnlessAborted } from '../util/abort.js';
import { translateReadable } from './body.js';
import type { Storage } from './storage.js';

export interface RetryOptions {
  /** Reads of one download that may fail in a row, none but the first bringing a byte; default 3. */
  attempts?: number;
  /** First backoff; each later one doubles, with full jitter. Default 250 ms. */
  baseDelayMs?: number;
  /** Cap on one backoff; default 10 s. */
  maxDelayMs?: number;
  /** Told before each resumed read (for a log line). */
  onRetry?: (event: RetryEvent) => void;
  /** Source of jitter, 0 ≤ x < 1; default Math.random. */
  random?: () => number;
  /** How to wait; default a timer that ends early with ABORTED. */
  sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
}

export interface RetryEvent {
  operation: 'get';
  key: string;
  /** Reads failed in a row (none but the first brought a byte), from 1. */
  attempt: number;
  /** The byte the next read starts from: all before it were received. */
  offset: number;
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
 * Resumes downloads cut midway, as the header says; every other call passes through.
 * A backend without `getFrom` (no pinned versions) is passed through whole.
 */
export function withRetry(storage: Storage, options: RetryOptions = {}): Storage {
  const getFrom = storage.getFrom?.bind(storage);
  if (!getFrom) return storage;
  const policy = {
    attempts: Math.max(1, options.attempts ?? 3),
    baseDelayMs: options.baseDelayMs ?? 250,
    maxDelayMs: options.maxDelayMs ?? 10_000,
    random: options.random ?? Math.random,
    sleep: options.sleep ?? abortableSleep,
    onRetry: options.onRetry,
  };
  return {
    displayUrl: storage.displayUrl,
    local: storage.local,
    exists: (opts) => storage.exists(opts),
    put: (key, body, opts) => storage.put(key, body, opts),
    get: async (key, opts = {}) => {
      const first = await getFrom(key, { start: 0, signal: opts.signal });
      if (first.version === undefined) return first.body;
      const what = `reading ${storage.displayUrl}/${key}`;
      const bytes = resumingBytes({ getFrom, key, version: first.version, signal: opts.signal, what, policy }, first.body);
      // Every error in there is ours already; this adds the prompt ABORTED of every get.
      return translateReadable(Readable.from(bytes, { objectMode: false }), opts.signal, what, (error) =>
        error instanceof Error ? error : new MongosafeError('INTERNAL', `${what}: ${String(error)}`),
      );
    },
    getFrom,
    head: (key, opts) => storage.head(key, opts),
    list: (prefix, opts) => storage.list(prefix, opts),
    delete: (key, opts) => storage.delete(key, opts),
    ...(storage.requestRestore ? { requestRestore: storage.requestRestore.bind(storage) } : {}),
    ...(storage.objectLock ? { objectLock: storage.objectLock.bind(storage) } : {}),
  };
}

interface Download {
  getFrom: NonNullable<Storage['getFrom']>;
  key: string;
  version: string;
  signal: AbortSignal | undefined;
  /** "reading s3://bucket/prefix/key", for messages. */
  what: string;
  policy: Required<Omit<RetryOptions, 'onRetry'>> & Pick<RetryOptions, 'onRetry'>;
}

/**
 * The bytes of one download, read on demand (one chunk at a time, so the reader's
 * backpressure holds), resumed from the last byte handed out when its body breaks.
 */
async function* resumingBytes(download: Download, firstBody: Readable): AsyncGenerator<Uint8Array> {
  const { getFrom, key, version, signal, what, policy } = download;
  let body = firstBody;
  let received = 0;
  let stalls = 0;
  for (;;) {
    const before = received;
    try {
      for await (const chunk of body as AsyncIterable<Uint8Array>) {
        received += chunk.byteLength;
        yield chunk;
      }
      return;
    } catch (error) {
      if (!isTransientError(error)) throw error;
      stalls = received > before ? 1 : stalls + 1;
      if (stalls >= policy.attempts) {
        throw downloadCutError(what, key, received, stalls === 1 ? 'it was not resumed' : `${stalls - 1} resumed reads from there failed too`, error);
      }
      const delayMs = retryDelayMs(stalls, policy.baseDelayMs, policy.maxDelayMs, policy.random);
      policy.onRetry?.({ operation: 'get', key, attempt: stalls, offset: received, delayMs, error });
      await policy.sleep(delayMs, signal);
    }
    try {
      ({ body } = await getFrom(key, { start: received, version, signal }));
    } catch (error) {
      // The SDK has already retried this request: its failure is final.
      if (isTransientError(error)) throw downloadCutError(what, key, received, 'resuming it failed', error);
      throw error;
    }
  }
}

function downloadCutError(what: string, key: string, received: number, why: string, cause: MongosafeError): MongosafeError {
  return new MongosafeError(
    'STORAGE',
    `${what} failed: the download broke off at byte ${received} and ${why} (${rootMessage(cause)})`,
    cause.hint ?? 'check the network path to the storage, then run the command again',
    { cause, details: { key, kind: 'network' } },
  );
}

/** The innermost cause's message ("aborted", "socket hang up"): ours repeat what failed, which the message already says. */
function rootMessage(error: Error): string {
  return messageOf([...causeChain(error)].filter((cause) => cause instanceof Error).at(-1));
}

function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return sleepUnlessAborted(ms, signal, (cause) => new MongosafeError('ABORTED', 'waiting to retry was interrupted', undefined, { cause }));
}
