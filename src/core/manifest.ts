import { namespaceOf, type Compression } from '../archive/types.js';
import type { KeyDescription } from '../crypto/keys.js';
import type { ObjectLockMode } from '../storage/storage.js';
import { MongosafeError, type ErrorDetails } from '../errors.js';

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
    /** Size and SHA-256 of the archive itself: for an encrypted backup, of the plaintext `export` gives. */
    bytes: number;
    sha256: string;
    /** True when mongorestore can read it (gzip or none; once decrypted by `export` when encrypted). */
    mongorestoreCompatible: boolean;
  };
  /** Set when the stored object is encrypted (DESIGN.md §8): how, by which key, and the stored bytes' size and SHA-256. */
  encryption?: ManifestEncryption;
  /** The archive's S3 Object Lock retention as stored: no one can delete or overwrite it before `retainUntil` (ISO 8601). */
  lock?: { mode: ObjectLockMode; retainUntil: string };
  namespaces: ManifestNamespace[];
  totals: { namespaces: number; documents: number; bsonBytes: number };
  warnings: string[];
  /** What started the backup, when a scheduler did: lets a retry of that run find it. */
  trigger?: BackupTrigger;
}

export type ManifestEncryption = { scheme: 'aws-encryption-sdk'; ciphertextBytes: number; ciphertextSha256: string } & KeyDescription;

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

export function archiveKey(id: string, compression: Compression, encrypted = false): string {
  const suffix = { gzip: '.gz', zstd: '.zst', none: '' }[compression];
  return `${DATA_PREFIX}${id}/backup.archive${suffix}${encrypted ? '.enc' : ''}`;
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
  if (!m) throw new MongosafeError('CORRUPT', `"${id}" is not a backup id`, undefined, { details: { backupId: id, kind: 'invalid' } });
  return new Date(Date.UTC(+(m[1] ?? 0), +(m[2] ?? 1) - 1, +(m[3] ?? 1), +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)));
}

/** Newest first: by time, then by collision suffix. */
export function compareIdsNewestFirst(a: string, b: string): number {
  const suffix = (id: string) => Number(/-(\d+)$/.exec(id)?.[1] ?? 1);
  return timeOfId(b).getTime() - timeOfId(a).getTime() || suffix(b) - suffix(a);
}

/**
 * Parses and checks a manifest read from storage: every field the commands read
 * has its type, no namespace is listed twice, and the totals add up. So a
 * damaged manifest is refused here (CORRUPT, naming what is wrong) rather than
 * crashing list or inspect, or vouching for numbers that are not the backup's.
 * `about` (the manifest's key, the backup id) goes into the errors' details.
 */
export function parseManifest(text: string, where: string, about: Pick<ErrorDetails, 'key' | 'backupId'> = {}): Manifest {
  const details = { ...about, kind: 'invalid' as const };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MongosafeError('CORRUPT', `manifest ${where} is not valid JSON`, 'the backup cannot be trusted; run mongosafe verify', { cause: error, details });
  }
  const problems: string[] = [];
  if (!isRecord(value)) problems.push('not an object');
  else {
    const m = value as Partial<Record<keyof Manifest, unknown>>;
    if (m.schemaVersion !== 1) problems.push(`schemaVersion ${String(m.schemaVersion)} (this mongosafe reads 1)`);
    if (typeof m.id !== 'string' || !isBackupId(m.id)) problems.push('id');
    if (m.status !== 'complete') problems.push('status');
    if (typeof m.startedAt !== 'string' || typeof m.finishedAt !== 'string') problems.push('startedAt/finishedAt');
    if (!hasStrings(m.source, ['uri', 'serverVersion', 'topology'])) problems.push('source');
    const archive = m.archive;
    if (!hasStrings(archive, ['key']) || !isCount(archive.bytes) || !SHA256_HEX.test(String(archive.sha256)) || !COMPRESSIONS.includes(archive.compression)) problems.push('archive');
    if (m.encryption !== undefined && !isEncryption(m.encryption)) problems.push('encryption');
    if (m.lock !== undefined && !isLock(m.lock)) problems.push('lock');
    if (!Array.isArray(m.namespaces)) problems.push('namespaces');
    else if (!m.namespaces.every(isNamespaceEntry)) problems.push('a namespace entry');
    else if (new Set(m.namespaces.map(namespaceOf)).size !== m.namespaces.length) problems.push('a namespace listed twice');
    else if (!totalsAddUp(m.totals, m.namespaces)) problems.push('totals');
    if (!Array.isArray(m.warnings) || !m.warnings.every((w) => typeof w === 'string')) problems.push('warnings');
  }
  if (problems.length > 0) {
    throw new MongosafeError('CORRUPT', `manifest ${where} is invalid (${problems.join(', ')})`, 'the backup cannot be trusted; run mongosafe verify', { details });
  }
  return value as Manifest;
}

const COMPRESSIONS: readonly unknown[] = ['gzip', 'zstd', 'none'] satisfies Compression[];
const NAMESPACE_TYPES: readonly unknown[] = ['collection', 'view', 'timeseries'] satisfies Array<ManifestNamespace['type']>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasStrings(value: unknown, keys: readonly string[]): value is Record<string, unknown> {
  return isRecord(value) && keys.every((key) => typeof value[key] === 'string');
}

/** A count or size: a whole number from 0 up. */
function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

function isEncryption(value: unknown): value is ManifestEncryption {
  if (!isRecord(value) || value.scheme !== 'aws-encryption-sdk' || !isCount(value.ciphertextBytes) || !SHA256_HEX.test(String(value.ciphertextSha256))) return false;
  return value.keyring === 'kms' ? typeof value.keyId === 'string' : (value.keyring === 'raw-aes' || value.keyring === 'raw-rsa') && typeof value.keyFingerprint === 'string';
}

function isLock(value: unknown): boolean {
  return isRecord(value) && (value.mode === 'GOVERNANCE' || value.mode === 'COMPLIANCE') && typeof value.retainUntil === 'string' && !Number.isNaN(Date.parse(value.retainUntil));
}

function isNamespaceEntry(ns: unknown): ns is ManifestNamespace {
  return (
    hasStrings(ns, ['db', 'collection']) &&
    NAMESPACE_TYPES.includes(ns.type) &&
    isCount(ns.documents) &&
    isCount(ns.bsonBytes) &&
    /^[0-9a-f]{16}$/.test(String(ns.crc64)) &&
    Array.isArray(ns.indexes) &&
    ns.indexes.every((index) => hasStrings(index, ['name'])) &&
    isRecord(ns.options)
  );
}

function totalsAddUp(totals: unknown, namespaces: readonly ManifestNamespace[]): boolean {
  return (
    isRecord(totals) &&
    totals.namespaces === namespaces.length &&
    totals.documents === namespaces.reduce((sum, ns) => sum + ns.documents, 0) &&
    totals.bsonBytes === namespaces.reduce((sum, ns) => sum + ns.bsonBytes, 0)
  );
}
