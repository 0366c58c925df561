// S3 against moto: the contract, then what only S3 has (multipart, SSE,
// checksums, Glacier). One bucket for this file.
import {
  CreateBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { isMongosafeError } from '../../src/errors.js';
import { openStorage } from '../../src/storage/registry.js';
import { s3ClientConfig } from '../../src/storage/s3/s3-client.js';
import { S3Storage } from '../../src/storage/s3/s3-storage.js';
import { testServices, uniqueName } from '../helpers/services.js';
import { bytesBody, digest, failingBody, patternBody, readAll, stallingBody } from './bodies.js';
import { describeStorageContract, expectCode } from './storage.contract.js';

testServices();
const MiB = 1024 * 1024;
const bucket = uniqueName('mongosafe-s3').toLowerCase().replace(/_/g, '-');
const client = new S3Client(s3ClientConfig());

beforeAll(async () => {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
});

describeStorageContract('s3', () => openStorage(`s3://${bucket}/contract/`), {
  secrets: () => [process.env.AWS_SECRET_ACCESS_KEY ?? '', process.env.AWS_ACCESS_KEY_ID ?? ''].filter((value) => value.length >= 4),
});

/** Uploads still in progress under a key prefix: parts that would cost money for ever. */
async function uploadsInProgress(prefix: string): Promise<string[]> {
  const output = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
  return (output.Uploads ?? []).map((upload) => upload.Key ?? '');
}

describe('s3 storage', () => {
  // 5 MiB parts (S3's minimum) so that a few MiB make several parts.
  const storage = (prefix: string, options: { kmsKeyId?: string } = {}) =>
    new S3Storage(bucket, prefix, { client, minPartBytes: 5 * MiB, ...options });

  it('a body bigger than one part becomes one object by multipart upload', async () => {
    const s3 = storage('multipart');
    const total = 20 * MiB + 1;
    const source = patternBody(total, 11);
    expect((await s3.put('data/big', source.body, { ifAbsent: true })).bytes).toBe(total);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'multipart/data/big' }));
    expect(head.ETag).toMatch(/-5"$/); // 4 parts of 5 MiB and a last one of 1 byte
    expect(head.ContentLength).toBe(total);
    expect(await digest(await s3.get('data/big'))).toEqual({ sha256: source.sha256(), bytes: total });
    expect(await uploadsInProgress('multipart/')).toEqual([]);
  });

  it('an aborted multipart upload leaves no object and no upload in progress', async () => {
    const s3 = storage('aborted');
    const { body, stalled } = stallingBody(12 * MiB);
    const controller = new AbortController();
    const put = s3.put('data/archive', body, { ifAbsent: true, signal: controller.signal });
    await stalled;
    expect(await uploadsInProgress('aborted/')).toEqual(['aborted/data/archive']);
    // Parts uploaded so far are not an object: neither listed nor readable.
    expect(await s3.list('')[Symbol.asyncIterator]().next()).toEqual({ done: true, value: undefined });
    expect(await s3.head('data/archive')).toBeUndefined();
    controller.abort();
    await expectCode(put, 'ABORTED');
    expect(await uploadsInProgress('aborted/')).toEqual([]);
    expect(await s3.head('data/archive')).toBeUndefined();
  });

  it('a body that fails mid-upload leaves no upload in progress', async () => {
    const s3 = storage('failing');
    const failure = new Error('mongod went away');
    await expect(s3.put('data/archive', failingBody(12 * MiB, failure), { ifAbsent: true })).rejects.toBe(failure);
    expect(await uploadsInProgress('failing/')).toEqual([]);
  });

  it('never overwrites with a multipart upload either (If-None-Match on Complete), and cleans up', async () => {
    const s3 = storage('exists');
    await s3.put('data/archive', bytesBody('original'), { ifAbsent: true });
    await expectCode(s3.put('data/archive', patternBody(11 * MiB).body, { ifAbsent: true }), 'ALREADY_EXISTS');
    expect((await readAll(await s3.get('data/archive'))).toString()).toBe('original');
    expect(await uploadsInProgress('exists/')).toEqual([]);
  });

  it('encrypts with SSE-S3 by default and SSE-KMS (with a Bucket Key) when given a key', async () => {
    await storage('sse').put('small', bytesBody('x'), { ifAbsent: true });
    await storage('sse').put('large', patternBody(6 * MiB).body, { ifAbsent: true });
    await storage('sse', { kmsKeyId: 'alias/mongosafe-test' }).put('kms', bytesBody('x'), { ifAbsent: true });
    const head = (key: string) => client.send(new HeadObjectCommand({ Bucket: bucket, Key: `sse/${key}`, ChecksumMode: 'ENABLED' }));
    expect((await head('small')).ServerSideEncryption).toBe('AES256');
    expect((await head('large')).ServerSideEncryption).toBe('AES256');
    const kms = await head('kms');
    expect(kms.ServerSideEncryption).toBe('aws:kms');
    expect(kms.SSEKMSKeyId).toBe('alias/mongosafe-test');
    expect(kms.BucketKeyEnabled).toBe(true);
    // The SDK's default CRC32 reached the server (moto stores it; it does not verify it).
    expect((await head('small')).ChecksumCRC32).toMatch(/^[A-Za-z0-9+/]{6}==$/);
  });

  it('reports GLACIER objects as archived, refuses to read them with a hint, and restores them', async () => {
    const s3 = storage('cold');
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'cold/data/old', Body: 'frozen', StorageClass: 'GLACIER' }));
    expect(await s3.head('data/old')).toMatchObject({ storageClass: 'GLACIER', archived: true, restoreInProgress: false });
    const listed = await s3.list('data/')[Symbol.asyncIterator]().next();
    expect(listed.value).toMatchObject({ key: 'data/old', storageClass: 'GLACIER', archived: true });

    const error = await expectCode(s3.get('data/old'), 'STORAGE');
    expect(error.message).toContain(`object s3://${bucket}/cold/data/old is in GLACIER`);
    expect(isMongosafeError(error) && error.hint).toContain('--wait');

    // Real S3 answers 202 and takes hours; moto answers 202 and has the copy ready at once.
    expect(await s3.requestRestore('data/old', { days: 1 })).toEqual({ ready: false, estimate: '3-5 hours (GLACIER, Standard tier)' });
    expect(await s3.head('data/old')).toMatchObject({ storageClass: 'GLACIER', archived: false, restoreInProgress: false });
    expect((await readAll(await s3.get('data/old'))).toString()).toBe('frozen');
    const again = await s3.requestRestore('data/old', { days: 1 });
    expect(again.ready).toBe(true);
    expect(again.estimate).toMatch(/^restored copy readable until \d{4}-/);
  });

  it('requestRestore: DEEP_ARCHIVE has no Expedited tier; standard objects are ready; missing ones NOT_FOUND', async () => {
    const s3 = storage('deep');
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'deep/a', Body: 'x', StorageClass: 'DEEP_ARCHIVE' }));
    await expectCode(s3.requestRestore('a', { days: 1, tier: 'Expedited' }), 'USAGE');
    expect(await s3.requestRestore('a', { days: 2, tier: 'Bulk' })).toEqual({ ready: false, estimate: 'up to 48 hours (DEEP_ARCHIVE, Bulk tier)' });
    await s3.put('b', bytesBody('x'), { ifAbsent: true });
    expect(await s3.requestRestore('b', { days: 1 })).toEqual({ ready: true, estimate: 'not archived: readable now' });
    await expectCode(s3.requestRestore('c', { days: 1 }), 'NOT_FOUND');
  });

  it('a missing bucket: exists() is false, reads are NOT_FOUND with a hint', async () => {
    const missing = new S3Storage(`${bucket}-missing`, '', { client });
    expect(await missing.exists()).toBe(false);
    expect(await storage('').exists()).toBe(true);
    const error = await expectCode(missing.get('x'), 'NOT_FOUND');
    expect(isMongosafeError(error) && error.hint).toContain('create the bucket');
    // HEAD answers have no body, so S3 cannot say which is missing, key or bucket.
    expect(await missing.head('x')).toBeUndefined();
    await expectCode(missing.list('')[Symbol.asyncIterator]().next(), 'NOT_FOUND');
    await expectCode(missing.put('x', bytesBody('x'), { ifAbsent: true }), 'NOT_FOUND');
  });
});
