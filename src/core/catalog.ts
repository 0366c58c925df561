import { text } from 'node:stream/consumers';
import { MongosafeError, isMongosafeError } from '../errors.js';
import type { ObjectInfo, Storage } from '../storage/storage.js';
import {
  DATA_PREFIX,
  MANIFEST_PREFIX,
  compareIdsNewestFirst,
  idFromManifestKey,
  isBackupId,
  manifestKey,
  parseManifest,
  type Manifest,
} from './manifest.js';

/** What a destination holds, read from listings: manifests are small and never in Glacier. */
export interface Catalog {
  /** Complete backups, newest first. */
  complete: Array<{ id: string; manifest: ObjectInfo }>;
  /** Ids with data but no manifest: interrupted or running backups. */
  incomplete: Array<{ id: string; objects: ObjectInfo[]; newest: Date }>;
  /** Verification records per backup id, newest first. */
  verifications: Map<string, VerificationRecordRef[]>;
}

export interface VerificationRecordRef {
  key: string;
  at: string;
  kind: 'full' | 'deep';
}

/** `manifests/<id>.verified.<stamp>.<kind>.json`: beside the manifest, never rewriting it. */
const VERIFICATION_KEY = /^manifests\/(.+)\.verified\.(\d{8}T\d{6}\d{3}Z)\.(full|deep)\.json$/;

export function verificationKey(id: string, at: Date, kind: 'full' | 'deep'): string {
  const stamp = at.toISOString().replace(/[-:.]/g, '');
  return `${MANIFEST_PREFIX}${id}.verified.${stamp}.${kind}.json`;
}

export async function readCatalog(storage: Storage, signal?: AbortSignal): Promise<Catalog> {
  const complete: Catalog['complete'] = [];
  const verifications = new Map<string, VerificationRecordRef[]>();
  for await (const object of storage.list(MANIFEST_PREFIX, { signal })) {
    const id = idFromManifestKey(object.key);
    if (id) {
      complete.push({ id, manifest: object });
      continue;
    }
    const match = VERIFICATION_KEY.exec(object.key);
    if (match?.[1] && match[2] && match[3]) {
      const stamp = match[2];
      const at = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}.${stamp.slice(15, 18)}Z`;
      const list = verifications.get(match[1]) ?? [];
      list.push({ key: object.key, at, kind: match[3] as 'full' | 'deep' });
      verifications.set(match[1], list);
    }
  }
  complete.sort((a, b) => compareIdsNewestFirst(a.id, b.id));
  for (const list of verifications.values()) list.sort((a, b) => b.at.localeCompare(a.at));

  const completeIds = new Set(complete.map((c) => c.id));
  const dataById = new Map<string, ObjectInfo[]>();
  for await (const object of storage.list(DATA_PREFIX, { signal })) {
    const id = object.key.slice(DATA_PREFIX.length).split('/')[0] ?? '';
    if (!isBackupId(id) || completeIds.has(id)) continue;
    const list = dataById.get(id) ?? [];
    list.push(object);
    dataById.set(id, list);
  }
  const incomplete = [...dataById].map(([id, objects]) => ({
    id,
    objects,
    newest: new Date(Math.max(...objects.map((o) => o.lastModified.getTime()))),
  }));
  incomplete.sort((a, b) => compareIdsNewestFirst(a.id, b.id));
  return { complete, incomplete, verifications };
}

export async function readManifest(storage: Storage, id: string, signal?: AbortSignal): Promise<Manifest> {
  let body: string;
  try {
    body = await text(await storage.get(manifestKey(id), { signal }));
  } catch (error) {
    if (isMongosafeError(error, 'NOT_FOUND')) {
      throw new MongosafeError('NOT_FOUND', `backup ${id} not found in ${storage.displayUrl}`, "run 'mongosafe list' to see the backups there", {
        cause: error,
        details: { backupId: id, kind: 'not-found' },
      });
    }
    throw error;
  }
  const manifest = parseManifest(body, `${storage.displayUrl}/${manifestKey(id)}`, { key: manifestKey(id), backupId: id });
  if (manifest.id !== id) {
    throw new MongosafeError('CORRUPT', `manifest ${manifestKey(id)} names backup ${manifest.id}`, 'the manifest was renamed or copied; do not trust it', {
      details: { key: manifestKey(id), backupId: id, kind: 'invalid' },
    });
  }
  return manifest;
}

/** Resolves "latest" or an id to a complete backup's id; NOT_FOUND with a hint otherwise. */
export async function resolveBackupId(storage: Storage, ref: string, signal?: AbortSignal): Promise<string> {
  if (ref !== 'latest') {
    if (!isBackupId(ref)) {
      throw new MongosafeError('USAGE', `"${ref}" is neither a backup id (like 20261126T030000Z), "latest", nor an existing file`, "run 'mongosafe list' to see the backups", {
        details: { kind: 'invalid' },
      });
    }
    return ref;
  }
  const { complete } = await readCatalog(storage, signal);
  const newest = complete[0];
  if (!newest) {
    throw new MongosafeError('NOT_FOUND', `no complete backup in ${storage.displayUrl}`, "run 'mongosafe backup' first, or check --from", { details: { kind: 'not-found' } });
  }
  return newest.id;
}

/**
 * Whether a verification record says ok. A record deleted since the listing (a
 * concurrent prune) or unreadable proves nothing: false, not an error.
 */
export async function verificationPassed(storage: Storage, record: VerificationRecordRef, signal?: AbortSignal): Promise<boolean> {
  let body: string;
  try {
    body = await text(await storage.get(record.key, { signal }));
  } catch (error) {
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
