import type { Storage } from '../storage/storage.js';
import { formatDuration } from '../util/bytes.js';
import { readCatalog } from './catalog.js';
import { DATA_PREFIX, isBackupId, timeOfId } from './manifest.js';
import { findNewestVerified } from './newest-verified.js';

export interface StatusOptions {
  storage: Storage;
  /** The newest complete backup may be at most this old (ms) for the destination to be healthy. */
  maxAgeMs: number;
  now?: () => Date;
  signal?: AbortSignal;
}

export interface StatusResult {
  destination: string;
  /** False when there is no complete backup, the newest is older than maxAgeMs, or its archive is gone. */
  healthy: boolean;
  /** The newest complete backup: age from its start time; bytes of its data objects. */
  newest?: { id: string; ageMs: number; bytes: number };
  /** The newest backup whose latest verification passed. */
  newestVerified?: { id: string; at: string; kind: 'full' | 'deep' };
  /** Complete backups. */
  backups: number;
  /** Bytes under data/ of the complete backups. */
  totalBytes: number;
  /** Complete backups per storage class of their largest object (the archive); "local" for folders. */
  byStorageClass: Record<string, { count: number; bytes: number }>;
  /** Data without a manifest; ageMs counts from its last write, as prune's one-day rule does. */
  incomplete: Array<{ id: string; ageMs: number }>;
  /** Why it is not healthy, one line. */
  problem?: string;
}

/**
 * What an operator (or a monitor) needs at a glance, from listings only plus
 * at most a few small reads: newest backup and its age, newest verified,
 * counts and bytes per storage class, incomplete backups.
 *
 * @throws MongosafeError STORAGE when the destination cannot be listed.
 * @example const s = await status({ storage, maxAgeMs: 26 * 3_600_000 }); if (!s.healthy) alert(s.problem);
 */
export async function status(options: StatusOptions): Promise<StatusResult> {
  const { storage, signal } = options;
  const catalog = await readCatalog(storage, signal);
  const now = (options.now ?? (() => new Date()))().getTime();
  const verified = await findNewestVerified(storage, catalog, signal);

  // One listing of data/ gives sizes and storage classes without reading any manifest.
  const dataById = new Map<string, { bytes: number; largest: number; storageClass: string; hasArchive: boolean }>();
  for await (const object of storage.list(DATA_PREFIX, { signal })) {
    const [id = '', name = ''] = object.key.slice(DATA_PREFIX.length).split('/');
    if (!isBackupId(id)) continue;
    const entry = dataById.get(id) ?? { bytes: 0, largest: -1, storageClass: 'local', hasArchive: false };
    entry.bytes += object.bytes;
    // backup.archive, backup.archive.gz, backup.archive.zst: see archiveKey in manifest.ts.
    if (name.startsWith('backup.archive')) entry.hasArchive = true;
    if (object.bytes > entry.largest) {
      entry.largest = object.bytes;
      entry.storageClass = object.storageClass ?? 'local';
    }
    dataById.set(id, entry);
  }

  const byStorageClass: StatusResult['byStorageClass'] = {};
  let totalBytes = 0;
  for (const { id } of catalog.complete) {
    const data = dataById.get(id);
    if (!data) continue;
    totalBytes += data.bytes;
    const bucket = (byStorageClass[data.storageClass] ??= { count: 0, bytes: 0 });
    bucket.count++;
    bucket.bytes += data.bytes;
  }

  const first = catalog.complete[0];
  const newest = first && { id: first.id, ageMs: now - timeOfId(first.id).getTime(), bytes: dataById.get(first.id)?.bytes ?? 0 };
  let problem: string | undefined;
  if (!newest) problem = `no complete backup in ${storage.displayUrl}`;
  else if (newest.ageMs > options.maxAgeMs) problem = `the newest backup ${newest.id} is ${formatDuration(newest.ageMs)} old, more than the allowed ${formatDuration(options.maxAgeMs)}`;
  else if (dataById.get(newest.id)?.hasArchive !== true) problem = `the newest backup ${newest.id} has a manifest but no data (expired by a lifecycle rule, or deleted?)`;

  return {
    destination: storage.displayUrl,
    healthy: problem === undefined,
    newest,
    newestVerified: verified,
    backups: catalog.complete.length,
    totalBytes,
    byStorageClass,
    incomplete: catalog.incomplete.map((i) => ({ id: i.id, ageMs: now - i.newest.getTime() })),
    problem,
  };
}
