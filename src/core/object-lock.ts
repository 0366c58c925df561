import { MongosafeError } from '../errors.js';
import type { ObjectLock, Storage } from '../storage/storage.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The retention `--lock-days` asks for: `days` from `from`, in the bucket's default mode
 * (GOVERNANCE when it has none), and never shorter than the bucket's default retention.
 *
 * @throws MongosafeError USAGE when the destination has no Object Lock (S3 would refuse every write).
 */
export async function requestedRetention(storage: Storage, days: number, from: Date, signal?: AbortSignal): Promise<ObjectLock> {
  const settings = await storage.objectLock?.({ signal });
  if (!settings) {
    throw new MongosafeError('USAGE', `--lock-days needs Object Lock, and ${storage.displayUrl} has none`, 'create the bucket with Object Lock (the Terraform module: object_lock_mode and object_lock_days; docs/aws.md), or leave --lock-days out', {
      details: { kind: 'invalid' },
    });
  }
  const rule = settings.defaultRetention;
  return { mode: rule?.mode ?? 'GOVERNANCE', retainUntil: new Date(from.getTime() + Math.max(days, rule?.days ?? 0) * DAY_MS) };
}

/**
 * When the last of `keys` stops being locked, or undefined when none is locked at `now`. Read
 * object by object (HEAD), since only objects say their retention: a plain delete of a locked
 * object would not fail on a versioned bucket, it would hide it behind a delete marker.
 */
export async function lockedUntil(storage: Storage, keys: readonly string[], now: Date, signal?: AbortSignal): Promise<Date | undefined> {
  // Only a backend that can lock (S3) has locked objects: the rest need no HEADs.
  if (!storage.objectLock) return undefined;
  let until: Date | undefined;
  for (const key of keys) {
    const lock = (await storage.head(key, { signal }))?.lock;
    if (lock && lock.retainUntil > now && (!until || lock.retainUntil > until)) until = lock.retainUntil;
  }
  return until;
}
