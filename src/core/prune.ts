import type { Storage } from '../storage/storage.js';
import { throwIfAborted } from '../util/abort.js';
import { formatDuration } from '../util/bytes.js';
import { readCatalog } from './catalog.js';
import { DATA_PREFIX, manifestKey, timeOfId } from './manifest.js';
import { findNewestVerified } from './newest-verified.js';
import { lockedUntil } from './object-lock.js';
import { SILENT_LOGGER, type Logger } from './progress.js';
import { assertRetentionPolicy, planRetention, type RetentionPolicy } from './retention.js';

export interface PruneOptions {
  storage: Storage;
  policy: RetentionPolicy;
  /** Decide and report, delete nothing. */
  dryRun?: boolean;
  /** The clock that ages incomplete backups; tests move it forward. */
  now?: () => Date;
  signal?: AbortSignal;
  logger?: Logger;
}

export interface PruneResult {
  destination: string;
  dryRun: boolean;
  /** Complete backups that stay, newest first, with the rules that keep them. */
  kept: Array<{ id: string; reasons: string[] }>;
  /** Complete backups removed (or, in a dry run, that would be), newest first. */
  deleted: Array<{ id: string; reason: string }>;
  /**
   * Backups the policy would remove but S3 Object Lock still holds (complete or incomplete),
   * newest first: nothing of them is deleted, nor hidden behind a delete marker, before `until`.
   */
  locked: Array<{ id: string; until: string; reason: string }>;
  /** Incomplete backups (data, no manifest) idle longer than a day, removed. */
  incompleteDeleted: string[];
  /** Incomplete backups written to within the last day: they may still be running. */
  incompleteKept: string[];
}

/** An incomplete backup written to within this long may still be running. DESIGN.md §3. */
export const INCOMPLETE_GRACE_MS = 24 * 60 * 60 * 1000;

/**
 * Applies grandfather-father-son retention (retention.ts) to the complete
 * backups of one destination, and removes incomplete backups idle for more
 * than a day. It only deletes keys it recognises as its own: a backup's
 * manifest, its verification records, and the objects under `data/<id>/`.
 * Order per backup: manifest first, so an interrupted prune leaves data
 * without a manifest, which is an incomplete backup the next prune removes;
 * never a manifest pointing at deleted data.
 *
 * The Lambda calls this after each successful backup when KEEP_* are set.
 *
 * @throws MongosafeError USAGE when the policy has no positive --keep-* count
 *   (checked before anything is read); STORAGE when listing or deleting fails.
 * @example await prune({ storage, policy: { daily: 7, weekly: 4, monthly: 12 }, dryRun: true })
 */
export async function prune(options: PruneOptions): Promise<PruneResult> {
  const { storage, signal } = options;
  const dryRun = options.dryRun === true;
  const logger = options.logger ?? SILENT_LOGGER;
  assertRetentionPolicy(options.policy);
  const catalog = await readCatalog(storage, signal);
  const now = (options.now ?? (() => new Date()))();
  const verified = await findNewestVerified(storage, catalog, signal);
  const plan = planRetention(
    catalog.complete.map(({ id }) => ({ id, time: timeOfId(id), verified: id === verified?.id })),
    options.policy,
  );
  const result: PruneResult = { destination: storage.displayUrl, dryRun, kept: [], deleted: [], locked: [], incompleteDeleted: [], incompleteKept: [] };
  for (const decision of plan) {
    if (decision.keep) result.kept.push({ id: decision.id, reasons: decision.reasons });
  }

  // Oldest first: an interrupted prune has then removed the least valuable backups.
  for (const decision of [...plan].reverse()) {
    if (decision.keep) continue;
    throwIfAborted(signal, 'prune');
    const { id } = decision;
    const reason = decision.reasons.join('; ');
    // Manifest first, then its records, then the data: an interruption leaves data without a manifest.
    const keys = [manifestKey(id), ...(catalog.verifications.get(id) ?? []).map((record) => record.key), ...(await dataKeys(storage, id, signal))];
    if (await heldByLock(storage, { id, reason, keys }, now, result, signal)) continue;
    result.deleted.unshift({ id, reason });
    if (dryRun) continue;
    for (const key of keys) await storage.delete(key, { signal });
    logger.info('backup deleted', { id, reason, objects: keys.length });
  }

  for (const incomplete of catalog.incomplete) {
    throwIfAborted(signal, 'prune');
    const idleMs = now.getTime() - incomplete.newest.getTime();
    if (idleMs <= INCOMPLETE_GRACE_MS) {
      result.incompleteKept.push(incomplete.id);
      continue;
    }
    // A backup that committed its manifest since the listing is complete, not abandoned.
    if (await storage.head(manifestKey(incomplete.id), { signal })) continue;
    const keys = await dataKeys(storage, incomplete.id, signal);
    if (await heldByLock(storage, { id: incomplete.id, reason: 'incomplete (no manifest), idle for more than a day', keys }, now, result, signal)) continue;
    result.incompleteDeleted.push(incomplete.id);
    if (dryRun) continue;
    for (const key of keys) await storage.delete(key, { signal });
    logger.info('incomplete backup deleted', { id: incomplete.id, idle: formatDuration(idleMs), objects: keys.length });
  }
  return result;
}

/** Every object under `data/<id>/`, listed afresh. Collected first: deleting while a listing pages through the same prefix can skip keys. */
async function dataKeys(storage: Storage, id: string, signal?: AbortSignal): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of storage.list(`${DATA_PREFIX}${id}/`, { signal })) keys.push(object.key);
  return keys;
}

/** Whether Object Lock still holds any of a backup's objects: then it is listed as locked, and nothing of it is touched. */
async function heldByLock(storage: Storage, backup: { id: string; reason: string; keys: string[] }, now: Date, result: PruneResult, signal?: AbortSignal): Promise<boolean> {
  const until = await lockedUntil(storage, backup.keys, now, signal);
  if (until) result.locked.unshift({ id: backup.id, until: until.toISOString(), reason: backup.reason });
  return until !== undefined;
}
