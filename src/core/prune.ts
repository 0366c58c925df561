import type { Storage } from '../storage/storage.js';
import { throwIfAborted } from '../util/abort.js';
import { formatDuration } from '../util/bytes.js';
import { readCatalog } from './catalog.js';
import { DATA_PREFIX, manifestKey, timeOfId } from './manifest.js';
import { findNewestVerified } from './newest-verified.js';
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
  const result: PruneResult = { destination: storage.displayUrl, dryRun, kept: [], deleted: [], incompleteDeleted: [], incompleteKept: [] };
  for (const decision of plan) {
    if (decision.keep) result.kept.push({ id: decision.id, reasons: decision.reasons });
    else result.deleted.push({ id: decision.id, reason: decision.reasons.join('; ') });
  }

  // Oldest first: an interrupted prune has then removed the least valuable backups.
  for (const { id, reason } of [...result.deleted].reverse()) {
    throwIfAborted(signal, 'prune');
    if (dryRun) continue;
    await storage.delete(manifestKey(id), { signal });
    for (const record of catalog.verifications.get(id) ?? []) await storage.delete(record.key, { signal });
    const objects = await deleteData(storage, id, signal);
    logger.info('backup deleted', { id, reason, objects });
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
    result.incompleteDeleted.push(incomplete.id);
    if (dryRun) continue;
    const objects = await deleteData(storage, incomplete.id, signal);
    logger.info('incomplete backup deleted', { id: incomplete.id, idle: formatDuration(idleMs), objects });
  }
  return result;
}

/** Deletes every object under `data/<id>/`, listed afresh; returns how many. */
async function deleteData(storage: Storage, id: string, signal?: AbortSignal): Promise<number> {
  const keys: string[] = [];
  // Collect first: deleting while a listing pages through the same prefix can skip keys.
  for await (const object of storage.list(`${DATA_PREFIX}${id}/`, { signal })) keys.push(object.key);
  for (const key of keys) await storage.delete(key, { signal });
  return keys.length;
}
