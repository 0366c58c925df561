import { SNSClient } from '@aws-sdk/client-sns';
import { ConnectionString } from 'mongodb-connection-string-url';
import { readSecretUri } from '../config/secret.js';
import { MongosafeError, detailsOf, isMongosafeError, messageOf } from '../errors.js';
import { openStorage } from '../storage/registry.js';
import { scrubSecrets } from '../util/redact.js';
import type { Deadline } from './deadline.js';
import { notifyTopicArn, readJobConfig, type JobConfig, type JobRuntime } from './env.js';
import type { LambdaRequest } from './event.js';
import { createLambdaLogger, failureFields, type LambdaLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { publishFailure } from './notify.js';
import { runBackup, runDrill, type BackupSummary, type DrillSummary } from './runs.js';

// Module scope: reused by warm invocations. S3 clients are shared inside
// storage/s3, Secrets Manager clients inside config/secret.ts.
let sns: SNSClient | undefined;

/** One run of the scheduled job, as the Lambda handler or `mongosafe job` starts it. */
export interface JobStart {
  runtime: JobRuntime;
  /** The name the metrics (dimension FunctionName) and the failure notice carry. */
  name: string;
  /** The invocation's id in logs, metrics and the notice (Lambda's request id, or one of the job's own). */
  runId: string;
  /** What to do; called inside the run, so that a malformed request is reported like any failure. */
  request: () => LambdaRequest;
  /** When the run must stop: the Lambda's deadline, or the container's stop signal. */
  limit: (config: JobConfig) => Deadline;
  env?: NodeJS.ProcessEnv;
}

/**
 * The scheduled job, wherever it runs. Resolves to a small JSON summary; on any failure it logs
 * `{code, message, hint, details}`, publishes one SNS notification (NOTIFY_TOPIC_ARN) and
 * rejects, so that Lambda's Errors metric, its retries, a task's exit code and the alarms all see
 * the failure. One EMF metrics line is written for every run.
 */
export async function runJob(start: JobStart): Promise<BackupSummary | DrillSummary> {
  const env = start.env ?? process.env;
  const logger = createLambdaLogger(start.runId);
  const metrics = createMetrics({ functionName: start.name });
  metrics.setProperty('requestId', start.runId);
  const secrets: string[] = [];
  let request: LambdaRequest | undefined;
  let config: JobConfig | undefined;
  let deadline: Deadline | undefined;
  try {
    request = start.request();
    config = readJobConfig(env, start.runtime);
    deadline = start.limit(config);
    logger.info('run started', { action: request.action, deep: request.deep, scheduledTime: request.scheduledTime, destination: config.destination, databases: config.databases });
    const storage = await openStorage(config.destination, { kmsKeyId: config.kmsKeyId });
    const { uriSecret } = config;
    const { signal } = deadline;
    // Read on every run, so a rotated password is picked up; from here on it is scrubbed from all output.
    const readUri = async () => {
      const uri = uriSecret === undefined ? (env.MONGODB_URI ?? '').trim() : await readSecretUri(uriSecret, { signal });
      secrets.push(...secretValues(uri));
      for (const secret of secrets) logger.addSecret(secret);
      return uri;
    };
    const run = { request, config, storage, signal, logger, metrics, readUri };
    return request.action === 'verify' ? await runDrill(run) : await runBackup(run);
  } catch (caught) {
    const error = deadline?.explain(caught) ?? caught;
    metrics.put(request?.action === 'verify' ? 'VerifySucceeded' : 'BackupSucceeded', 0);
    logger.error(messageOf(error), { ...failureFields(error), action: request?.action, scheduledTime: request?.scheduledTime });
    await notifyFailure({ functionName: start.name, requestId: start.runId, action: request?.action ?? 'backup', error, destination: config?.destination, databases: config?.databases ?? [], scheduledTime: request?.scheduledTime, secrets }, logger, env);
    throw scrubbed(error, secrets);
  } finally {
    deadline?.dispose();
    metrics.flush();
  }
}

async function notifyFailure(report: Parameters<typeof publishFailure>[2], logger: LambdaLogger, env: NodeJS.ProcessEnv): Promise<void> {
  let topicArn: string | undefined;
  try {
    topicArn = notifyTopicArn(env);
  } catch (error) {
    logger.error(messageOf(error), { ...failureFields(error), code: 'CONFIG' });
  }
  if (topicArn) await publishFailure((sns ??= new SNSClient({})), topicArn, report, logger);
}

/** The connection string and its password (as written and decoded): never to appear in logs or errors. */
function secretValues(uri: string): string[] {
  const values = [uri];
  try {
    const password = new ConnectionString(uri).password;
    if (password) values.push(password, decodeURIComponent(password));
  } catch {
    // Unparsable here means the driver will refuse it too; the whole URI is still scrubbed.
  }
  return values;
}

/**
 * The error to reject with: the same one unless its message quotes a secret
 * (the runtime logs rejections, and the dead-letter queue keeps them).
 */
function scrubbed(error: unknown, secrets: readonly string[]): unknown {
  const message = messageOf(error);
  const clean = scrubSecrets(message, secrets);
  if (clean === message) return error;
  // No cause: it would carry the secret along. The details stay, scrubbed too.
  const details = Object.fromEntries(Object.entries(detailsOf(error)).map(([field, value]) => [field, typeof value === 'string' ? scrubSecrets(value, secrets) : value]));
  return new MongosafeError(isMongosafeError(error) ? error.code : 'INTERNAL', clean, isMongosafeError(error) ? error.hint : undefined, { details });
}
