import type { BackupResult } from '../core/backup.js';
import { readManifest } from '../core/catalog.js';
import { MANIFEST_PREFIX, compareIdsNewestFirst, idFromManifestKey, timeOfId } from '../core/manifest.js';
import type { Storage } from '../storage/storage.js';

// A backup's id is its start time by the Lambda's clock, which may trail the
// scheduler's by a little: look a bit before the scheduled time.
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The complete backup an earlier attempt of the same scheduled run made, if
 * any: its manifest records `trigger.scheduledTime`. The manifest is the
 * backup's commit point, so there is no window in which the backup exists but
 * the run does not know it (as there would be with a separate marker object),
 * and nothing extra for prune or lifecycle rules to clean.
 * Only manifests whose ids are at or after the scheduled time are read.
 */
export async function findScheduledBackup(storage: Storage, scheduledTime: string, signal?: AbortSignal): Promise<BackupResult | undefined> {
  const earliest = Date.parse(scheduledTime) - CLOCK_SKEW_MS;
  const candidates: string[] = [];
  for await (const object of storage.list(MANIFEST_PREFIX, { signal })) {
    const id = idFromManifestKey(object.key);
    if (id && timeOfId(id).getTime() >= earliest) candidates.push(id);
  }
  for (const id of candidates.sort(compareIdsNewestFirst)) {
    const manifest = await readManifest(storage, id, signal);
    if (manifest.trigger?.scheduledTime === scheduledTime) {
      const durationMs = Date.parse(manifest.finishedAt) - Date.parse(manifest.startedAt);
      return { id, destination: storage.displayUrl, manifest, durationMs };
    }
  }
  return undefined;
}
