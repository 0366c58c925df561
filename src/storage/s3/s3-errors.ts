import { MongosafeError } from '../../errors.js';
import { requestFaultKind } from '../cause-kind.js';
import { alreadyExistsError, notFoundError } from '../common-errors.js';

export interface S3ErrorContext {
  /** "writing", "reading", "listing"… for the message. */
  doing: string;
  /** The IAM action the call needs, named in AUTH hints, e.g. "s3:PutObject". */
  action: string;
  /** The IAM resource it needs it on, e.g. "arn:aws:s3:::bucket/prefix/*". */
  resource: string;
  /** What was touched, for people: s3://bucket/key, or the destination. */
  target: string;
  /** The storage key (relative to the destination's prefix), for `details.key`; none for listings. */
  key?: string;
  /** Set when objects are encrypted with this KMS key: AUTH hints then name KMS too. */
  kmsKeyId?: string;
  /** The KMS action the call needs with SSE-KMS (kms:GenerateDataKey, kms:Decrypt). */
  kmsAction?: string;
}

/** The fields the AWS SDK v3 puts on its service errors, read without trusting them. */
export interface AwsErrorShape {
  name: string;
  message: string;
  code?: string;
  status?: number;
}

export function awsErrorShape(error: unknown): AwsErrorShape {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const fields = error as Error & { Code?: unknown; code?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const code = typeof fields.Code === 'string' ? fields.Code : typeof fields.code === 'string' ? fields.code : undefined;
  const status = fields.$metadata?.httpStatusCode;
  return { name: error.name, message: error.message, code, status: typeof status === 'number' ? status : undefined };
}

const BAD_CREDENTIALS = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'UnrecognizedClientException']);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired']);

/**
 * The one place S3 SDK errors become MongosafeErrors (the original is kept as
 * `cause`, which retry.ts reads to tell transient failures apart). `details`
 * carry the key and the kind: permission, not-found, throttled, timeout, network.
 */
export function translateS3Error(error: unknown, context: S3ErrorContext): Error {
  if (error instanceof MongosafeError) return error;
  const shape = awsErrorShape(error);
  const { key } = context;
  const options = { cause: error, details: { key } };
  const refused = { cause: error, details: { key, kind: 'permission' as const } };
  const failed = `${context.doing} ${context.target} failed`;
  const is = (...names: string[]): boolean => names.includes(shape.name) || (shape.code !== undefined && names.includes(shape.code));

  if (is('AbortError')) {
    return new MongosafeError('ABORTED', `${context.doing} ${context.target} was interrupted`, undefined, { cause: error, details: { key, kind: 'aborted' } });
  }
  if (is('CredentialsProviderError')) {
    return new MongosafeError('AUTH', `${failed}: no AWS credentials found`, 'set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run with an IAM role', refused);
  }
  if (/region is missing/i.test(shape.message)) {
    return new MongosafeError('CONFIG', `${failed}: no AWS region configured`, 'set AWS_REGION (or a region in ~/.aws/config)', options);
  }
  if (is('NoSuchBucket')) {
    return new MongosafeError('NOT_FOUND', `${failed}: the bucket does not exist`, 'check the destination URL, or create the bucket (infra/terraform/modules/mongodb-backup)', {
      cause: error,
      details: { key, kind: 'not-found' },
    });
  }
  if (is('NoSuchKey', 'NotFound') || shape.status === 404) {
    return notFoundError(context.target, key, error);
  }
  if (is('PreconditionFailed') || shape.status === 412) {
    return alreadyExistsError(context.target, key, error);
  }
  if (is('InvalidObjectState')) {
    const storageClass = (error as { StorageClass?: unknown }).StorageClass;
    return archivedError(context.target, key, typeof storageClass === 'string' ? storageClass : undefined, error);
  }
  if (is(...BAD_CREDENTIALS)) {
    return new MongosafeError('AUTH', `${failed}: the AWS credentials were rejected (${shape.name})`, 'check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the profile in use', refused);
  }
  if (is(...EXPIRED)) {
    return new MongosafeError('AUTH', `${failed}: the AWS session has expired`, 'refresh the credentials (aws sso login, or new session keys)', refused);
  }
  if (is('AccessDenied', 'AllAccessDisabled', 'Forbidden') || shape.status === 403 || shape.name.startsWith('KMS.')) {
    const kms = context.kmsKeyId && context.kmsAction ? ` and ${context.kmsAction} on KMS key ${context.kmsKeyId}` : '';
    return new MongosafeError('AUTH', `${failed}: access denied`, `grant ${context.action} on ${context.resource}${kms}`, refused);
  }
  const status = shape.status === undefined ? '' : ` (HTTP ${shape.status})`;
  const detail = shape.message && shape.message !== shape.name ? `${shape.name}: ${shape.message}` : shape.name;
  // No HTTP status: the request never got an answer (refused, reset, timed out).
  const hint = shape.status === undefined ? 'check the network path to S3 (and AWS_ENDPOINT_URL when set)' : kmsUnsupportedHint(shape, context);
  const kind = requestFaultKind({ name: shape.name, code: shape.code, status: shape.status });
  return new MongosafeError('STORAGE', `${failed}: ${detail}${status}`, hint, { cause: error, details: { key, kind } });
}

/**
 * S3-compatible stores without a KMS (SeaweedFS without one configured, MinIO
 * without KES) answer SSE-KMS writes with a bare InternalError or NotImplemented,
 * which says nothing of the key: name it as the likely cause.
 */
function kmsUnsupportedHint(shape: AwsErrorShape, context: S3ErrorContext): string | undefined {
  if (!context.kmsKeyId || context.kmsAction !== 'kms:GenerateDataKey') return undefined;
  if (shape.status !== 500 && shape.status !== 501) return undefined;
  return `if this is not AWS S3, the store may not support SSE-KMS: run without --kms-key ${context.kmsKeyId} (objects get SSE-S3), or use --encrypt for client-side encryption`;
}

/** The error for reading an object that sits in a cold storage class. */
export function archivedError(target: string, key: string | undefined, storageClass: string | undefined, cause?: unknown): MongosafeError {
  const where = storageClass ?? 'an archive storage class';
  return new MongosafeError(
    'STORAGE',
    `object ${target} is in ${where} and must be restored before it can be read`,
    "run 'mongosafe restore' with --wait: it asks S3 for a temporary copy and waits for it (GLACIER Standard tier: 3-5 hours, DEEP_ARCHIVE: up to 12 hours)",
    { cause, details: { key } },
  );
}

