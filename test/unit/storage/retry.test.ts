import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MongosafeError } from '../../../src/errors.js';
import { isTransientError, retryDelayMs, withRetry } from '../../../src/storage/retry.js';
import type { Storage } from '../../../src/storage/storage.js';

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

/** How one read of the scripted storage goes: its open fails, or its body breaks after some bytes. */
type ReadScript = { openFails: MongosafeError } | { cutAfter: number; error?: MongosafeError };

/**
 * An in-memory Storage with pinned versions (`getFrom`), whose reads go as scripted, one
 * script per read, then whole; its other calls fail as scripted too.
 */
function scriptedStorage(data: Buffer, reads: ReadScript[], failures: { head?: MongosafeError[] } = {}) {
  const calls: string[] = [];
  let version = 'v1';
  const body = (bytes: Buffer, script: ReadScript | undefined): Readable =>
    Readable.from(
      (function* () {
        const cutAfter = script && 'cutAfter' in script ? script.cutAfter : Number.POSITIVE_INFINITY;
        // 3-byte chunks: a cut lands inside the object, as on a real connection.
        for (let at = 0; at < Math.min(bytes.length, cutAfter); at += 3) yield bytes.subarray(at, Math.min(at + 3, cutAfter));
        if (script && 'cutAfter' in script) throw script.error ?? reset();
      })(),
      { objectMode: false },
    );
  const getFrom: NonNullable<Storage['getFrom']> = (key, options) => {
    calls.push(`read ${key} from ${options.start}${options.version ? ` if ${options.version}` : ''}`);
    if (options.version !== undefined && options.version !== version) {
      return Promise.reject(new MongosafeError('STORAGE', `${key} was replaced while it was being read`, undefined, { cause: aws('PreconditionFailed', 412) }));
    }
    const script = reads.shift();
    if (script && 'openFails' in script) return Promise.reject(script.openFails);
    return Promise.resolve({ body: body(data.subarray(options.start), script), version });
  };
  const storage: Storage = {
    displayUrl: 'memory://test',
    exists: () => Promise.resolve(true),
    put: () => Promise.reject(slowDown()),
    get: async (key, options) => (await getFrom(key, { start: 0, signal: options?.signal })).body,
    getFrom,
    head: (key) => {
      calls.push(`head ${key}`);
      const error = failures.head?.shift();
      return error ? Promise.reject(error) : Promise.resolve({ key, bytes: data.length, lastModified: new Date(0) });
    },
    list: () => (async function* () {})(),
    delete: () => Promise.resolve(),
  };
  return { storage, calls, replace: () => (version = 'v2') };
}

/** A connection reset in the middle of a body, as the S3 backend reports it. */
const reset = () => storageError(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
const noWait = { baseDelayMs: 1, sleep: async () => {} };
const DATA = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('withRetry: a download cut midway', () => {
  it('is resumed from the last byte received, pinned to the version first read: the bytes are whole', async () => {
    const { storage, calls } = scriptedStorage(DATA, [{ cutAfter: 10 }]);
    const retries: string[] = [];
    const retrying = withRetry(storage, { ...noWait, onRetry: (event) => retries.push(`${event.key} at ${event.offset}, ${event.attempt}`) });
    expect(await readAll(await retrying.get('k'))).toEqual(DATA);
    expect(calls).toEqual(['read k from 0', 'read k from 10 if v1']);
    expect(retries).toEqual(['k at 10, 1']);
  });

  it('a read that brings bytes starts the count afresh: many cuts with progress still complete', async () => {
    const { storage, calls } = scriptedStorage(DATA, [{ cutAfter: 5 }, { cutAfter: 0 }, { cutAfter: 5 }, { cutAfter: 0 }, { cutAfter: 5 }]);
    expect(await readAll(await withRetry(storage, { ...noWait, attempts: 3 }).get('k'))).toEqual(DATA);
    expect(calls).toEqual(['read k from 0', 'read k from 5 if v1', 'read k from 5 if v1', 'read k from 10 if v1', 'read k from 10 if v1', 'read k from 15 if v1']);
  });

  it('gives up after `attempts` reads in a row failed (none but the first brought a byte) with one STORAGE error, kind network', async () => {
    const { storage, calls } = scriptedStorage(DATA, [{ cutAfter: 7 }, { cutAfter: 0 }, { cutAfter: 0 }, { cutAfter: 0 }]);
    const error = await readAll(await withRetry(storage, { ...noWait, attempts: 3 }).get('data/x')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MongosafeError);
    expect(error).toMatchObject({ code: 'STORAGE', details: { key: 'data/x', kind: 'network' } });
    expect((error as Error).message).toBe('reading memory://test/data/x failed: the download broke off at byte 7 and 2 resumed reads from there failed too (aborted)');
    expect(calls).toHaveLength(3);
  });

  it('a resumed read whose request fails is not tried again here: the SDK already has', async () => {
    const { storage, calls } = scriptedStorage(DATA, [{ cutAfter: 4 }, { openFails: slowDown() }]);
    const error = await readAll(await withRetry(storage, noWait).get('k')).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'STORAGE', details: { key: 'k', kind: 'network' } });
    expect((error as Error).message).toContain('broke off at byte 4 and resuming it failed');
    expect(calls).toEqual(['read k from 0', 'read k from 4 if v1']);
  });

  it('never resumes onto a replaced object', async () => {
    const { storage, calls, replace } = scriptedStorage(DATA, [{ cutAfter: 4 }]);
    const stream = await withRetry(storage, noWait).get('k');
    replace();
    const error = await readAll(stream).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'STORAGE', message: 'k was replaced while it was being read' });
    expect(calls).toEqual(['read k from 0', 'read k from 4 if v1']);
  });

  it('does not resume what waiting cannot fix', async () => {
    const checksum = new MongosafeError('CORRUPT', 'checksum mismatch');
    const { storage, calls } = scriptedStorage(DATA, [{ cutAfter: 4, error: checksum }]);
    await expect(readAll(await withRetry(storage, noWait).get('k'))).rejects.toBe(checksum);
    expect(calls).toEqual(['read k from 0']);

    const notFound = new MongosafeError('NOT_FOUND', 'k not found');
    const missing = scriptedStorage(DATA, [{ openFails: notFound }]);
    await expect(withRetry(missing.storage, noWait).get('k')).rejects.toBe(notFound);
    expect(missing.calls).toEqual(['read k from 0']);
  });

  it('an abort during the backoff ends with ABORTED', async () => {
    const { storage } = scriptedStorage(DATA, [{ cutAfter: 4 }]);
    const controller = new AbortController();
    const retrying = withRetry(storage, { baseDelayMs: 60_000, random: () => 0.99, onRetry: () => controller.abort() });
    await expect(readAll(await retrying.get('k', { signal: controller.signal }))).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

describe('withRetry: nothing else is retried here', () => {
  it('every other call is one call: the request layer (the SDK) has already retried it', async () => {
    const first = slowDown();
    const { storage, calls } = scriptedStorage(DATA, [{ openFails: first }], { head: [slowDown()] });
    const retrying = withRetry(storage, noWait);
    await expect(retrying.get('k')).rejects.toBe(first);
    await expect(retrying.head('k')).rejects.toMatchObject({ code: 'STORAGE' });
    await expect(retrying.put('k', Readable.from([Buffer.from('x')]), { ifAbsent: true })).rejects.toMatchObject({ code: 'STORAGE' });
    expect(calls).toEqual(['read k from 0', 'head k']);
  });

  it('a backend that cannot pin versions (the local one) is passed through as it is', () => {
    const { storage } = scriptedStorage(DATA, []);
    const unpinned: Storage = { ...storage, getFrom: undefined };
    expect(withRetry(unpinned)).toBe(unpinned);
  });
});
