import {
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectsV2Command,
  RestoreObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { MongosafeError } from '../../errors.js';
import { throwIfAborted } from '../../util/abort.js';
import { type Body, translateReadable } from '../body.js';
import { notFoundError } from '../common-errors.js';
import { assertValidKey, assertValidPrefix } from '../key.js';
import type { ObjectInfo, ObjectLockSettings, PutOptions, PutResult, RestoreRequest, Storage, VersionedRead } from '../storage.js';
import { archiveFlags, archiveOf, parseRestoreHeader, type RestoreTier, restoreEstimate } from './cold-storage.js';
import { type ObjectParams, uploadObject } from './multipart-upload.js';
import { planParts } from './part-size.js';
import { awsErrorShape, type S3ErrorContext, translateS3Error } from './s3-errors.js';
import { sharedS3Client } from './s3-client.js';

export interface S3StorageOptions {
  /** Defaults to one shared client configured from the environment (s3-client.ts). */
  client?: S3Client;
  /** Encrypt with SSE-KMS under this key (id, ARN or alias) and an S3 Bucket Key; default SSE-S3 (AES256). */
  kmsKeyId?: string;
  /** Smallest multipart part, at least 5 MiB (S3's minimum); default 8 MiB. */
  minPartBytes?: number;
  /** Parts uploaded at once; default 3. */
  queueSize?: number;
}

/** Objects under `s3://bucket/prefix/`. */
export class S3Storage implements Storage {
  readonly displayUrl: string;
  private readonly client: S3Client;
  private readonly base: string;

  /** @param prefix without leading or trailing '/'; '' for the bucket's root */
  constructor(
    readonly bucket: string,
    readonly prefix: string,
    private readonly options: S3StorageOptions = {},
  ) {
    this.client = options.client ?? sharedS3Client();
    this.base = prefix === '' ? '' : `${prefix}/`;
    this.displayUrl = `s3://${bucket}${prefix === '' ? '' : `/${prefix}`}`;
  }

  /**
   * A one-key listing of this prefix rather than HeadBucket: a least-privilege
   * role (the Terraform module's) may list only under its prefix, and
   * HeadBucket, which names no prefix, is refused to it.
   */
  async exists(options: { signal?: AbortSignal } = {}): Promise<boolean> {
    try {
      await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.base, MaxKeys: 1 }), { abortSignal: options.signal });
      return true;
    } catch (error) {
      const shape = awsErrorShape(error);
      if (shape.status === 404 || shape.code === 'NoSuchBucket' || shape.name === 'NoSuchBucket') return false;
      throw translateS3Error(error, this.context('checking', 's3:ListBucket'));
    }
  }

  async put(key: string, body: Body, options: PutOptions): Promise<PutResult> {
    assertValidKey(key);
    const context = this.context('writing', 's3:PutObject', key, 'kms:GenerateDataKey');
    throwIfAborted(options.signal, `writing ${context.target}`);
    const bytes = await uploadObject(
      {
        client: this.client,
        params: {
          ...this.encryption(),
          Bucket: this.bucket,
          Key: this.base + key,
          ContentType: options.contentType,
          ...(options.lock ? { ObjectLockMode: options.lock.mode, ObjectLockRetainUntilDate: options.lock.retainUntil } : {}),
        },
        plan: planParts(options.expectedBytes, this.options.minPartBytes),
        queueSize: this.options.queueSize ?? 3,
        signal: options.signal,
        what: `writing ${context.target}`,
        translate: (error) => translateS3Error(error, context),
      },
      body,
    );
    return { bytes };
  }

  async get(key: string, options: { signal?: AbortSignal } = {}): Promise<Readable> {
    return (await this.getFrom(key, { start: 0, signal: options.signal })).body;
  }

  /**
   * A GetObject from byte `start` (Range) of the version whose ETag is `version` (If-Match): S3
   * answers 412 rather than bytes of an object that was replaced meanwhile.
   */
  async getFrom(key: string, options: { start: number; version?: string; signal?: AbortSignal }): Promise<VersionedRead> {
    assertValidKey(key);
    const context = this.context('reading', 's3:GetObject', key, 'kms:Decrypt');
    try {
      const response = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.base + key,
          // No Range from byte 0: S3 refuses any range of an empty object (416).
          Range: options.start > 0 ? `bytes=${options.start}-` : undefined,
          IfMatch: options.version,
        }),
        { abortSignal: options.signal },
      );
      // The Node runtime of the SDK answers with an http.IncomingMessage.
      if (!(response.Body instanceof Readable)) throw new Error('S3 GetObject returned no readable body');
      const body = translateReadable(response.Body, options.signal, `reading ${context.target}`, (error) => translateS3Error(error, context));
      return { body, version: response.ETag };
    } catch (error) {
      if (options.version !== undefined && awsErrorShape(error).status === 412) {
        throw new MongosafeError('STORAGE', `reading ${context.target} failed: the object was replaced while it was being read`, 'run the command again', {
          cause: error,
          details: { key },
        });
      }
      throw translateS3Error(error, context);
    }
  }

  async head(key: string, options: { signal?: AbortSignal } = {}): Promise<ObjectInfo | undefined> {
    assertValidKey(key);
    const output = await this.headObject(key, options.signal);
    if (output === undefined) return undefined;
    const storageClass = output.StorageClass ?? 'STANDARD';
    return {
      key,
      bytes: output.ContentLength ?? 0,
      lastModified: output.LastModified ?? new Date(0),
      storageClass,
      ...archiveFlags(storageClass, parseRestoreHeader(output.Restore), output.ArchiveStatus),
      ...(output.ObjectLockMode && output.ObjectLockRetainUntilDate ? { lock: { mode: output.ObjectLockMode, retainUntil: output.ObjectLockRetainUntilDate } } : {}),
    };
  }

  /** GetObjectLockConfiguration: undefined for a bucket created without Object Lock. */
  async objectLock(options: { signal?: AbortSignal } = {}): Promise<ObjectLockSettings | undefined> {
    try {
      const { ObjectLockConfiguration: config } = await this.client.send(new GetObjectLockConfigurationCommand({ Bucket: this.bucket }), { abortSignal: options.signal });
      if (config?.ObjectLockEnabled !== 'Enabled') return undefined;
      const rule = config.Rule?.DefaultRetention;
      const days = (rule?.Days ?? 0) + (rule?.Years ?? 0) * 365;
      return rule?.Mode && days > 0 ? { defaultRetention: { mode: rule.Mode, days } } : {};
    } catch (error) {
      if (awsErrorShape(error).name === 'ObjectLockConfigurationNotFoundError') return undefined;
      throw translateS3Error(error, this.context('reading the Object Lock configuration of', 's3:GetBucketObjectLockConfiguration'));
    }
  }

  /**
   * In key order (S3 lists UTF-8 binary order). Uploads in progress are not
   * objects yet, so they never show. For archived objects the restore state
   * comes from RestoreStatus where the server supports it (moto does not).
   */
  async *list(prefix: string, options: { signal?: AbortSignal } = {}): AsyncIterable<ObjectInfo> {
    assertValidPrefix(prefix);
    const context = this.context('listing', 's3:ListBucket');
    let token: string | undefined;
    do {
      const page = await this.client
        .send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.base + prefix,
            ContinuationToken: token,
            OptionalObjectAttributes: ['RestoreStatus'],
          }),
          { abortSignal: options.signal },
        )
        .catch((error: unknown) => {
          throw translateS3Error(error, context);
        });
      for (const object of page.Contents ?? []) {
        const key = object.Key?.slice(this.base.length);
        // '' and 'folder/': console-made folder markers, not objects of ours.
        if (key === undefined || key === '' || key.endsWith('/')) continue;
        const storageClass = object.StorageClass ?? 'STANDARD';
        const restore = object.RestoreStatus
          ? { inProgress: object.RestoreStatus.IsRestoreInProgress === true, expiresAt: object.RestoreStatus.RestoreExpiryDate }
          : undefined;
        yield { key, bytes: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0), storageClass, ...archiveFlags(storageClass, restore) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async delete(key: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    assertValidKey(key);
    try {
      // S3 answers 204 for a missing key too.
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.base + key }), { abortSignal: options.signal });
    } catch (error) {
      throw translateS3Error(error, this.context('deleting', 's3:DeleteObject', key));
    }
  }

  /**
   * Asks S3 for a temporary readable copy of an archived object (RestoreObject)
   * and says how long it takes. Idempotent: an object that is not archived, or
   * already restored, is `ready`; a restore already under way is not an error.
   */
  async requestRestore(
    key: string,
    options: { days: number; tier?: RestoreTier; signal?: AbortSignal },
  ): Promise<RestoreRequest> {
    assertValidKey(key);
    const context = this.context('restoring', 's3:RestoreObject', key);
    const output = await this.headObject(key, options.signal);
    if (output === undefined) throw notFoundError(context.target, key);
    const archive = archiveOf(output.StorageClass, output.ArchiveStatus);
    if (archive === undefined) return { ready: true, estimate: 'not archived: readable now' };
    const restore = parseRestoreHeader(output.Restore);
    if (restore && !restore.inProgress) {
      const until = restore.expiresAt ? ` until ${restore.expiresAt.toISOString()}` : '';
      return { ready: true, estimate: `restored copy readable${until}` };
    }
    const tier = options.tier ?? 'Standard';
    const estimate = restoreEstimate(archive, tier);
    if (restore?.inProgress) return { ready: false, estimate };
    try {
      const response = await this.client.send(
        new RestoreObjectCommand({
          Bucket: this.bucket,
          Key: this.base + key,
          RestoreRequest: {
            // Intelligent-Tiering archive tiers restore in place and refuse Days.
            Days: output.StorageClass === 'INTELLIGENT_TIERING' ? undefined : options.days,
            GlacierJobParameters: { Tier: tier },
          },
        }),
        { abortSignal: options.signal },
      );
      // 200: a restored copy already exists; 202: the restore has started.
      return { ready: response.$metadata.httpStatusCode === 200, estimate };
    } catch (error) {
      const shape = awsErrorShape(error);
      if (shape.name === 'RestoreAlreadyInProgress') return { ready: false, estimate };
      // S3-compatible stores without archive tiers (SeaweedFS, MinIO) keep a storage class
      // as a label and refuse RestoreObject: there is nothing to wait for, the bytes are there.
      if (shape.status === 405 || shape.status === 501) {
        const refused = `${shape.name}, HTTP ${shape.status}`;
        return { ready: true, estimate: `no archive tier here: RestoreObject is not supported by this S3 endpoint (${refused}), so ${archive} is only a label; readable as it is` };
      }
      throw translateS3Error(error, context);
    }
  }

  private async headObject(key: string, signal: AbortSignal | undefined): Promise<HeadObjectCommandOutput | undefined> {
    try {
      return await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.base + key }), { abortSignal: signal });
    } catch (error) {
      const shape = awsErrorShape(error);
      if (shape.status === 404 && shape.name !== 'NoSuchBucket') return undefined;
      // Without s3:ListBucket, S3 answers 403 (not 404) for a missing key: name both.
      throw translateS3Error(error, { ...this.context('reading', 's3:GetObject (and s3:ListBucket on the bucket)', key), kmsAction: 'kms:Decrypt' });
    }
  }

  private encryption(): Pick<ObjectParams, 'ServerSideEncryption' | 'SSEKMSKeyId' | 'BucketKeyEnabled'> {
    const { kmsKeyId } = this.options;
    return kmsKeyId
      ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kmsKeyId, BucketKeyEnabled: true }
      : { ServerSideEncryption: 'AES256' };
  }

  private context(doing: string, action: string, key?: string, kmsAction?: string): S3ErrorContext {
    return {
      doing,
      action,
      resource: key === undefined ? `arn:aws:s3:::${this.bucket}` : `arn:aws:s3:::${this.bucket}/${this.base}*`,
      target: key === undefined ? this.displayUrl : `s3://${this.bucket}/${this.base}${key}`,
      key,
      kmsKeyId: this.options.kmsKeyId,
      kmsAction,
    };
  }
}
