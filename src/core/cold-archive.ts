import { MongosafeError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import { sleepUnlessAborted } from '../util/abort.js';
import type { ProgressListener } from './progress.js';

export interface ReadableOptions {
  /** Keep polling until a requested restore makes the object readable. */
  wait?: boolean;
  /** Time between polls while waiting; default 60 s (Glacier restores take minutes to hours). */
  pollIntervalMs?: number;
  /** Days the restored copy stays readable. */
  restoreDays?: number;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

/**
 * Makes sure an archive can be read: an object in a cold storage class
 * (S3 GLACIER, DEEP_ARCHIVE) gets a RestoreObject request first. Without
 * `wait` that is all, and the error says how long the tier takes; with it,
 * this polls until the temporary copy is readable.
 *
 * @throws MongosafeError NOT_FOUND when the object is gone (lifecycle expiry), STORAGE while it is archived.
 */
export async function ensureReadable(storage: Storage, key: string, what: string, options: ReadableOptions = {}): Promise<void> {
  const { signal } = options;
  let info = await storage.head(key, { signal });
  if (!info) {
    throw new MongosafeError('NOT_FOUND', `${what}: the archive ${key} is missing from ${storage.displayUrl}`, 'it may have expired under the bucket lifecycle rules; restore another backup', {
      details: { key, kind: 'not-found' },
    });
  }
  if (!info.archived) return;
  if (!storage.requestRestore) {
    throw new MongosafeError('STORAGE', `${what}: the archive ${key} is in ${info.storageClass ?? 'a cold storage class'} and this destination cannot restore it`, undefined, { details: { key } });
  }
  const request = await storage.requestRestore(key, { days: options.restoreDays ?? 3, tier: 'Standard', signal });
  if (request.ready) {
    options.onProgress?.({ kind: 'phase', phase: `${key} is in ${info.storageClass ?? 'cold storage'}: ${request.estimate}` });
    return;
  }
  if (!options.wait) {
    throw new MongosafeError(
      'STORAGE',
      `${what}: the archive is in ${info.storageClass ?? 'cold storage'}; a restore from it was requested and takes ${request.estimate}`,
      'run the same command again with --wait to wait for it, or later once it is readable',
      { details: { key } },
    );
  }
  const interval = options.pollIntervalMs ?? 60_000;
  options.onProgress?.({ kind: 'phase', phase: `waiting for ${info.storageClass ?? 'cold storage'} to restore ${key} (${request.estimate})` });
  while (info?.archived) {
    await waitBetweenPolls(interval, key, signal);
    info = await storage.head(key, { signal });
  }
}

function waitBetweenPolls(intervalMs: number, key: string, signal: AbortSignal | undefined): Promise<void> {
  return sleepUnlessAborted(intervalMs, signal, (cause) =>
    new MongosafeError('ABORTED', `stopped waiting for ${key} to be restored; the restore request goes on at AWS`, undefined, { cause, details: { key, kind: 'aborted' } }),
  );
}
