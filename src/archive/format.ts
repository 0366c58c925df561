/**
 * Constants of the archive's byte layout and the error every malformed input becomes.
 * Values and their reasons: SPEC.md beside this file.
 */
import { MongosafeError, type CauseKind } from '../errors.js';

/** The first four bytes of every archive (SPEC.md "Layout"). */
export const ARCHIVE_MAGIC: readonly number[] = [0x6d, 0xe2, 0x99, 0x81];

/** Ends the prelude, every data segment and every EOF block (SPEC.md "Framing"). */
export const TERMINATOR = 0xffffffff;
export const TERMINATOR_BYTES: Uint8Array = new Uint8Array([0xff, 0xff, 0xff, 0xff]);

/** The smallest BSON document, `{}`: length prefix and trailing NUL. */
export const MIN_DOCUMENT_BYTES = 5;

/** The largest document we write: mongorestore's archive parser refuses anything bigger. */
export const MAX_WRITE_DOCUMENT_BYTES = 16 * 1024 * 1024;

/** The largest document we read: the server's limit for oplog entries (SPEC.md "Framing"). */
export const MAX_READ_DOCUMENT_BYTES = 16 * 1024 * 1024 + 16 * 1024;

/** The only archive format version there is; nobody compares it. */
export const ARCHIVE_FORMAT_VERSION = '0.1';

/** Where in the archive a problem was found. */
export interface ArchivePosition {
  /** Byte offset in the uncompressed archive stream. */
  offset: number;
  /** "db.collection", when the problem belongs to one namespace. */
  namespace?: string;
}

/**
 * A CORRUPT error whose message says what is wrong, in which namespace, at which byte; its
 * details name the namespace and the kind: `invalid` framing unless told (`checksum` for a CRC).
 */
export function corruptArchive(problem: string, at: ArchivePosition, hint?: string, more: { cause?: unknown; kind?: CauseKind } = {}): MongosafeError {
  const where = at.namespace === undefined ? `at byte ${at.offset}` : `in namespace ${at.namespace} at byte ${at.offset}`;
  return new MongosafeError(
    'CORRUPT',
    `archive is corrupt: ${problem} (${where})`,
    hint ?? 'the archive is damaged or incomplete; restore from another backup',
    { ...(more.cause === undefined ? {} : { cause: more.cause }), details: { namespace: at.namespace, kind: more.kind ?? 'invalid' } },
  );
}

/** Little-endian int32 at `offset`, as the signed value. */
export function readInt32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] ?? 0) | ((bytes[offset + 1] ?? 0) << 8) | ((bytes[offset + 2] ?? 0) << 16) | ((bytes[offset + 3] ?? 0) << 24));
}
