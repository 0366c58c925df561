import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MongosafeError } from '../../../src/errors.js';
import { isTransientError, retryDelayMs, withRetry } from '../../../src/storage/retry.js';
import type { ObjectInfo, Storage } from '../../../src/storage/storage.js';

function storageError(cause: unknown): MongosafeError {
  return new MongosafeError('STORAGE', 'it failed', undefined, { cause });
}
const aws = (name: string, status?: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
const errno = (code: string) => Object.assign(new Error(code), { code });
const slowDown = () => storageError(aws('SlowDown', 503));

describe('transient error classification', () => {
  it('retries 5xx, 429, throttling, timeouts and resets', () => {
    for (const cause of [aws('InternalError', 500), aws('Whatever', 503), aws('TooMany', 429), aws('SlowDown'), aws('ThrottlingException', 400), aws('TimeoutError'), errno('ECONNRESET'), errno('ETIMEDOUT'), errno('EPIPE'), errno('EBUSY')]) {
      expect(isTransientError(storageError(cause))).toBe(true);
    }
    // Deep in the cause chain too.
    expect(isTransientError(storageError(new Error('wrapped', { cause: errno('ECONNRESET') })))).toBe(true);
  });

  it('never retries what waiting cannot fix', () => {
    for (const code of ['AUTH', 'NOT_FOUND', 'ALREADY_EXISTS', 'USAGE', 'CONFIG', 'ABORTED'] as const) {
      expect(isTransientError(new MongosafeError(code, 'no', undefined, { cause: aws('InternalError', 500) }))).toBe(false);
    }
    expect(isTransientError(storageError(errno('ENOSPC')))).toBe(false);
    expect(isTransientError(storageError(aws('InvalidObjectState', 403)))).toBe(false);
    expect(isTransientError(storageError(undefined))).toBe(false);
    expect(isTransientError(aws('InternalError', 500))).toBe(false); // not translated: a bug, not a retry
  });

  it('backs off exponentially with full jitter, capped', () => {
    expect(retryDelayMs(1, 100, 10_000, () => 0.999)).toBe(99);
    expect(retryDelayMs(3, 100, 10_000, () => 0.5)).toBe(200);
    expect(retryDelayMs(20, 100, 10_000, () => 0.5)).toBe(5000);
    expect(retryDelayMs(2, 100, 10_000, () => 0)).toBe(0);
  });
});

/** An in-memory Storage whose calls fail as scripted. */
function flakyStorage(failures: Partial<Record<'get' | 'put' | 'head' | 'list' | 'delete', MongosafeError[]>>, keys: string[] = []) {
  const calls: string[] = [];
  const fail = (op: keyof typeof failures) => {
    const error = failures[op]?.shift();
    if (error) throw error;
  };
  const info = (key: string): ObjectInfo => ({ key, bytes: 1, lastModified: new Date(0) });
  /** Records the call (when named), then fails as scripted or answers. */
  const attempt = <T>(call: string, op: keyof typeof failures, answer: () => T): Promise<T> => {
    if (call) calls.push(call);
    const error = failures[op]?.shift();
    return error ? Promise.reject(error) : Promise.resolve(answer());
  };
  const storage: Storage = {
    displayUrl: 'memory://test',
    exists: () => Promise.resolve(true),
    put: async (key, body) => {
      calls.push(`put ${key}`);
      let bytes = 0;
      for await (const chunk of body as AsyncIterable<Uint8Array>) {
        fail('put');
        bytes += chunk.byteLength;
      }
      return { bytes };
    },
    get: (key) => attempt(`get ${key}`, 'get', () => Readable.from([Buffer.from(key)])),
    head: (key) => attempt(`head ${key}`, 'head', () => info(key)),
    list: () => {
      calls.push('list');
      return (async function* () {
        for (const key of keys) {
          if (key === 'b') await attempt('', 'list', () => undefined);
          yield info(key);
        }
      })();
    },
    delete: (key) => attempt(`delete ${key}`, 'delete', () => undefined),
  };
  return { storage, calls };
}

const noWait = { baseDelayMs: 1, sleep: async () => {} };

describe('withRetry', () => {
  it('retries idempotent operations after transient failures, then succeeds', async () => {
    const { storage, calls } = flakyStorage({ get: [slowDown(), slowDown()], head: [slowDown()], delete: [slowDown()] });
    const retries: string[] = [];
    const retrying = withRetry(storage, { ...noWait, attempts: 3, onRetry: (event) => retries.push(`${event.operation} ${event.attempt}`) });
    expect((await retrying.get('k')).read()).toEqual(Buffer.from('k'));
    expect(await retrying.head('k')).toMatchObject({ key: 'k' });
    await retrying.delete('k');
    expect(calls).toEqual(['get k', 'get k', 'get k', 'head k', 'head k', 'delete k', 'delete k']);
    expect(retries).toEqual(['get 1', 'get 2', 'head 1', 'delete 1']);
  });

  it('gives up after the last attempt with the last error', async () => {
    const last = slowDown();
    const { storage, calls } = flakyStorage({ get: [slowDown(), last] });
    await expect(withRetry(storage, { ...noWait, attempts: 2 }).get('k')).rejects.toBe(last);
    expect(calls).toHaveLength(2);
  });

  it('does not retry permanent failures', async () => {
    const notFound = new MongosafeError('NOT_FOUND', 'k not found');
    const { storage, calls } = flakyStorage({ get: [notFound] });
    await expect(withRetry(storage, noWait).get('k')).rejects.toBe(notFound);
    expect(calls).toEqual(['get k']);
  });

  it('retries a put only while its body is untouched', async () => {
    const { storage, calls } = flakyStorage({ put: [slowDown()] });
    await expect(withRetry(storage, noWait).put('k', Readable.from([Buffer.from('x')]), { ifAbsent: true })).rejects.toMatchObject({ code: 'STORAGE' });
    expect(calls).toEqual(['put k']);

    // A backend that fails before reading (say, mkdir) may be tried again with the same body.
    let first = true;
    const failsBeforeReading: Storage = {
      ...storage,
      put: async (key, body, options) => {
        if (first) {
          first = false;
          throw slowDown();
        }
        return storage.put(key, body, options);
      },
    };
    expect(await withRetry(failsBeforeReading, noWait).put('k', Readable.from([Buffer.from('xyz')]), { ifAbsent: true })).toEqual({ bytes: 3 });
  });

  it('resumes a failed listing after the last key it handed out', async () => {
    const { storage, calls } = flakyStorage({ list: [slowDown()] }, ['a', 'b', 'c']);
    const keys: string[] = [];
    for await (const info of withRetry(storage, noWait).list('')) keys.push(info.key);
    expect(keys).toEqual(['a', 'b', 'c']);
    expect(calls).toEqual(['list', 'list']);
  });

  it('an abort during the backoff ends with ABORTED', async () => {
    const { storage } = flakyStorage({ get: [slowDown()] });
    const controller = new AbortController();
    const retrying = withRetry(storage, { baseDelayMs: 60_000, random: () => 0.99, onRetry: () => controller.abort() });
    await expect(retrying.get('k', { signal: controller.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
