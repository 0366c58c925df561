import { open, rename, rm, stat } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Compression } from '../archive/types.js';
import { MongosafeError, isMongosafeError, withDetails } from '../errors.js';
import { openBackupSource } from './backup-source.js';
import { storageOpener, type BackupRef } from './backup-ref.js';
import type { ProgressListener } from './progress.js';

export interface ExportOptions extends BackupRef {
  /**
   * A file path, written beside itself and renamed into place once its SHA-256 checks (an
   * existing file is never replaced), or a stream such as stdout, which gets the bytes as
   * they come: a failure then says so at the end, and what was written must be discarded.
   */
  out: string | Writable;
  /** S3 Glacier: wait until a requested restore makes the archive readable. */
  wait?: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

export interface ExportResult {
  id: string;
  /** The file written, or "-" for a stream. */
  out: string;
  compression: Compression;
  bytes: number;
  sha256: string;
  /** False for zstd: mongorestore reads gzip and plain archives only. */
  mongorestoreCompatible: boolean;
}

/**
 * Writes a stored backup's mongodump archive as the backup made it: decrypted when encrypted,
 * its size and SHA-256 proven against the manifest, so `mongorestore --archive` (with `--gzip`
 * for a gzip one) can read any backup, with or without mongosafe.
 *
 * @throws MongosafeError USAGE when `backup` is a path; ALREADY_EXISTS when the file exists;
 *   KEY, AUTH or CORRUPT when the backup cannot be opened or is not what was written.
 * @example
 * await exportBackup({ backup: 'latest', storage: 's3://my-bucket/prod', out: './latest.archive.gz', decryptKey: 'key-file:./backup.key' });
 */
export async function exportBackup(options: ExportOptions): Promise<ExportResult> {
  const { signal } = options;
  const source = await openBackupSource(options.backup, storageOpener(options, signal), signal, { wait: options.wait, onProgress: options.onProgress, decryptKey: options.decryptKey });
  const { manifest, id } = source;
  if (!source.archiveBytes || !manifest || !id) {
    throw new MongosafeError('USAGE', `export reads a stored backup; ${source.description} already is an archive or dump`, 'give a backup id or "latest" (with --from)', { details: { key: options.backup, kind: 'invalid' } });
  }
  options.onProgress?.({ kind: 'phase', phase: `exporting ${source.description}` });
  const archive = await source.archiveBytes(signal);
  const { out } = options;
  const where = typeof out === 'string' ? out : '-';
  try {
    if (typeof out === 'string') await writeFileWhole(out, (file) => pipeline(archive.stream, file, { signal }).then(() => archive.assertWhole()));
    else {
      await pipeline(archive.stream, out, { signal, end: false });
      archive.assertWhole();
    }
  } catch (error) {
    throw withDetails(archive.explain(error), { backupId: id, key: where });
  } finally {
    archive.stream.destroy();
  }
  const { compression, bytes, sha256, mongorestoreCompatible } = manifest.archive;
  return { id, out: where, compression, bytes, sha256, mongorestoreCompatible };
}

/** `path` appears only whole and checked: written to a private file beside it, then renamed. */
async function writeFileWhole(path: string, write: (file: Writable) => Promise<void>): Promise<void> {
  const partial = join(dirname(path), `.${basename(path)}.partial-${process.pid}`);
  let handle;
  try {
    await refuseExisting(path);
    handle = await open(partial, 'wx', 0o600);
  } catch (error) {
    if (isMongosafeError(error)) throw error;
    throw new MongosafeError('STORAGE', `cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 'check the folder exists and is writable', { cause: error, details: { key: path } });
  }
  try {
    await write(handle.createWriteStream());
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

async function refuseExisting(path: string): Promise<void> {
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  if (exists) throw new MongosafeError('ALREADY_EXISTS', `${path} already exists`, 'choose another --out path, or remove it first', { details: { key: path } });
}
