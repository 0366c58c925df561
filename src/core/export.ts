import { basename, dirname, resolve } from 'node:path';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Compression } from '../archive/types.js';
import { MongosafeError, isMongosafeError, withDetails } from '../errors.js';
import { openStorage } from '../storage/registry.js';
import { joinStreams } from '../util/join-streams.js';
import { openBackupSource } from './backup-source.js';
import { storageOpener, type BackupRef } from './backup-ref.js';
import type { ProgressListener } from './progress.js';

export interface ExportOptions extends BackupRef {
  /**
   * A file path, written beside itself and linked into place once its SHA-256 checks (an
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
  const { out } = options;
  // Refused before a byte is read; the write itself still never replaces a file that appears meanwhile.
  const write = typeof out === 'string' ? (await newFileIn(out, signal)).write : (body: Readable) => pipeline(body, out, { signal, end: false });
  options.onProgress?.({ kind: 'phase', phase: `exporting ${source.description}` });
  const archive = await source.archiveBytes(signal);
  // The checks run as the last bytes pass: a file is then never published, a stream ends in an error.
  const checked = joinStreams(archive.stream, checkedAtEnd(archive.assertWhole));
  const where = typeof out === 'string' ? out : '-';
  try {
    await write(checked);
  } catch (error) {
    throw withDetails(archive.explain(error), { backupId: id, key: where });
  } finally {
    checked.destroy();
  }
  const { compression, bytes, sha256, mongorestoreCompatible } = manifest.archive;
  return { id, out: where, compression, bytes, sha256, mongorestoreCompatible };
}

/** A pass-through whose end runs `check`: its failure is the stream's. */
function checkedAtEnd(check: () => void): Transform {
  return new Transform({
    transform: (chunk: Buffer, _encoding, done) => done(null, chunk),
    flush: (done) => {
      try {
        check();
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });
}

/**
 * `path`, to be written as a local destination writes every object: under a hidden name, then
 * linked into place, which fails when the name is taken (never overwriting, even in a race), and
 * removed on any failure; private as backups are (storage/local). ALREADY_EXISTS when it exists.
 */
async function newFileIn(path: string, signal?: AbortSignal): Promise<{ write: (body: Readable) => Promise<void> }> {
  const folder = await openStorage(dirname(resolve(path)));
  const name = basename(path);
  const taken = (cause?: unknown) => new MongosafeError('ALREADY_EXISTS', `${path} already exists`, 'choose another --out path, or remove it first', { cause, details: { key: path } });
  if (await folder.head(name, { signal })) throw taken();
  return {
    write: async (body) => {
      try {
        await folder.put(name, body, { ifAbsent: true, signal });
      } catch (error) {
        throw isMongosafeError(error, 'ALREADY_EXISTS') ? taken(error) : error;
      }
    },
  };
}
