import { backup, type BackupResult } from '../core/backup.js';
import type { ProgressEvent } from '../core/progress.js';
import { prune } from '../core/prune.js';
import { verify, type VerifiedBackup, type VerifyOptions } from '../core/verify.js';
import { MongosafeError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import type { JobConfig } from './env.js';
import type { LambdaRequest } from './event.js';
import type { LambdaLogger } from './logger.js';
import type { Metrics } from './metrics.js';
import { findScheduledBackup } from './scheduled-run.js';

export interface BackupSummary {
  action: 'backup';
  id: string;
  destination: string;
  /** True when a retry of a scheduled run found that run's backup and did not make another. */
  reused: boolean;
  scheduledTime?: string;
  documents: number;
  bytes: number;
  durationMs: number;
  /** 'stored' for an encrypted backup: the stored object's size and SHA-256, not decrypted. */
  verified: 'full' | 'stored' | 'none';
  pruned?: { kept: number; deleted: number };
}

export interface DrillSummary {
  action: 'verify';
  id: string;
  destination: string;
  deep: boolean;
  namespaces: number;
  documents: number;
  durationMs: number;
}

/** What one invocation works with; the handler builds it. */
export interface Run {
  request: LambdaRequest;
  config: JobConfig;
  storage: Storage;
  signal: AbortSignal;
  logger: LambdaLogger;
  metrics: Metrics;
  /** The connection string from Secrets Manager. */
  readUri: () => Promise<string>;
}

/** Backup (or the earlier attempt's backup of this scheduled run), then verify, then prune. */
export async function runBackup({ request, config, storage, signal, logger, metrics, readUri }: Run): Promise<BackupSummary> {
  const { scheduledTime } = request;
  const uri = await readUri();
  const earlier = scheduledTime ? await findScheduledBackup(storage, scheduledTime, signal) : undefined;
  if (earlier) logger.info('this scheduled run already made a complete backup: not making another', { id: earlier.id, scheduledTime });
  const result: BackupResult =
    earlier ??
    (await backup({
      uri,
      storage,
      databases: config.databases,
      compression: config.compression,
      parallel: config.parallel,
      encrypt: config.encrypt,
      lockDays: config.lockDays,
      signal,
      logger,
      onProgress: (progress) => logNamespaceDone(logger, progress),
      trigger: scheduledTime ? { scheduledTime } : undefined,
    }));
  metrics.setProperty('backupId', result.id);
  // On a retry the earlier attempt may have failed in verify or prune: do them again.
  // Encrypted, the nightly role can write but not read (kms:GenerateDataKey only): it proves the
  // stored bytes are the ones written; the drill, which may decrypt, proves the rest.
  if (config.verify === 'full') await verifyOrThrow(storage, { backup: result.id, signal, storedOnly: result.manifest.encryption !== undefined }, logger);
  const pruned = config.keep ? await prune({ storage, policy: config.keep, signal, logger }) : undefined;
  const { manifest } = result;
  metrics.put('BackupSucceeded', 1);
  metrics.put('BackupBytes', manifest.archive.bytes);
  metrics.put('BackupDocuments', manifest.totals.documents);
  metrics.put('BackupDurationSeconds', result.durationMs / 1000);
  const summary: BackupSummary = {
    action: 'backup',
    id: result.id,
    destination: result.destination,
    reused: earlier !== undefined,
    scheduledTime,
    documents: manifest.totals.documents,
    bytes: manifest.archive.bytes,
    durationMs: result.durationMs,
    verified: config.verify === 'full' && manifest.encryption ? 'stored' : config.verify,
    pruned: pruned ? { kept: pruned.kept.length, deleted: pruned.deleted.length } : undefined,
  };
  logger.info('run complete', { ...summary });
  return summary;
}

/**
 * The drill: verify the newest backup; with `deep`, also restore it into
 * scratch databases of its own on the same server (dropped afterwards) and
 * compare every document. The scheduled drill needs no idempotency: a repeat
 * only adds a verification record.
 */
export async function runDrill({ request, storage, signal, logger, metrics, readUri }: Run): Promise<DrillSummary> {
  const started = Date.now();
  // A full verify reads only S3; the deep one restores into the server the secret names.
  const deep = request.deep ? { deep: true, scratchUri: await readUri() } : {};
  const checked = await verifyOrThrow(storage, { backup: 'latest', signal, ...deep }, logger);
  metrics.setProperty('backupId', checked.id);
  metrics.put('VerifySucceeded', 1);
  metrics.put('VerifyDurationSeconds', (Date.now() - started) / 1000);
  const summary: DrillSummary = { action: 'verify', id: checked.id, destination: storage.displayUrl, deep: checked.kind === 'deep', namespaces: checked.namespaces, documents: checked.documents, durationMs: checked.durationMs };
  logger.info('run complete', { ...summary });
  return summary;
}

async function verifyOrThrow(storage: Storage, options: Omit<VerifyOptions, 'storage'>, logger: LambdaLogger): Promise<VerifiedBackup> {
  const result = await verify({ ...options, storage });
  const checked = result.backups[0];
  const id = checked?.id ?? options.backup;
  if (!result.ok || !checked) {
    throw new MongosafeError('VERIFY_FAILED', `backup ${id} failed verification: ${checked?.problem ?? 'nothing was checked'}`, `do not rely on it; run 'mongosafe verify ${id} --from ${storage.displayUrl}' to see the details`);
  }
  logger.info('backup verified', { id, kind: checked.kind, namespaces: checked.namespaces, documents: checked.documents, durationMs: checked.durationMs });
  return checked;
}

function logNamespaceDone(logger: LambdaLogger, event: ProgressEvent): void {
  if (event.kind === 'namespace-done') logger.info('namespace done', { namespace: event.namespace, documents: event.documents, bsonBytes: event.bsonBytes });
}
