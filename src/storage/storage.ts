import type { Readable } from 'node:stream';

/**
 * Where backups live. One small interface; the backends (local/, s3/) and the
 * retry decorator implement it, and all pass test/contract/.
 * Keys are relative, '/'-separated, never starting with '/'.
 */
export interface Storage {
  /** The destination for people: URL form, never with credentials. */
  readonly displayUrl: string;
  /** True when the objects are files on this machine: reading one again costs no download (restore keeps no local copy of them). */
  readonly local?: boolean;

  /**
   * Whether the destination itself exists: the local folder, the S3 bucket. For
   * list, restore and verify a missing destination is an error; a backup's
   * first put creates a local folder (never a bucket).
   */
  exists(options?: { signal?: AbortSignal }): Promise<boolean>;

  /**
   * Writes an object from a stream. With `ifAbsent` (the only mode mongosafe
   * uses) an existing key is never overwritten: ALREADY_EXISTS instead. An
   * aborted or failed put leaves nothing visible under `key`. An abort rejects
   * with ABORTED; a body that fails rejects with the body's own error, unchanged.
   */
  put(key: string, body: Readable | AsyncIterable<Uint8Array>, options: PutOptions): Promise<PutResult>;

  /** Reads an object; NOT_FOUND when missing; ARCHIVED (code STORAGE) when in a cold tier not restored. */
  get(key: string, options?: { signal?: AbortSignal }): Promise<Readable>;

  /**
   * Optional: reads an object from byte `start` on, and only while it is still `version` (the
   * version an earlier read of it reported; S3: its ETag), so that a resumed download never
   * splices two objects. STORAGE when it has changed since. The retry decorator resumes cut
   * downloads with it (retry.ts); backends that cannot pin a version omit it.
   */
  getFrom?(key: string, options: { start: number; version?: string; signal?: AbortSignal }): Promise<VersionedRead>;

  /** Metadata of one object, or undefined when missing. */
  head(key: string, options?: { signal?: AbortSignal }): Promise<ObjectInfo | undefined>;

  /** Every object under a prefix ('' = all), in key order; hides partial writes. */
  list(prefix: string, options?: { signal?: AbortSignal }): AsyncIterable<ObjectInfo>;

  /** Removes an object; a missing key is not an error. */
  delete(key: string, options?: { signal?: AbortSignal }): Promise<void>;

  /**
   * Whether the destination keeps objects under Object Lock (S3: a bucket created with it), and
   * its default retention, if it has one. undefined: no Object Lock. Backends without it omit this.
   */
  objectLock?(options?: { signal?: AbortSignal }): Promise<ObjectLockSettings | undefined>;

  /**
   * For cold storage classes (S3 GLACIER, DEEP_ARCHIVE): asks for a temporary
   * readable copy. Backends without cold tiers omit it.
   */
  requestRestore?(key: string, options: { days: number; tier?: 'Expedited' | 'Standard' | 'Bulk'; signal?: AbortSignal }): Promise<RestoreRequest>;
}

export interface PutOptions {
  ifAbsent: true;
  /** Expected size when known (S3 picks a multipart part size from it). */
  expectedBytes?: number;
  contentType?: string;
  /** Retain the object until this date (S3 Object Lock); only where `objectLock()` says it is on. */
  lock?: ObjectLock;
  signal?: AbortSignal;
}

export type ObjectLockMode = 'GOVERNANCE' | 'COMPLIANCE';

/** An object's retention: no one may delete or overwrite this version before `retainUntil` (COMPLIANCE: not even the root user). */
export interface ObjectLock {
  mode: ObjectLockMode;
  retainUntil: Date;
}

/** A destination's Object Lock: on, with the retention new objects get unless they name their own. */
export interface ObjectLockSettings {
  defaultRetention?: { mode: ObjectLockMode; days: number };
}

/** A read that says which version of the object it reads. */
export interface VersionedRead {
  body: Readable;
  /** Opaque, for `getFrom`'s `version` (S3: the ETag); undefined when the server named none: such a read is not resumed. */
  version: string | undefined;
}

export interface PutResult {
  bytes: number;
}

export interface ObjectInfo {
  key: string;
  bytes: number;
  lastModified: Date;
  /** e.g. STANDARD, STANDARD_IA, GLACIER; undefined for local files. */
  storageClass?: string;
  /** True when the object must be restored (requestRestore) before it can be read. */
  archived?: boolean;
  /** Its retention, when under Object Lock (`head` only: listings do not say). */
  lock?: ObjectLock;
  /** For archived objects: a restore is under way. */
  restoreInProgress?: boolean;
}

export interface RestoreRequest {
  /** True when a restored copy is already readable. */
  ready: boolean;
  /** People-facing estimate, e.g. "3-5 hours (Standard tier)". */
  estimate: string;
}
