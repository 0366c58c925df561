import type { Compression } from '../archive/types.js';
import { OPTIONS } from '../config/options.js';
import { parseSecretRef } from '../config/secret.js';
import type { RetentionPolicy } from '../core/retention.js';
import { MongosafeError } from '../errors.js';
import { parseDestination } from '../storage/registry.js';

/** The Lambda's settings, from its environment (DESIGN.md §6; docs/aws.md has the table). */
export interface LambdaConfig {
  /** s3://bucket/prefix */
  destination: string;
  /** Secrets Manager `ID[#KEY]` holding the connection string (KEY defaults to MONGODB_URI). */
  uriSecret: string;
  /** Empty = every user database. */
  databases: string[];
  compression: Compression;
  parallel: number;
  kmsKeyId?: string;
  /** Set when any KEEP_* is: prune after each successful backup. */
  keep?: RetentionPolicy;
  verify: 'none' | 'full';
  notifyTopicArn?: string;
  /** Time kept back from the Lambda's limit so an aborted backup can clean up and report. */
  safetyMarginMs: number;
}

// Lambda names → the CLI option each mirrors, so choices and defaults stay in one table.
const KEEP_ENV = { KEEP_LAST: 'last', KEEP_DAILY: 'daily', KEEP_WEEKLY: 'weekly', KEEP_MONTHLY: 'monthly', KEEP_YEARLY: 'yearly' } as const;
const VERIFY_MODES = ['none', 'full'] as const;
const DEFAULT_SAFETY_MARGIN_MS = 60_000;

/**
 * Reads and checks the Lambda's environment; CONFIG names the variable at
 * fault and what it should hold. Never reads the connection string itself.
 */
export function readLambdaConfig(env: NodeJS.ProcessEnv = process.env): LambdaConfig {
  if (env.MONGODB_URI) {
    throw configError('MONGODB_URI is set in the function environment', 'remove it: anyone who can read the function configuration can read it. Put the connection string in Secrets Manager and set MONGODB_URI_SECRET=ID[#KEY]');
  }
  const destination = required(env, 'DESTINATION', 's3://bucket/prefix');
  if (parseDestinationOrConfig(destination).kind !== 's3') {
    throw configError('DESTINATION must be an s3:// URL, got a local path', "a Lambda's filesystem is gone after the run: use s3://bucket/prefix");
  }
  const uriSecret = required(env, 'MONGODB_URI_SECRET', 'ID[#KEY], e.g. moms-recipe-secrets#MONGODB_URI');
  try {
    parseSecretRef(uriSecret);
  } catch (error) {
    throw configError(`MONGODB_URI_SECRET must be ID or ID#KEY, got "${uriSecret}"`, 'the secret name or ARN, then optionally # and the JSON key holding the URI', error);
  }
  return {
    destination,
    uriSecret,
    databases: (env.DATABASES ?? '').split(',').map((name) => name.trim()).filter(Boolean),
    compression: choice(env, 'COMPRESSION', OPTIONS.compression.choices, OPTIONS.compression.default),
    parallel: wholeNumber(env, 'PARALLEL', 1) ?? OPTIONS.parallel.default,
    kmsKeyId: optional(env, 'KMS_KEY_ID'),
    keep: keepPolicy(env),
    // Default full: reading the archive back costs one GET and seconds of Lambda
    // time at the seed's size, and it is what turns "uploaded" into "restorable".
    verify: choice(env, 'VERIFY', VERIFY_MODES, 'full'),
    notifyTopicArn: notifyTopicArn(env),
    safetyMarginMs: wholeNumber(env, 'SAFETY_MARGIN_MS', 0) ?? DEFAULT_SAFETY_MARGIN_MS,
  };
}

/**
 * NOTIFY_TOPIC_ARN alone, so that a failure in the rest of the configuration
 * can still be reported; CONFIG when it is set but not an SNS topic ARN.
 */
export function notifyTopicArn(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const arn = optional(env, 'NOTIFY_TOPIC_ARN');
  if (arn !== undefined && !/^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]+$/.test(arn)) {
    throw configError(`NOTIFY_TOPIC_ARN is not an SNS topic ARN: "${arn}"`, 'arn:aws:sns:REGION:ACCOUNT:TOPIC, or unset it');
  }
  return arn;
}

function keepPolicy(env: NodeJS.ProcessEnv): RetentionPolicy | undefined {
  const policy: RetentionPolicy = {};
  for (const [name, rule] of Object.entries(KEEP_ENV)) {
    const value = wholeNumber(env, name, 0);
    if (value !== undefined) policy[rule] = value;
  }
  const counts = Object.values(policy);
  if (counts.length === 0) return undefined;
  if (counts.every((count) => count === 0)) {
    throw configError('every KEEP_* that is set is 0, so prune would keep only the newest verified backup', 'set e.g. KEEP_DAILY=7, or unset KEEP_* to never prune');
  }
  return policy;
}

function optional(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function required(env: NodeJS.ProcessEnv, name: string, shape: string): string {
  const value = optional(env, name);
  if (value === undefined) throw configError(`${name} is not set`, `set it to ${shape}`);
  return value;
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  const text = optional(env, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min) throw configError(`${name} must be a whole number ≥ ${min}, got "${text}"`);
  return value;
}

function choice<T extends string>(env: NodeJS.ProcessEnv, name: string, choices: readonly T[], fallback: T): T {
  const value = optional(env, name) ?? fallback;
  if (!(choices as readonly string[]).includes(value)) throw configError(`${name} must be one of ${choices.join(', ')}, got "${value}"`);
  return value as T;
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
