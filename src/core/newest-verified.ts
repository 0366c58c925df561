import type { Storage } from '../storage/storage.js';
import { verificationPassed, type Catalog } from './catalog.js';

export interface NewestVerified {
  id: string;
  /** When the verification ran, ISO 8601. */
  at: string;
  kind: 'full' | 'deep';
}

/**
 * The newest complete backup whose latest verification record says ok. Only
 * the latest record of a backup counts: a backup that passed once and failed
 * since (say, its archive expired) is not proven restorable any more.
 * Reads records newest backup first and stops at the first pass, so it costs
 * a GET or two, not one per backup.
 */
export async function findNewestVerified(storage: Storage, catalog: Catalog, signal?: AbortSignal): Promise<NewestVerified | undefined> {
  for (const { id } of catalog.complete) {
    const record = catalog.verifications.get(id)?.[0];
    if (record && (await verificationPassed(storage, record, signal))) return { id, at: record.at, kind: record.kind };
  }
  return undefined;
}
