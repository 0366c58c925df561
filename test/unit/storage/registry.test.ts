import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMongosafeError } from '../../../src/errors.js';
import { openStorage, parseDestination } from '../../../src/storage/registry.js';

function usageError(run: () => unknown): { message: string; hint?: string } {
  try {
    run();
  } catch (error) {
    if (isMongosafeError(error, 'USAGE')) return error;
    throw error;
  }
  throw new Error('expected a USAGE error');
}

describe('destination URLs', () => {
  it('plain paths, relative to the working folder', () => {
    expect(parseDestination('./backups', '/work')).toEqual({ kind: 'local', path: '/work/backups' });
    expect(parseDestination('backups', '/work')).toEqual({ kind: 'local', path: '/work/backups' });
    expect(parseDestination('/var/backups/', '/work')).toEqual({ kind: 'local', path: '/var/backups' });
    expect(parseDestination('  /var/b  ')).toEqual({ kind: 'local', path: '/var/b' });
    expect(parseDestination('x')).toEqual({ kind: 'local', path: resolve('x') });
  });

  it('file:// URLs, decoded', () => {
    expect(parseDestination('file:///var/backups')).toEqual({ kind: 'local', path: '/var/backups' });
    expect(parseDestination('FILE:///var/my%20backups')).toEqual({ kind: 'local', path: '/var/my backups' });
    expect(usageError(() => parseDestination('file://remote-host/share')).message).toContain('absolute local path');
  });

  it('s3:// URLs, prefix optional, slashes at its ends ignored', () => {
    expect(parseDestination('s3://my-bucket')).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: '' });
    expect(parseDestination('s3://my-bucket/')).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: '' });
    expect(parseDestination('s3://my-bucket/app/prod/')).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: 'app/prod' });
    expect(parseDestination('s3://my.bucket//app//x')).toEqual({ kind: 's3', bucket: 'my.bucket', prefix: 'app/x' });
  });

  it('refuses bad buckets, dot segments and credentials, without echoing them', () => {
    expect(usageError(() => parseDestination('s3://My_Bucket/x')).message).toContain('not an S3 bucket name');
    expect(usageError(() => parseDestination('s3://b')).message).toContain('not an S3 bucket name');
    expect(usageError(() => parseDestination('s3://bucket/a/../b')).message).toContain("'..'");
    const error = usageError(() => parseDestination('s3://AKIAEXAMPLE:hunter2secret@bucket/x'));
    expect(`${error.message} ${error.hint}`).not.toMatch(/hunter2|AKIA/);
  });

  it('an unknown scheme is USAGE naming the scheme only', () => {
    const error = usageError(() => parseDestination('gs://user:pa55word@bucket/x'));
    expect(error.message).toBe("unsupported destination scheme 'gs://'");
    expect(error.hint).toContain('s3://bucket/prefix');
    expect(usageError(() => parseDestination('   ')).message).toBe('the destination is empty');
  });

  it('openStorage rejects (never throws) and gives credential-free display URLs', async () => {
    await expect(openStorage('ftp://host/x')).rejects.toMatchObject({ code: 'USAGE' });
    expect((await openStorage('s3://bucket/app/')).displayUrl).toBe('s3://bucket/app');
    expect((await openStorage('s3://bucket')).displayUrl).toBe('s3://bucket');
    expect((await openStorage('/var/my backups')).displayUrl).toBe('file:///var/my%20backups');
    expect((await openStorage('rel', { cwd: '/srv' })).displayUrl).toBe('file:///srv/rel');
  });
});
