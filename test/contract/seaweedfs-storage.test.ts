// The storage contract on SeaweedFS's S3 gateway: a second real S3, so that
// what passes only because moto is lenient shows. Skips loudly (with the
// reason) when SeaweedFS could not be built on this machine.
import { CreateBucketCommand, HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { isMongosafeError } from '../../src/errors.js';
import { s3ClientConfig } from '../../src/storage/s3/s3-client.js';
import { S3Storage } from '../../src/storage/s3/s3-storage.js';
import { testServices, uniqueName } from '../helpers/services.js';
import { bytesBody, patternBody, readAll } from './bodies.js';
import { describeStorageContract, expectCode } from './storage.contract.js';

const services = testServices();
const endpoint = services.seaweedfsEndpoint;
const bucket = uniqueName('mongosafe-weed').toLowerCase().replace(/_/g, '-');

/** A client as mongosafe makes one for a user who sets AWS_ENDPOINT_URL_S3 (moto's AWS_ENDPOINT_URL stays, as S3's overrides it). */
function seaweedClient(url: string): S3Client {
  return new S3Client(s3ClientConfig({ ...process.env, AWS_ENDPOINT_URL_S3: url }));
}

if (endpoint === undefined) {
  const reason = services.seaweedfsUnavailable ?? 'SEAWEEDFS_S3_ENDPOINT is not set';
  console.error(`NOTICE: the storage contract on SeaweedFS is skipped: ${reason}`);
  describe.skip(`storage contract: s3 on SeaweedFS (skipped: ${reason})`, () => {
    it('needs SeaweedFS', () => {});
  });
} else {
  const client = seaweedClient(endpoint);
  beforeAll(async () => {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  describeStorageContract('s3 on SeaweedFS', () => Promise.resolve(new S3Storage(bucket, 'contract', { client })), {
    secrets: () => ['testing'],
  });

  describe('s3 on SeaweedFS, beyond the contract', () => {
    it('the contract ran on SeaweedFS, not on moto (AWS_ENDPOINT_URL_S3 reached the client)', async () => {
      const direct = new S3Client({ ...s3ClientConfig({}), endpoint, forcePathStyle: true });
      const moto = new S3Client(s3ClientConfig({ ...process.env, AWS_ENDPOINT_URL_S3: undefined }));
      expect((await direct.send(new HeadBucketCommand({ Bucket: bucket }))).$metadata.httpStatusCode).toBe(200);
      await expect(moto.send(new HeadBucketCommand({ Bucket: bucket }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    });

    it('never overwrites with a multipart upload either (If-None-Match on Complete)', async () => {
      const storage = new S3Storage(bucket, 'exists', { client, minPartBytes: 5 * 1024 * 1024 });
      await storage.put('data/archive', bytesBody('original'), { ifAbsent: true });
      await expectCode(storage.put('data/archive', patternBody(11 * 1024 * 1024).body, { ifAbsent: true }), 'ALREADY_EXISTS');
      expect((await readAll(await storage.get('data/archive'))).toString()).toBe('original');
    });

    // SeaweedFS keeps a storage class as a label and has no RestoreObject (405): there is no archive tier to wait for.
    it('GLACIER without RestoreObject: the restore request says so and the object is readable as it is', async () => {
      const storage = new S3Storage(bucket, 'cold', { client });
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'cold/data/old', Body: 'frozen', StorageClass: 'GLACIER' }));
      expect(await storage.head('data/old')).toMatchObject({ storageClass: 'GLACIER', archived: true });
      const request = await storage.requestRestore('data/old', { days: 1 });
      expect(request).toEqual({ ready: true, estimate: expect.stringContaining('RestoreObject is not supported by this S3 endpoint') as unknown });
      expect((await readAll(await storage.get('data/old'))).toString()).toBe('frozen');
    });

    // SeaweedFS without a KMS answers SSE-KMS writes with a bare InternalError (500).
    it('SSE-KMS on a store without KMS: the error names the KMS key as the likely cause', async () => {
      const storage = new S3Storage(bucket, 'kms', { client, kmsKeyId: 'alias/mongosafe-test' });
      const error = await expectCode(storage.put('data/archive', bytesBody('x'), { ifAbsent: true }), 'STORAGE');
      expect(error.message).toMatch(/^writing s3:\/\/\S+\/kms\/data\/archive failed: InternalError/);
      expect(isMongosafeError(error) && error.hint).toContain('--kms-key alias/mongosafe-test');
      expect(await storage.head('data/archive')).toBeUndefined();
    });
  });
}
