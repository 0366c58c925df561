import { Readable } from 'node:stream';
import { MongosafeError, isMongosafeError, messageOf, type ErrorDetails } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import { openBackupSource, type BackupSource } from './backup-source.js';
import { storageOpener, type BackupRef } from './backup-ref.js';
import { readCatalog, readManifest, resolveBackupId, verificationKey } from './catalog.js';
import { assertScratchUri, drill, DrillPlanner } from './drill.js';
import { isBackupId, manifestKey, startedMarkerKey } from './manifest.js';
import type { ProgressListener } from './progress.js';
import { TOOL_VERSION } from './version.js';

/**
 * Which backup to verify (`backup`, `storage`: the same two fields as restore
 * and inspect, see `BackupRef`; here `backup` may also be `"all"`), and how.
 */
export interface VerifyOptions extends BackupRef {
  /** Write a verification record beside each manifest (default true; never for files). */
  record?: boolean;
  /**
   * Check only that the stored object is, byte for byte, what the backup wrote (its size and
   * SHA-256), without decrypting or reading the archive: what a host that may write backups
   * but not read them (kms:GenerateDataKey only) can prove. Writes no verification record.
   */
  storedOnly?: boolean;
  /** Also restore into scratch databases on `scratchUri` and compare every document (a restore drill). */
  deep?: boolean;
  scratchUri?: string;
  /** With `deep`, for a backup in a remote destination: where the drill keeps its downloaded copy (see `RestoreOptions.spoolDir`). */
  spoolDir?: string;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** The clock for verification records' timestamps; tests fake it. */
  now?: () => Date;
}

export interface VerifiedBackup {
  /** The backup id, or the path for a file. */
  id: string;
  ok: boolean;
  /** "deep" when a restore drill compared every document too; "stored" for `storedOnly`. */
  kind: 'full' | 'deep' | 'stored';
  /** Why the archive was not read (it is in a cold storage class); `ok` then covers the manifest only. */
  skipped?: string;
  /** The first problem found, one line. */
  problem?: string;
  /** The problem as data (namespace, key, kind: `checksum`, `count`, `not-found`…): read these, not `problem`. */
  details?: ErrorDetails;
  namespaces: number;
  documents: number;
  durationMs: number;
}

export interface VerifyResult {
  ok: boolean;
  backups: VerifiedBackup[];
}

/**
 * Reads each backup whole: manifest, object size and sha256, and every
 * namespace's CRC-64 and count. Problems are results, not exceptions, so
 * `verify all` checks everything; the CLI exits 3 when any backup fails.
 * A stored backup gets a verification record beside its manifest (unless
 * `record: false`); an archive in S3 Glacier is reported as `skipped`, not read.
 * `durationMs` is wall time in milliseconds.
 *
 * @throws MongosafeError NOT_FOUND for an unknown id, file or destination; USAGE for
 *   a stored backup without `storage`, or `deep` without `scratchUri`; STORAGE when
 *   the destination cannot be read; ABORTED when `signal` fires.
 *
 * @example
 * const { ok, backups } = await verify({ backup: 'all', storage: 's3://my-bucket/prod' });
 * for (const b of backups) if (!b.ok) console.error(`${b.id}: ${b.problem}`);
 */
export async function verify(options: VerifyOptions): Promise<VerifyResult> {
  const { signal } = options;
  const storage = storageOpener(options, signal);
  const now = options.now ?? (() => new Date());
  const backups: VerifiedBackup[] = [];
  if (options.deep) assertScratchUri(options.scratchUri);
  const ref = options.backup;
  if (ref === 'all') {
    const catalog = await readCatalog(await storage(), signal);
    for (const { id } of [...catalog.complete].reverse()) backups.push(await verifyOne(id, storage, options, now));
    for (const { id } of catalog.incomplete) backups.push(incompleteResult(id));
  } else if (isBackupId(ref) && !(await hasManifest(await storage(), ref, signal))) {
    // A backup whose manifest is missing is a problem to report, unless nothing of it exists.
    const store = await storage();
    if (!(await hasData(store, ref, signal))) {
      throw new MongosafeError('NOT_FOUND', `backup ${ref} not found in ${store.displayUrl}`, "run 'mongosafe list' to see the backups there", { details: { backupId: ref, kind: 'not-found' } });
    }
    backups.push(incompleteResult(ref));
  } else {
    backups.push(await verifyOne(ref, storage, options, now));
  }
  return { ok: backups.every((b) => b.ok), backups };
}

async function verifyOne(ref: string, storage: () => Promise<Storage>, options: VerifyOptions, now: () => Date): Promise<VerifiedBackup> {
  const started = Date.now();
  const archived = await coldArchive(storage, ref, options.signal);
  if (archived) {
    // Reading it would start a paid, hours-long Glacier restore: verify checks what it can reach.
    return { id: archived.id, ok: true, kind: 'full', skipped: `the archive is in ${archived.storageClass}; only its manifest was read (restore --wait makes it readable)`, namespaces: 0, documents: 0, durationMs: Date.now() - started };
  }
  let source;
  // The drill reads the backup again after verify's pass: from a local copy, when it is remote.
  const spool = options.deep ? { dir: options.spoolDir, onProgress: options.onProgress } : undefined;
  try {
    source = await openBackupSource(ref, storage, options.signal, { decryptKey: options.decryptKey, spool });
  } catch (error) {
    // A manifest whose archive is gone (expired, deleted) is a damaged backup, not a failed command.
    if (!isMongosafeError(error, 'NOT_FOUND') || !isBackupId(ref)) throw error;
    return { id: ref, ok: false, kind: 'full', problem: error.message, details: error.details, namespaces: 0, documents: 0, durationMs: Date.now() - started };
  }
  try {
    return await verifyOpened(source, ref, storage, options, now, started);
  } finally {
    await source.close?.();
  }
}

async function verifyOpened(source: BackupSource, ref: string, storage: () => Promise<Storage>, options: VerifyOptions, now: () => Date, started: number): Promise<VerifiedBackup> {
  const id = source.id ?? ref;
  options.onProgress?.({ kind: 'phase', phase: `verifying ${source.description}` });
  if (options.storedOnly && source.checkStoredObject) return verifyStored(source, id, started, options.signal);
  // The drill's digests, gathered in this same pass.
  const planner = options.deep ? new DrillPlanner() : undefined;
  let namespaces = 0;
  let documents = 0;
  let problem: string | undefined;
  let details: ErrorDetails | undefined;
  try {
    for await (const event of source.events(options.signal)) {
      planner?.add(event);
      if (event.kind === 'end-of-namespace') {
        namespaces++;
        documents += event.documents;
        options.onProgress?.({ kind: 'namespace-done', namespace: `${event.db}.${event.collection}`, documents: event.documents, bsonBytes: event.bsonBytes });
      }
    }
  } catch (error) {
    // A wrong or missing key fails this backup, not the command: `verify all` goes on to the next.
    if (!isMongosafeError(error, 'CORRUPT') && !isMongosafeError(error, 'NOT_FOUND') && !isMongosafeError(error, 'KEY')) throw error;
    problem = error.message;
    details = error.details;
  }
  let kind: 'full' | 'deep' = 'full';
  if (problem === undefined && planner) {
    kind = 'deep';
    options.onProgress?.({ kind: 'phase', phase: `restore drill of ${source.description}` });
    ({ problem, details } = await drill(source, planner, { scratchUri: assertScratchUri(options.scratchUri), signal: options.signal }));
  }
  const result: VerifiedBackup & { kind: typeof kind } = { id, ok: problem === undefined, kind, problem, details, namespaces, documents, durationMs: Date.now() - started };
  if (source.id && options.record !== false) await recordVerification(await storage(), source.id, result, now(), options.signal);
  return result;
}

async function verifyStored(source: BackupSource, id: string, started: number, signal?: AbortSignal): Promise<VerifiedBackup> {
  const result = { id, kind: 'stored' as const, namespaces: 0, documents: 0 };
  try {
    await source.checkStoredObject?.(signal, { decrypt: false });
  } catch (error) {
    if (!isMongosafeError(error, 'CORRUPT') && !isMongosafeError(error, 'NOT_FOUND')) throw error;
    return { ...result, ok: false, problem: error.message, details: error.details, durationMs: Date.now() - started };
  }
  return { ...result, ok: true, durationMs: Date.now() - started };
}

async function recordVerification(storage: Storage, id: string, result: VerifiedBackup & { kind: 'full' | 'deep' }, at: Date, signal?: AbortSignal): Promise<void> {
  const record = { id, kind: result.kind, at: at.toISOString(), ok: result.ok, problem: result.problem, namespaces: result.namespaces, documents: result.documents, tool: { name: 'mongosafe', version: TOOL_VERSION } };
  try {
    await storage.put(verificationKey(id, at, result.kind), Readable.from([Buffer.from(`${JSON.stringify(record, null, 2)}\n`)]), { ifAbsent: true, contentType: 'application/json', signal });
  } catch (error) {
    // A read-only destination can still be verified; the record is a convenience.
    if (!isMongosafeError(error, 'AUTH') && !isMongosafeError(error, 'ALREADY_EXISTS')) {
      throw new MongosafeError('STORAGE', `writing the verification record of ${id} failed: ${messageOf(error)}`, undefined, { cause: error, details: { backupId: id } });
    }
  }
}

/** The backup's archive storage class when it is cold (Glacier), else undefined. Files are never cold. */
async function coldArchive(opener: () => Promise<Storage>, ref: string, signal?: AbortSignal): Promise<{ id: string; storageClass: string } | undefined> {
  if (ref !== 'latest' && !isBackupId(ref)) return undefined;
  const storage = await opener();
  const id = await resolveBackupId(storage, ref, signal);
  const manifest = await readManifest(storage, id, signal);
  const info = await storage.head(manifest.archive.key, { signal });
  return info?.archived ? { id, storageClass: info.storageClass ?? 'cold storage' } : undefined;
}

function incompleteResult(id: string): VerifiedBackup {
  return {
    id,
    ok: false,
    kind: 'full',
    problem: `backup ${id} has data but no manifest: it is incomplete (interrupted, or still running)`,
    details: { backupId: id, key: manifestKey(id), kind: 'not-found' },
    namespaces: 0,
    documents: 0,
    durationMs: 0,
  };
}

async function hasManifest(storage: Storage, id: string, signal?: AbortSignal): Promise<boolean> {
  return (await storage.head(manifestKey(id), { signal })) !== undefined;
}

async function hasData(storage: Storage, id: string, signal?: AbortSignal): Promise<boolean> {
  if (await storage.head(startedMarkerKey(id), { signal })) return true;
  for await (const _object of storage.list(`data/${id}/`, { signal })) return true;
  return false;
}
