import { text } from 'node:stream/consumers';
import { isMongosafeError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import type { Catalog } from './catalog.js';

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
    if (record && (await recordPassed(storage, record.key, signal))) return { id, at: record.at, kind: record.kind };
  }
  return undefined;
}

async function recordPassed(storage: Storage, key: string, signal?: AbortSignal): Promise<boolean> {
  let body: string;
  try {
    body = await text(await storage.get(key, { signal }));
  } catch (error) {
    // Deleted between listing and reading (a concurrent prune): no proof, not a failure.
    if (isMongosafeError(error, 'NOT_FOUND')) return false;
    throw error;
  }
  try {
    return (JSON.parse(body) as { ok?: unknown } | null)?.ok === true;
  } catch (error) {
    // An unreadable record proves nothing; anything but a parse error is a bug.
    if (error instanceof SyntaxError) return false;
    throw error;
  }
}
