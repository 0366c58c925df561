import type { Compression } from '../archive/types.js';
import type { LambdaOptionName } from '../config/options.js';
import { lambdaSetting } from '../config/resolve.js';
import { parseSecretRef } from '../config/secret.js';
import { parseKeySpec } from '../crypto/key-spec.js';
import type { RetentionPolicy } from '../core/retention.js';
import { MongosafeError } from '../errors.js';
import { parseDestination } from '../storage/registry.js';

/**
 * Where the scheduled job runs: as the Lambda, or as `mongosafe job` in a container (ECS
 * Fargate, a Kubernetes CronJob). A container may take the connection string from its own
 * environment (a Kubernetes Secret) and back up to a folder (a mounted volume); a Lambda may not.
 */
export type JobRuntime = 'lambda' | 'container';

/** The job's settings, from its environment (DESIGN.md §6; docs/cli.md has the table). */
export interface JobConfig {
  /** s3://bucket/prefix; in a container also a folder. */
  destination: string;
  /**
   * Secrets Manager `ID[#KEY]` holding the connection string (KEY defaults to MONGODB_URI).
   * Unset only in a container whose MONGODB_URI holds the connection string itself.
   */
  uriSecret?: string;
  /** Empty = every user database. */
  databases: string[];
  compression: Compression;
  parallel: number;
  kmsKeyId?: string;
  /** Client-side encryption (ENCRYPT): `kms:KEY_ARN`, or `public-key:PEM`; unset = none. */
  encrypt?: string;
  /** LOCK_DAYS: an explicit Object Lock retention per backup (the bucket's default applies without it). */
  lockDays?: number;
  /** Set when any KEEP_* is: prune after each successful backup. */
  keep?: RetentionPolicy;
  verify: 'none' | 'full';
  notifyTopicArn?: string;
  /** Time kept back from the Lambda's limit so an aborted backup can clean up and report. */
  safetyMarginMs: number;
}

const KEEP: ReadonlyArray<[LambdaOptionName & `keep-${string}`, keyof RetentionPolicy]> = [
  ['keep-last', 'last'],
  ['keep-daily', 'daily'],
  ['keep-weekly', 'weekly'],
  ['keep-monthly', 'monthly'],
  ['keep-yearly', 'yearly'],
];

/**
 * Reads and checks the job's environment, by the option table's Lambda
 * column (docs/cli.md lists it): CONFIG names the variable at fault and what
 * it should hold. Never reads the connection string itself.
 */
export function readJobConfig(env: NodeJS.ProcessEnv = process.env, runtime: JobRuntime = 'lambda'): JobConfig {
  const uriSecret = uriSecretSetting(env, runtime);
  const destination = lambdaSetting('to', env);
  // A container may back up to a mounted volume; a Lambda's filesystem is gone after the run.
  if (parseDestinationOrConfig(destination).kind !== 's3' && runtime === 'lambda') {
    throw configError('DESTINATION must be an s3:// URL, got a local path', "a Lambda's filesystem is gone after the run: use s3://bucket/prefix");
  }
  return {
    destination,
    uriSecret,
    databases: lambdaSetting('db', env) ?? [],
    compression: lambdaSetting('compression', env),
    parallel: lambdaSetting('parallel', env),
    kmsKeyId: lambdaSetting('kms-key', env),
    encrypt: encryptSetting(env, runtime),
    lockDays: lambdaSetting('lock-days', env),
    keep: keepPolicy(env),
    verify: lambdaSetting('verify', env),
    notifyTopicArn: notifyTopicArn(env),
    safetyMarginMs: lambdaSetting('safety-margin-ms', env),
  };
}

/**
 * MONGODB_URI_SECRET, checked; undefined when a container's MONGODB_URI holds the connection
 * string. A Lambda's environment is readable by anyone who may read the function's settings, so
 * there the connection string itself is refused; a container's comes from a Secret of its platform.
 */
function uriSecretSetting(env: NodeJS.ProcessEnv, runtime: JobRuntime): string | undefined {
  const direct = Boolean(env.MONGODB_URI?.trim());
  if (runtime === 'lambda' && direct) {
    throw configError('MONGODB_URI is set in the function environment', 'remove it: anyone who can read the function configuration can read it. Put the connection string in Secrets Manager and set MONGODB_URI_SECRET=ID[#KEY]');
  }
  if (runtime === 'container') {
    const secretSet = Boolean(env.MONGODB_URI_SECRET?.trim());
    if (direct && secretSet) throw configError('both MONGODB_URI and MONGODB_URI_SECRET are set', 'keep one: the connection string from a Secret of your platform (MONGODB_URI), or from AWS Secrets Manager (MONGODB_URI_SECRET=ID[#KEY])');
    if (!direct && !secretSet) throw configError('neither MONGODB_URI nor MONGODB_URI_SECRET is set', 'set MONGODB_URI from a Secret (Kubernetes: secretKeyRef), or MONGODB_URI_SECRET=ID[#KEY] to read it from AWS Secrets Manager');
    if (direct) return undefined;
  }
  const uriSecret = lambdaSetting('uri-secret', env);
  try {
    parseSecretRef(uriSecret);
  } catch (error) {
    throw configError(`MONGODB_URI_SECRET must be ID or ID#KEY, got "${uriSecret}"`, 'the secret name or ARN, then optionally # and the JSON key holding the URI', error);
  }
  return uriSecret;
}

/**
 * NOTIFY_TOPIC_ARN alone, so that a failure in the rest of the configuration
 * can still be reported; CONFIG when it is set but not an SNS topic ARN.
 */
export function notifyTopicArn(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const arn = lambdaSetting('notify-topic-arn', env);
  if (arn !== undefined && !/^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]+$/.test(arn)) {
    throw configError(`NOTIFY_TOPIC_ARN is not an SNS topic ARN: "${arn}"`, 'arn:aws:sns:REGION:ACCOUNT:TOPIC, or unset it');
  }
  return arn;
}

/**
 * ENCRYPT, its form checked now. A Lambda has no key file (it would have to live in the function's
 * package or /tmp); a container may mount one from a Secret.
 */
function encryptSetting(env: NodeJS.ProcessEnv, runtime: JobRuntime): string | undefined {
  const value = lambdaSetting('encrypt', env);
  if (value === undefined) return undefined;
  const forms = runtime === 'lambda' ? 'kms:KEY_ARN or public-key:PEM' : 'kms:KEY_ARN, public-key:PEM or key-file:PATH';
  try {
    parseKeySpec(value, 'ENCRYPT', runtime === 'lambda' ? ['kms', 'public-key'] : ['kms', 'public-key', 'key-file']);
  } catch (error) {
    throw configError(`ENCRYPT must be ${forms}${error instanceof MongosafeError ? ` (${error.message})` : ''}`, 'the module sets ENCRYPT=kms:ARN from client_side_kms_key_arn; docs/aws.md', error);
  }
  return value;
}

function keepPolicy(env: NodeJS.ProcessEnv): RetentionPolicy | undefined {
  const policy: RetentionPolicy = {};
  for (const [name, rule] of KEEP) {
    const value = lambdaSetting(name, env);
    if (value !== undefined) policy[rule] = value;
  }
  const counts = Object.values(policy);
  if (counts.length === 0) return undefined;
  if (counts.every((count) => count === 0)) {
    throw configError('every KEEP_* that is set is 0, so prune would keep only the newest verified backup', 'set e.g. KEEP_DAILY=7, or unset KEEP_* to never prune');
  }
  return policy;
}

function parseDestinationOrConfig(destination: string): ReturnType<typeof parseDestination> {
  try {
    return parseDestination(destination);
  } catch (error) {
    const reason = error instanceof MongosafeError ? error : undefined;
    throw configError(`DESTINATION: ${reason?.message ?? String(error)}`, reason?.hint, error);
  }
}

function configError(message: string, hint?: string, cause?: unknown): MongosafeError {
  return new MongosafeError('CONFIG', message, hint, cause === undefined ? undefined : { cause });
}
