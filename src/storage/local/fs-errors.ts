import { MongosafeError, messageOf } from '../../errors.js';
import { requestFaultKind } from '../cause-kind.js';
import { notFoundError } from '../common-errors.js';

export interface FsErrorContext {
  /** What was being done, for the message: "writing", "reading"… */
  doing: string;
  /** The object's key, or the folder for root-level operations. */
  target: string;
  /** The object's key, for `details.key`; none for root-level operations. */
  key?: string;
  /** The destination, for the message. */
  displayUrl: string;
}

const DISK_FULL = new Set(['ENOSPC', 'EDQUOT']);

/** The errno code of a Node fs error, if any. */
export function errnoCode(error: unknown): string | undefined {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

/**
 * The one place local filesystem errors become MongosafeErrors, keeping the
 * original as `cause` and the key and kind (permission, not-found…) as `details`.
 * MongosafeErrors (ABORTED from the body reader) and errors thrown by the caller's
 * body pass through unchanged.
 */
export function translateFsError(error: unknown, context: FsErrorContext): Error {
  if (error instanceof MongosafeError) return error;
  const code = errnoCode(error);
  const where = `${context.target} in ${context.displayUrl}`;
  const { key } = context;
  const options = { cause: error, details: { key } };
  const refused = { cause: error, details: { key, kind: 'permission' as const } };
  if (error instanceof Error && error.name === 'AbortError') {
    return new MongosafeError('ABORTED', `${context.doing} ${where} was interrupted`, undefined, { cause: error, details: { key, kind: 'aborted' } });
  }
  if (code === undefined) return error instanceof Error ? error : new Error(String(error));
  if (DISK_FULL.has(code)) {
    return new MongosafeError(
      'STORAGE',
      `${context.doing} ${where} failed: the disk is full (${code})`,
      'free space on that disk (prune old backups) or choose another destination; nothing partial was kept',
      options,
    );
  }
  if (code === 'EFBIG') {
    return new MongosafeError(
      'STORAGE',
      `${context.doing} ${where} failed: the file grew past what this system allows (EFBIG), a file-size limit or a FAT32 disk's 4 GiB cap`,
      'raise the limit (ulimit -f) or choose a destination on another file system; nothing partial was kept',
      options,
    );
  }
  if (code === 'ENOENT') {
    return notFoundError(`${context.target} in ${context.displayUrl}`, key, error);
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new MongosafeError(
      'AUTH',
      `${context.doing} ${where} was refused by the file system (${code})`,
      'check that this user may read and write that folder',
      refused,
    );
  }
  if (code === 'EROFS') {
    return new MongosafeError('STORAGE', `${context.doing} ${where} failed: the file system is read-only`, 'choose a writable destination', refused);
  }
  // A network file system's connection, or a timed-out request.
  const kind = requestFaultKind({ code });
  return new MongosafeError('STORAGE', `${context.doing} ${where} failed: ${messageOf(error)}`, undefined, { cause: error, details: { key, kind } });
}
