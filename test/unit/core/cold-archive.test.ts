import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ensureReadable } from '../../../src/core/cold-archive.js';
import { isMongosafeError } from '../../../src/errors.js';
import type { ObjectInfo, Storage } from '../../../src/storage/storage.js';

/**
 * S3's Glacier clock, sped up: the archive stays archived for `polls` heads after
 * the restore request (moto thaws at once, real S3 after hours). Only what
 * ensureReadable touches is there.
 */
function thawingAfter(polls: number): Storage & { heads: number } {
  const archived = (): ObjectInfo => ({ key: 'data/a', bytes: 1, lastModified: new Date(0), storageClass: 'GLACIER', archived: true, restoreInProgress: true });
  const unused = (): never => {
    throw new Error('not used by ensureReadable');
  };
  const storage = {
    displayUrl: 's3://bucket/prefix',
    heads: 0,
    exists: () => Promise.resolve(true),
    put: unused,
    get: unused,
    list: unused,
    delete: unused,
    head: (): Promise<ObjectInfo> => {
      storage.heads++;
      const info = archived();
      // The first head is before the request; then `polls` more while it thaws.
      return Promise.resolve(storage.heads <= polls + 1 ? info : { ...info, archived: false, restoreInProgress: false });
    },
    requestRestore: () => Promise.resolve({ ready: false, estimate: '3-5 hours (GLACIER, Standard tier)' }),
  };
  return storage;
}

describe('ensureReadable', () => {
  it('polls a thawing archive 50 times on one signal without leaking abort listeners', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const signal = new AbortController().signal;
      const storage = thawingAfter(50);
      await ensureReadable(storage, 'data/a', 'backup x', { wait: true, pollIntervalMs: 0, signal });
      expect(storage.heads).toBe(52);
      expect(getEventListeners(signal, 'abort')).toHaveLength(0);
      // Node emits MaxListenersExceededWarning on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((warning) => warning.name)).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('stops waiting with ABORTED when the signal fires', async () => {
    const controller = new AbortController();
    const waiting = ensureReadable(thawingAfter(1000), 'data/a', 'backup x', { wait: true, pollIntervalMs: 60_000, signal: controller.signal });
    controller.abort();
    const error: unknown = await waiting.catch((caught: unknown) => caught);
    expect(isMongosafeError(error, 'ABORTED')).toBe(true);
    expect(String((error as Error).message)).toContain('the restore request goes on at AWS');
  });

  it('without --wait, says how long the tier takes and how to wait', async () => {
    const error: unknown = await ensureReadable(thawingAfter(1), 'data/a', 'backup x').catch((caught: unknown) => caught);
    expect(isMongosafeError(error, 'STORAGE')).toBe(true);
    expect(isMongosafeError(error) && error.hint).toContain('--wait');
  });
});
