import { describe, expect, it } from 'vitest';
import { archiveFlags, archiveOf, parseRestoreHeader, restoreEstimate } from '../../../src/storage/s3/cold-storage.js';

describe('S3 cold storage', () => {
  it('parses the x-amz-restore header', () => {
    expect(parseRestoreHeader(undefined)).toBeUndefined();
    expect(parseRestoreHeader('ongoing-request="true"')).toEqual({ inProgress: true, expiresAt: undefined });
    expect(parseRestoreHeader('ongoing-request="false", expiry-date="Fri, 27 Nov 2026 09:45:03 GMT"')).toEqual({
      inProgress: false,
      expiresAt: new Date('2026-11-27T09:45:03Z'),
    });
    expect(parseRestoreHeader('garbage')).toBeUndefined();
  });

  it('knows which objects must be restored before a read', () => {
    expect(archiveOf('GLACIER')).toBe('GLACIER');
    expect(archiveOf('DEEP_ARCHIVE')).toBe('DEEP_ARCHIVE');
    expect(archiveOf('GLACIER_IR')).toBeUndefined();
    expect(archiveOf('STANDARD_IA')).toBeUndefined();
    expect(archiveOf(undefined)).toBeUndefined();
    expect(archiveOf('INTELLIGENT_TIERING', 'DEEP_ARCHIVE_ACCESS')).toBe('DEEP_ARCHIVE');
    expect(archiveOf('INTELLIGENT_TIERING', 'ARCHIVE_ACCESS')).toBe('GLACIER');
    expect(archiveOf('INTELLIGENT_TIERING')).toBeUndefined();
  });

  it('archived until a restore has finished', () => {
    expect(archiveFlags('GLACIER', undefined)).toEqual({ archived: true, restoreInProgress: false });
    expect(archiveFlags('GLACIER', { inProgress: true })).toEqual({ archived: true, restoreInProgress: true });
    expect(archiveFlags('GLACIER', { inProgress: false })).toEqual({ archived: false, restoreInProgress: false });
    expect(archiveFlags('STANDARD', undefined)).toEqual({ archived: false, restoreInProgress: false });
  });

  it('estimates retrieval times by archive and tier', () => {
    expect(restoreEstimate('GLACIER', 'Expedited')).toBe('1-5 minutes (GLACIER, Expedited tier)');
    expect(restoreEstimate('GLACIER', 'Standard')).toBe('3-5 hours (GLACIER, Standard tier)');
    expect(restoreEstimate('GLACIER', 'Bulk')).toBe('5-12 hours (GLACIER, Bulk tier)');
    expect(restoreEstimate('DEEP_ARCHIVE', 'Standard')).toBe('up to 12 hours (DEEP_ARCHIVE, Standard tier)');
    expect(restoreEstimate('DEEP_ARCHIVE', 'Bulk')).toBe('up to 48 hours (DEEP_ARCHIVE, Bulk tier)');
    expect(() => restoreEstimate('DEEP_ARCHIVE', 'Expedited')).toThrow('the Expedited retrieval tier is not available for DEEP_ARCHIVE');
  });
});
