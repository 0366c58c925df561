import { MongosafeError } from '../../errors.js';

export type RestoreTier = 'Expedited' | 'Standard' | 'Bulk';

/** Storage classes whose objects must be restored before a GET (Glacier Instant Retrieval needs none). */
const COLD_CLASSES = new Set(['GLACIER', 'DEEP_ARCHIVE']);

/**
 * Retrieval times by archive and tier.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/restoring-objects-retrieval-options.html
 */
const ESTIMATES: Record<'GLACIER' | 'DEEP_ARCHIVE', Partial<Record<RestoreTier, string>>> = {
  GLACIER: { Expedited: '1-5 minutes', Standard: '3-5 hours', Bulk: '5-12 hours' },
  DEEP_ARCHIVE: { Standard: 'up to 12 hours', Bulk: 'up to 48 hours' },
};

/** What the `x-amz-restore` header says. */
export interface RestoreStatus {
  inProgress: boolean;
  /** When the restored copy is removed again (present once the restore finished). */
  expiresAt?: Date;
}

/** Parses `ongoing-request="false", expiry-date="Fri, 27 Nov 2026 09:45:03 GMT"`. */
export function parseRestoreHeader(header: string | undefined): RestoreStatus | undefined {
  if (!header) return undefined;
  const ongoing = /ongoing-request="(true|false)"/.exec(header)?.[1];
  if (ongoing === undefined) return undefined;
  const expiry = /expiry-date="([^"]+)"/.exec(header)?.[1];
  const expiresAt = expiry === undefined ? undefined : new Date(expiry);
  return { inProgress: ongoing === 'true', expiresAt: expiresAt && !Number.isNaN(expiresAt.getTime()) ? expiresAt : undefined };
}

/** Which archive an object is in, if any: its storage class, or Intelligent-Tiering's archive tiers. */
export function archiveOf(storageClass: string | undefined, archiveStatus?: string): 'GLACIER' | 'DEEP_ARCHIVE' | undefined {
  if (archiveStatus === 'DEEP_ARCHIVE_ACCESS') return 'DEEP_ARCHIVE';
  if (archiveStatus === 'ARCHIVE_ACCESS') return 'GLACIER';
  if (storageClass !== undefined && COLD_CLASSES.has(storageClass)) return storageClass as 'GLACIER' | 'DEEP_ARCHIVE';
  return undefined;
}

/** `archived` / `restoreInProgress` for ObjectInfo. */
export function archiveFlags(
  storageClass: string | undefined,
  restore: RestoreStatus | undefined,
  archiveStatus?: string,
): { archived: boolean; restoreInProgress: boolean } {
  const cold = archiveOf(storageClass, archiveStatus) !== undefined;
  const restored = restore !== undefined && !restore.inProgress;
  return { archived: cold && !restored, restoreInProgress: cold && restore?.inProgress === true };
}

/** People-facing wait for a restore, e.g. "3-5 hours (GLACIER, Standard tier)"; USAGE for a tier the archive lacks. */
export function restoreEstimate(archive: 'GLACIER' | 'DEEP_ARCHIVE', tier: RestoreTier): string {
  const time = ESTIMATES[archive][tier];
  if (time === undefined) {
    throw new MongosafeError('USAGE', `the ${tier} retrieval tier is not available for ${archive}`, 'use the Standard or Bulk tier');
  }
  return `${time} (${archive}, ${tier} tier)`;
}
