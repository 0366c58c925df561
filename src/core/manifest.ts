import type { Compression } from '../archive/types.js';
import { MongosafeError } from '../errors.js';

/** The manifest of a complete backup: DESIGN.md §3. Written last; its presence means complete. */
export interface Manifest {
  schemaVersion: 1;
  id: string;
  status: 'complete';
  tool: { name: 'mongosafe'; version: string };
  startedAt: string;
  finishedAt: string;
  source: { uri: string; serverVersion: string; topology: string };
  archive: {
    key: string;
    format: 'mongodump-archive';
    compression: Compression;
    bytes: number;
    sha256: string;
    /** True when mongorestore can read it (gzip or none). */
    mongorestoreCompatible: boolean;
  };
  namespaces: ManifestNamespace[];
  totals: { namespaces: number; documents: number; bsonBytes: number };
  warnings: string[];
  /** What started the backup, when a scheduler did: lets a retry of that run find it. */
  trigger?: BackupTrigger;
}

export interface BackupTrigger {
  /** The scheduled time of the run (ISO 8601, UTC), e.g. EventBridge Scheduler's. */
  scheduledTime?: string;
}

export interface ManifestNamespace {
  db: string;
  collection: string;
  type: 'collection' | 'view' | 'timeseries';
  documents: number;
  bsonBytes: number;
  /** CRC-64/XZ of the namespace's documents, 16 lowercase hex digits. */
  crc64: string;
  indexes: Array<{ name: string; key: Record<string, unknown> }>;
  options: Record<string, unknown>;
}

export const MANIFEST_PREFIX = 'manifests/';
export const DATA_PREFIX = 'data/';
const ID_PATTERN = /^\d{8}T\d{6}Z(?:-\d+)?$/;

export function manifestKey(id: string): string {
  return `${MANIFEST_PREFIX}${id}.json`;
}

export function archiveKey(id: string, compression: Compression): string {
  const suffix = { gzip: '.gz', zstd: '.zst', none: '' }[compression];
  return `${DATA_PREFIX}${id}/backup.archive${suffix}`;
}

/** The marker that reserves an id before the archive is written (see backup.ts). */
export function startedMarkerKey(id: string): string {
  return `${DATA_PREFIX}${id}/started.json`;
}

export function isBackupId(text: string): boolean {
  return ID_PATTERN.test(text);
}

/** `manifests/<id>.json` → id; anything else (verification records, strays) → undefined. */
export function idFromManifestKey(key: string): string | undefined {
  if (!key.startsWith(MANIFEST_PREFIX) || !key.endsWith('.json')) return undefined;
  const id = key.slice(MANIFEST_PREFIX.length, -'.json'.length);
  return isBackupId(id) ? id : undefined;
}

/** 2026-11-26T03:00:00.123Z → "20261126T030000Z", always UTC. */
export function idForTime(time: Date, attempt = 1): string {
  const base = time.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return attempt === 1 ? base : `${base}-${attempt}`;
}

/** Time an id names (its seconds), for sorting and retention. */
export function timeOfId(id: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(id);
  if (!m) throw new MongosafeError('CORRUPT', `"${id}" is not a backup id`);
  return new Date(Date.UTC(+(m[1] ?? 0), +(m[2] ?? 1) - 1, +(m[3] ?? 1), +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)));
}

/** Newest first: by time, then by collision suffix. */
export function compareIdsNewestFirst(a: string, b: string): number {
  const suffix = (id: string) => Number(/-(\d+)$/.exec(id)?.[1] ?? 1);
  return timeOfId(b).getTime() - timeOfId(a).getTime() || suffix(b) - suffix(a);
}

/** Parses and checks a manifest read from storage; CORRUPT names what is wrong. */
export function parseManifest(text: string, where: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MongosafeError('CORRUPT', `manifest ${where} is not valid JSON`, 'the backup cannot be trusted; run mongosafe verify', { cause: error });
  }
  const m = value as Partial<Manifest> | null;
  const problems: string[] = [];
  if (!m || typeof m !== 'object') problems.push('not an object');
  else {
    if (m.schemaVersion !== 1) problems.push(`schemaVersion ${String(m.schemaVersion)} (this mongosafe reads 1)`);
    if (typeof m.id !== 'string' || !isBackupId(m.id)) problems.push('id');
    if (m.status !== 'complete') problems.push('status');
    if (!m.archive || typeof m.archive.key !== 'string' || typeof m.archive.bytes !== 'number' || !/^[0-9a-f]{64}$/.test(String(m.archive.sha256))) problems.push('archive');
    if (!Array.isArray(m.namespaces)) problems.push('namespaces');
    else if (m.namespaces.some((ns) => typeof ns?.db !== 'string' || typeof ns.collection !== 'string' || typeof ns.documents !== 'number' || !/^[0-9a-f]{16}$/.test(String(ns.crc64)))) problems.push('a namespace entry');
    if (!m.totals) problems.push('totals');
  }
  if (problems.length > 0) {
    throw new MongosafeError('CORRUPT', `manifest ${where} is invalid (${problems.join(', ')})`, 'the backup cannot be trusted; run mongosafe verify');
  }
  return m as Manifest;
}
