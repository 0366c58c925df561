import type { Storage } from '../storage/storage.js';
import { readCatalog, readManifest, verificationPassed } from './catalog.js';
import { timeOfId } from './manifest.js';

export interface ListedBackup {
  id: string;
  /** When the backup started (from its id), ISO 8601. */
  startedAt: string;
  ageMs: number;
  bytes: number;
  compression: string;
  namespaces: number;
  documents: number;
  /** The newest verification record, if any. */
  verified?: { kind: 'full' | 'deep'; at: string; ok: boolean };
  storageClass?: string;
  warnings: number;
  /** The archive object is gone (a lifecycle rule expired it, or it was deleted): the manifest alone restores nothing. */
  dataMissing?: true;
}

export interface ListResult {
  destination: string;
  backups: ListedBackup[];
  /** Backups with data but no manifest (interrupted or running); never restored by default. */
  incomplete: string[];
}

/**
 * Complete backups, newest first, read from their manifests; ages in milliseconds.
 *
 * @throws MongosafeError STORAGE when the destination cannot be listed or read.
 * @example const { backups } = await list({ storage: await openStorage('s3://my-bucket/prod') });
 */
export async function list(options: { storage: Storage; signal?: AbortSignal; now?: () => Date }): Promise<ListResult> {
  const { storage, signal } = options;
  const now = (options.now ?? (() => new Date()))();
  const catalog = await readCatalog(storage, signal);
  const backups: ListedBackup[] = [];
  for (const { id } of catalog.complete) {
    const manifest = await readManifest(storage, id, signal);
    const record = catalog.verifications.get(id)?.[0];
    // A HEAD per backup: lifecycle expiry may remove data/ before manifests/ (docs/retention.md).
    const archive = await storage.head(manifest.archive.key, { signal });
    backups.push({
      id,
      startedAt: manifest.startedAt,
      ageMs: now.getTime() - timeOfId(id).getTime(),
      bytes: manifest.archive.bytes,
      compression: manifest.archive.compression,
      namespaces: manifest.totals.namespaces,
      documents: manifest.totals.documents,
      verified: record ? { kind: record.kind, at: record.at, ok: await verificationPassed(storage, record, signal) } : undefined,
      storageClass: archive?.storageClass,
      warnings: manifest.warnings.length,
      ...(archive ? {} : { dataMissing: true as const }),
    });
  }
  return { destination: storage.displayUrl, backups, incomplete: catalog.incomplete.map((i) => i.id) };
}
