import { describe, expect, it } from 'vitest';
import { MongosafeError } from '../../../src/errors.js';
import { translateFsError } from '../../../src/storage/local/fs-errors.js';
import { translateS3Error } from '../../../src/storage/s3/s3-errors.js';

/** An error shaped like the AWS SDK v3's service exceptions. */
function awsError(name: string, status?: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status }, ...extra });
}

function errnoError(code: string): Error {
  return Object.assign(new Error(`${code}: something`), { code });
}

const put = {
  doing: 'writing',
  action: 's3:PutObject',
  resource: 'arn:aws:s3:::bucket/app/*',
  target: 's3://bucket/app/data/x',
  key: 'data/x',
  kmsAction: 'kms:GenerateDataKey',
};

/** The `details` of a translated error, for programs that branch on them. */
function detailsOf(error: Error): unknown {
  return error instanceof MongosafeError ? error.details : undefined;
}

describe('S3 error translation', () => {
  it('access denied is AUTH naming the permission and resource (and the KMS key when used)', () => {
    const error = translateS3Error(awsError('AccessDenied', 403), put);
    expect(error).toMatchObject({ code: 'AUTH', hint: 'grant s3:PutObject on arn:aws:s3:::bucket/app/*' });
    expect(error.cause).toBeInstanceOf(Error);
    expect(translateS3Error(awsError('AccessDenied', 403), { ...put, kmsKeyId: 'alias/k' })).toMatchObject({
      hint: 'grant s3:PutObject on arn:aws:s3:::bucket/app/* and kms:GenerateDataKey on KMS key alias/k',
    });
    expect(translateS3Error(awsError('Forbidden', 403), put)).toMatchObject({ code: 'AUTH' });
  });

  it('maps the other well-known answers', () => {
    expect(translateS3Error(awsError('NoSuchBucket', 404), put)).toMatchObject({ code: 'NOT_FOUND', hint: 'check the destination URL, or create the bucket (infra/terraform/modules/mongodb-backup)' });
    expect(translateS3Error(awsError('NoSuchKey', 404), put)).toMatchObject({ code: 'NOT_FOUND', message: 's3://bucket/app/data/x not found' });
    expect(translateS3Error(awsError('PreconditionFailed', 412), put)).toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(translateS3Error(awsError('InvalidAccessKeyId', 403), put)).toMatchObject({ code: 'AUTH', message: 'writing s3://bucket/app/data/x failed: the AWS credentials were rejected (InvalidAccessKeyId)' });
    expect(translateS3Error(awsError('ExpiredToken', 400), put)).toMatchObject({ code: 'AUTH', message: 'writing s3://bucket/app/data/x failed: the AWS session has expired' });
    expect(translateS3Error(awsError('CredentialsProviderError'), put)).toMatchObject({ code: 'AUTH' });
    expect(translateS3Error(new Error('Region is missing'), put)).toMatchObject({ code: 'CONFIG', hint: 'set AWS_REGION (or a region in ~/.aws/config)' });
    expect(translateS3Error(awsError('AbortError'), put)).toMatchObject({ code: 'ABORTED' });
    expect(translateS3Error(awsError('InvalidObjectState', 403, { StorageClass: 'DEEP_ARCHIVE' }), put)).toMatchObject({
      code: 'STORAGE',
      message: 'object s3://bucket/app/data/x is in DEEP_ARCHIVE and must be restored before it can be read',
    });
  });

  it('server and network failures are STORAGE, the latter with a hint', () => {
    expect(translateS3Error(awsError('InternalError', 500), put)).toMatchObject({ code: 'STORAGE', message: 'writing s3://bucket/app/data/x failed: InternalError: InternalError happened (HTTP 500)', hint: undefined });
    expect(translateS3Error(errnoError('ECONNREFUSED'), put)).toMatchObject({ code: 'STORAGE', hint: 'check the network path to S3 (and AWS_ENDPOINT_URL when set)' });
  });

  it('passes our own errors through', () => {
    const ours = new MongosafeError('SOURCE', 'cursor died');
    expect(translateS3Error(ours, put)).toBe(ours);
  });

  it('details carry the storage key and the kind of cause', () => {
    const cases: Array<[Error, unknown]> = [
      [awsError('AccessDenied', 403), { key: 'data/x', kind: 'permission' }],
      [awsError('InvalidAccessKeyId', 403), { key: 'data/x', kind: 'permission' }],
      [awsError('CredentialsProviderError'), { key: 'data/x', kind: 'permission' }],
      [awsError('NoSuchKey', 404), { key: 'data/x', kind: 'not-found' }],
      [awsError('NoSuchBucket', 404), { key: 'data/x', kind: 'not-found' }],
      [awsError('SlowDown', 503), { key: 'data/x', kind: 'throttled' }],
      [awsError('ServiceUnavailable', 503), { key: 'data/x', kind: 'throttled' }],
      [awsError('TooManyRequests', 429), { key: 'data/x', kind: 'throttled' }],
      [awsError('InternalError', 500), { key: 'data/x', kind: 'network' }],
      [errnoError('ECONNRESET'), { key: 'data/x', kind: 'network' }],
      [errnoError('ECONNREFUSED'), { key: 'data/x', kind: 'network' }],
      [awsError('TimeoutError'), { key: 'data/x', kind: 'timeout' }],
      [awsError('RequestTimeout', 400), { key: 'data/x', kind: 'timeout' }],
      [awsError('AbortError'), { key: 'data/x', kind: 'aborted' }],
      [awsError('PreconditionFailed', 412), { key: 'data/x' }],
      [awsError('InvalidObjectState', 403, { StorageClass: 'GLACIER' }), { key: 'data/x' }],
    ];
    for (const [error, details] of cases) expect(detailsOf(translateS3Error(error, put)), error.name).toEqual(details);
    // A listing touches no one key.
    expect(detailsOf(translateS3Error(awsError('AccessDenied', 403), { ...put, key: undefined }))).toEqual({ kind: 'permission' });
  });

  it('details are JSON-safe: toJSON gives code, message, hint and details', () => {
    const json = JSON.parse(JSON.stringify(translateS3Error(awsError('SlowDown', 503), put))) as unknown;
    expect(json).toEqual({ code: 'STORAGE', message: 'writing s3://bucket/app/data/x failed: SlowDown: SlowDown happened (HTTP 503)', details: { key: 'data/x', kind: 'throttled' } });
  });
});

describe('file system error translation', () => {
  const context = { doing: 'writing', target: 'data/x', key: 'data/x', displayUrl: 'file:///b' };

  it('a file-size limit is STORAGE, told apart from a full disk', () => {
    expect(translateFsError(errnoError('EFBIG'), context)).toMatchObject({
      code: 'STORAGE',
      message: expect.stringMatching(/failed: the file grew past what this system allows \(EFBIG\)/) as unknown,
    });
  });

  it('a full disk is STORAGE with a hint, whatever the errno', () => {
    for (const code of ['ENOSPC', 'EDQUOT']) {
      expect(translateFsError(errnoError(code), context)).toMatchObject({
        code: 'STORAGE',
        message: `writing data/x in file:///b failed: the disk is full (${code})`,
        hint: 'free space on that disk (prune old backups) or choose another destination; nothing partial was kept',
      });
    }
  });

  it('maps missing, refused and read-only', () => {
    expect(translateFsError(errnoError('ENOENT'), context)).toMatchObject({ code: 'NOT_FOUND' });
    expect(translateFsError(errnoError('EACCES'), context)).toMatchObject({ code: 'AUTH' });
    expect(translateFsError(errnoError('EROFS'), context)).toMatchObject({ code: 'STORAGE', hint: 'choose a writable destination' });
    expect(translateFsError(errnoError('EIO'), context)).toMatchObject({ code: 'STORAGE', message: 'writing data/x in file:///b failed: EIO: something' });
    expect(translateFsError(Object.assign(new Error('aborted'), { name: 'AbortError' }), context)).toMatchObject({ code: 'ABORTED' });
  });

  it('details carry the key and the kind of cause', () => {
    const cases: Array<[Error, unknown]> = [
      [errnoError('ENOENT'), { key: 'data/x', kind: 'not-found' }],
      [errnoError('EACCES'), { key: 'data/x', kind: 'permission' }],
      [errnoError('EPERM'), { key: 'data/x', kind: 'permission' }],
      [errnoError('EROFS'), { key: 'data/x', kind: 'permission' }],
      [errnoError('ETIMEDOUT'), { key: 'data/x', kind: 'timeout' }],
      [errnoError('ECONNRESET'), { key: 'data/x', kind: 'network' }],
      [errnoError('ENOSPC'), { key: 'data/x' }],
      [errnoError('EIO'), { key: 'data/x' }],
      [Object.assign(new Error('aborted'), { name: 'AbortError' }), { key: 'data/x', kind: 'aborted' }],
    ];
    for (const [error, details] of cases) expect(detailsOf(translateFsError(error, context)), error.message).toEqual(details);
    expect(detailsOf(translateFsError(errnoError('EACCES'), { ...context, key: undefined, target: 'the folder' }))).toEqual({ kind: 'permission' });
  });
});
