import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongosafeError } from '../errors.js';
import { LocalStorage } from './local/local-storage.js';
import type { S3StorageOptions } from './s3/s3-storage.js';
import { withRetry } from './retry.js';
import type { Storage } from './storage.js';

/** A parsed destination URL. */
export type Destination = { kind: 'local'; path: string } | { kind: 's3'; bucket: string; prefix: string };

export interface OpenStorageOptions extends Omit<S3StorageOptions, 'client'> {
  /** Folder that relative paths are resolved against; default process.cwd(). */
  cwd?: string;
  /** S3 client to use instead of the shared one configured from the environment. */
  s3Client?: S3StorageOptions['client'];
}

const SUPPORTED = "use a folder path, file:///absolute/path, or s3://bucket/prefix";

// S3 bucket names: 3-63 of a-z 0-9 . - , starting and ending with a letter or digit.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Parses `file:///abs/path`, a plain path (relative ones against `cwd`), or
 * `s3://bucket/prefix` (prefix optional; slashes at its ends ignored).
 * Throws USAGE for anything else, naming only the scheme so that a URL with
 * credentials in it is never echoed.
 */
export function parseDestination(destination: string, cwd: string = process.cwd()): Destination {
  const text = destination.trim();
  if (text === '') throw new MongosafeError('USAGE', 'the destination is empty', SUPPORTED);
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: 'local', path: isAbsolute(text) ? resolve(text) : resolve(cwd, text) };
  if (scheme === 'file') return { kind: 'local', path: filePath(text) };
  if (scheme === 's3') return s3Destination(text.slice('s3://'.length));
  throw new MongosafeError('USAGE', `unsupported destination scheme '${scheme}://'`, SUPPORTED);
}

/**
 * Opens the storage a destination URL names; USAGE for an unusable URL. Nothing
 * is contacted yet: call `exists()` where a missing destination is an error.
 */
export async function openStorage(destination: string, options: OpenStorageOptions = {}): Promise<Storage> {
  return openParsed(parseDestination(destination, options.cwd), options);
}

async function openParsed(destination: Destination, options: OpenStorageOptions): Promise<Storage> {
  if (destination.kind === 'local') return new LocalStorage(destination.path);
  // Loaded on demand: the AWS SDK is a large share of start-up time and memory, and local backups never need it.
  const { S3Storage } = await import('./s3/s3-storage.js');
  // The SDK retries each request; the decorator resumes a download cut midway (retry.ts).
  return withRetry(new S3Storage(destination.bucket, destination.prefix, {
    client: options.s3Client,
    kmsKeyId: options.kmsKeyId,
    minPartBytes: options.minPartBytes,
    queueSize: options.queueSize,
  }));
}

function filePath(url: string): string {
  try {
    return fileURLToPath(url);
  } catch (error) {
    throw new MongosafeError('USAGE', 'a file:// destination must be an absolute local path, e.g. file:///var/backups', SUPPORTED, { cause: error });
  }
}

function s3Destination(rest: string): Destination {
  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  if (authority.includes('@')) {
    throw new MongosafeError('USAGE', 's3:// destinations cannot carry credentials', 'use the AWS credential chain: AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or an IAM role');
  }
  if (!BUCKET.test(authority)) {
    throw new MongosafeError('USAGE', `'${authority}' is not an S3 bucket name`, 'bucket names are 3-63 lowercase letters, digits, dots and hyphens: s3://bucket/prefix');
  }
  const segments = slash === -1 ? [] : rest.slice(slash + 1).split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment === '.' || segment === '..')) {
    throw new MongosafeError('USAGE', `the S3 prefix in s3://${rest} cannot contain '.' or '..'`, SUPPORTED);
  }
  return { kind: 's3', bucket: authority, prefix: segments.join('/') };
}
