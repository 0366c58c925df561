import type { Document, MongoClient } from 'mongodb';
import { bodyNamespaceOf } from '../archive/body-namespace.js';
import { parseMetadataJson } from '../archive/metadata.js';
import { namespaceOf, type PreludeEntry } from '../archive/types.js';
import { MongosafeError, isMongosafeError, messageOf, withDetails } from '../errors.js';
import { createIndexes, createWithOptions, dropIfExists } from '../source/collections.js';
import { connectSource } from '../source/connect.js';
import { namespaceFilter, namespaceRenamer, splitNamespace, type RenameRule } from '../source/namespace-filter.js';
import { insertRawBatch } from '../source/write.js';
import { redactUri } from '../util/redact.js';
import { openBackupSource, type BackupSource } from './backup-source.js';
import { storageOpener, type BackupRef } from './backup-ref.js';
import { SILENT_LOGGER, type Logger, type ProgressListener } from './progress.js';
import { replayOplog, type OplogLimit, type ReplaySummary } from './replay/replay.js';
import { decideNamespace, isDumpOplog, skipWarning } from './special-namespaces.js';

/**
 * What to restore (`backup`, `storage`: the same two fields as verify and
 * inspect, see `BackupRef`), where to (`uri`), and how.
 */
export interface RestoreOptions extends BackupRef {
  /** The target; required unless `dryRun`. */
  uri?: string;
  include?: readonly string[];
  exclude?: readonly string[];
  /** --ns-from/--ns-to pairs; the last matching rule wins. */
  renames?: readonly RenameRule[];
  /** Drop each restored collection first (only those being restored). */
  drop?: boolean;
  /** Check the backup and print the plan; change nothing. */
  dryRun?: boolean;
  /**
   * Apply the dump's oplog (mongodump --oplog) after the data and before the indexes, with
   * ordinary commands (no applyOps: Atlas shared tiers and FerretDB refuse it), idempotently;
   * the include/exclude filters and renames apply to its entries too. USAGE when the dump has none.
   */
  oplogReplay?: boolean;
  /** With `oplogReplay`: entries at or after this timestamp are not applied (mongorestore's --oplogLimit). */
  oplogLimit?: OplogLimit;
  noIndexes?: boolean;
  /** Insert batches in flight at once. Default 4. */
  workers?: number;
  /** Milliseconds to wait for the target server. */
  connectTimeoutMs?: number;
  /**
   * A backup in a remote destination (S3) is downloaded once: the check pass keeps a copy in this
   * folder (default: the OS temp folder), which the writes then read; deleted when restore ends.
   * Too little free space there: the writes download it again (a progress line says so).
   */
  spoolDir?: string;
  /**
   * A stored backup whose archive is in S3 Glacier gets a restore request
   * first; with `wait`, restore then polls (minutes to hours) until it is
   * readable, without it it throws STORAGE saying how long the tier takes.
   */
  wait?: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  logger?: Logger;
}

export interface RestoredNamespace {
  source: string;
  target: string;
  type: string;
  /** Documents in the backup for this namespace. */
  documents: number;
  inserted: number;
  /** Documents the target already had (duplicate _id or unique key): counted, not fatal. */
  duplicates: number;
  indexes: number;
  /**
   * 'skipped': read and checked, never written (see special-namespaces.ts); `reason` says why.
   * 'replayed': the oplog, applied by `oplogReplay` (`RestoreResult.oplog` counts its entries).
   */
  status: 'planned' | 'restored' | 'skipped' | 'replayed';
  reason?: string;
}

export interface RestoreResult {
  source: string;
  target: string;
  dryRun: boolean;
  namespaces: RestoredNamespace[];
  /** Over the namespaces restored (or planned); skipped ones only count in `skipped`. */
  totals: { namespaces: number; documents: number; inserted: number; duplicates: number; skipped: number };
  warnings: string[];
  /** With `oplogReplay`: the entries applied per kind, those skipped and why, the last timestamp applied. */
  oplog?: ReplaySummary;
  durationMs: number;
}

/** What the check pass found: every prelude namespace that passed the filters, in prelude order, and what to write. */
interface Plan {
  /** Planned and skipped namespaces alike. */
  namespaces: RestoredNamespace[];
  /** The namespaces to write. */
  items: PlanItem[];
  /** The source's notices (stray files and the like), then one line per skipped namespace. */
  warnings: string[];
  /** Namespaces of the dump that are written when included, filtered out or not. */
  ordinary: number;
  /** The dump's oplog, when it has one. */
  oplog?: RestoredNamespace;
}

interface PlanItem {
  entry: PreludeEntry;
  /** Namespace of the documents in the archive body: `bodyNamespaceOf` the entry. */
  bodyNamespace: string;
  target: { db: string; collection: string };
  /** Where the documents are inserted: `bodyNamespaceOf` the target, by the archive's server version. */
  targetBody: { db: string; collection: string };
  options: Document;
  indexes: Document[];
  result: RestoredNamespace;
}

const DEFAULT_WORKERS = 4;
/** Raw document bytes being inserted at once, across workers. */
const MAX_IN_FLIGHT_BYTES = 8 * 1024 * 1024;

/**
 * Restores a backup. The whole backup is checked first, so a damaged backup is
 * refused before anything in the target is dropped or written: a stored backup
 * by its size and SHA-256 against the manifest, a bare mongodump archive or
 * directory by reading it whole (CRC and counts). Then it is read again, every
 * CRC and count checked on the way, and inserted in unordered batches with
 * parallel workers; indexes are built after the data, and views last.
 *
 * Chosen over restoring into staging collections and renaming them into place:
 * that needs renameCollection with dropTarget, which FerretDB and some Atlas
 * roles lack, and briefly doubles storage, which a 512 MB M0 cannot spare.
 *
 * Documents already in the target (same `_id` or unique key) are counted in
 * `duplicates`, not errors. `durationMs` is wall time in milliseconds.
 *
 * @throws MongosafeError USAGE for a missing `uri` (unless `dryRun`), `oplogReplay`,
 *   a missing `storage` for a stored backup, or an unknown ref; NOT_FOUND for a
 *   missing backup, file or destination; CORRUPT when the check pass finds damage
 *   (nothing in the target was changed); STORAGE for an unreadable or cold
 *   archive; SOURCE or AUTH for the target server; ABORTED when `signal` fires.
 *
 * @example
 * const result = await restore({
 *   backup: 'latest',
 *   storage: 's3://my-bucket/prod',
 *   uri: 'mongodb://localhost:27017',
 *   renames: [{ from: 'shop.*', to: 'shop_copy.*' }],
 *   drop: true,
 * });
 * console.log(`${result.totals.inserted} documents inserted`);
 */
export async function restore(options: RestoreOptions): Promise<RestoreResult> {
  // Refused before the backup is opened, which may wait for S3 Glacier.
  checkRestoreOptions(options);
  const { signal, wait, onProgress } = options;
  // A dry run reads the backup once: nothing to keep a copy for.
  const spool = options.dryRun ? undefined : { dir: options.spoolDir, onProgress };
  const source = await openBackupSource(options.backup, storageOpener(options, signal), signal, { wait, onProgress, decryptKey: options.decryptKey, spool });
  try {
    return await restoreSource(source, options);
  } finally {
    await source.close?.();
  }
}

/** What restore does once the backup is open: the drill restores the source verify has read. */
export type RestoreSourceOptions = Omit<RestoreOptions, keyof BackupRef | 'wait' | 'spoolDir'>;

/**
 * `restore` of a backup already opened. Internal: callers outside core name a backup with
 * `BackupRef`. `checked`: the caller has just read the whole backup and every check passed (the
 * drill, after verify's pass); these are its document counts by body namespace. The check pass
 * is then skipped: only the prelude is read before the writes, which check every byte again.
 */
export async function restoreSource(source: BackupSource, options: RestoreSourceOptions, checked?: ReadonlyMap<string, number>): Promise<RestoreResult> {
  const started = Date.now();
  const logger = options.logger ?? SILENT_LOGGER;
  const { signal } = options;
  const included = namespaceFilter({ include: options.include, exclude: options.exclude });
  const rename = namespaceRenamer(options.renames ?? []);

  options.onProgress?.({ kind: 'phase', phase: `checking ${source.description}` });
  const { namespaces, items: plan, warnings, ordinary, oplog } = await checkAndPlan(source, { included, rename, checked }, signal, options.oplogReplay === true);
  if (options.oplogReplay && !oplog) {
    throw new MongosafeError('USAGE', `${source.description} has no oplog to replay`, 'only a mongodump --oplog dump has one (oplog.bson at its root, or .oplog in an archive); restore without --oplog-replay', {
      details: { backupId: source.id, kind: 'invalid' },
    });
  }
  if (plan.length === 0 && !(options.oplogReplay && oplog)) warnings.push(nothingToRestore(namespaces, ordinary));
  options.onProgress?.({
    kind: 'plan',
    namespaces: plan.map((item) => ({ namespace: namespaceOf(item.target), expectedDocuments: item.result.documents })),
  });

  let oplogSummary: ReplaySummary | undefined;
  if (!options.dryRun) {
    if (!options.uri) throw new MongosafeError('USAGE', 'restore needs a target connection string', 'pass --uri URI or set MONGODB_URI');
    const client = await connectSource(options.uri, { connectTimeoutMs: options.connectTimeoutMs, signal: options.signal });
    try {
      const replay = options.oplogReplay && oplog ? () => replayFromSource(client, source, { included, rename }, options) : undefined;
      oplogSummary = await writePlan(client, source, plan, options, warnings, replay);
    } finally {
      await client.close().catch(() => undefined);
    }
  }
  for (const warning of warnings) logger.warn(warning);
  const written = plan.map((item) => item.result);
  return {
    source: source.description,
    target: options.uri ? redactUri(options.uri) : '(none: dry run)',
    dryRun: options.dryRun === true,
    namespaces,
    totals: {
      namespaces: written.length,
      documents: written.reduce((sum, ns) => sum + ns.documents, 0),
      inserted: written.reduce((sum, ns) => sum + ns.inserted, 0),
      duplicates: written.reduce((sum, ns) => sum + ns.duplicates, 0),
      skipped: namespaces.filter((ns) => ns.status === 'skipped').length,
    },
    warnings,
    ...(oplogSummary ? { oplog: oplogSummary } : {}),
    durationMs: Date.now() - started,
  };
}

/** Refuses contradictory options, before anything is read. */
function checkRestoreOptions(options: Pick<RestoreOptions, 'oplogReplay' | 'oplogLimit'>): void {
  if (options.oplogLimit && !options.oplogReplay) {
    throw new MongosafeError('USAGE', '--oplog-limit needs --oplog-replay', 'add --oplog-replay, or leave --oplog-limit out', { details: { kind: 'invalid' } });
  }
}

/**
 * The oplog read once more from the source (bounded memory: it comes last and may be long) and
 * applied to the target: the namespace filters and renames of the data apply to its entries.
 */
async function replayFromSource(
  client: MongoClient,
  source: BackupSource,
  namespaces: { included: (namespace: string) => boolean; rename: (namespace: string) => string },
  options: RestoreSourceOptions,
): Promise<ReplaySummary> {
  const { signal } = options;
  options.onProgress?.({ kind: 'phase', phase: `replaying the oplog of ${source.description}` });
  async function* entries(): AsyncGenerator<Uint8Array> {
    for await (const event of source.events(signal)) {
      if (event.kind === 'documents' && isDumpOplog(event)) yield* event.documents;
    }
  }
  const summary = await replayOplog(entries(), {
    client,
    targetOf: (namespace) => (namespaces.included(namespace) ? splitNamespace(namespaces.rename(namespace)) : undefined),
  }, {
    limit: options.oplogLimit,
    signal,
    // A phase line every 1,000 entries: enough to see it move, not one line per write.
    onProgress: ({ entries: count, lastApplied }) => {
      if (count % 1000 === 0 && lastApplied) options.onProgress?.({ kind: 'phase', phase: `replaying the oplog: ${count} entries, at ${lastApplied.t}:${lastApplied.i}` });
    },
  });
  return summary;
}

/** The warning of a restore that writes nothing: filters, or a dump of nothing but skipped namespaces. */
function nothingToRestore(namespaces: RestoredNamespace[], ordinary: number): string {
  if (ordinary > 0 || namespaces.length === 0) return 'no namespace of the backup matched the include/exclude patterns';
  if (namespaces.some((ns) => ns.source === '.oplog')) return 'nothing to restore but the oplog, which is not replayed without --oplog-replay';
  return 'nothing to restore: the backup holds only namespaces that restore skips';
}

/** Reads the whole backup once, checking it (unless `checked` says it just was), and plans what goes where. */
async function checkAndPlan(
  source: BackupSource,
  { included, rename, checked }: { included: (namespace: string) => boolean; rename: (namespace: string) => string; checked: ReadonlyMap<string, number> | undefined },
  signal: AbortSignal | undefined,
  replayingOplog: boolean,
): Promise<Plan> {
  const plan: Plan = { namespaces: [], items: [], warnings: [], ordinary: 0 };
  /** Every namespace's result, planned or skipped, by the namespace its documents come under. */
  const byBody = new Map<string, RestoredNamespace>();
  const skipped: Array<{ entry: PreludeEntry; result: RestoredNamespace }> = [];
  // A backup with a manifest is proven whole by its size and SHA-256 alone (the writer computed the
  // manifest's CRCs and counts from those very bytes): then only the prelude needs reading here.
  const storedObjectChecked = checked === undefined && source.checkStoredObject !== undefined;
  let serverVersion = '';
  try {
    if (storedObjectChecked) await source.checkStoredObject?.(signal);
    for await (const event of source.events(signal)) {
      if (event.kind === 'header') serverVersion = event.header.serverVersion;
      else if (event.kind === 'notice') plan.warnings.push(event.message);
      else if (event.kind === 'prelude') {
        for (const entry of event.entries) {
          const name = namespaceOf(entry);
          const ordinary = decideNamespace(entry).restore;
          if (ordinary) plan.ordinary++;
          // The oplog is replayed whatever the filters: they apply to its entries instead.
          if (!included(name) && !(replayingOplog && isDumpOplog(entry))) continue;
          if (!ordinary) {
            // Never renamed (".oplog" is no db.collection) and never written; counted on the way.
            const result: RestoredNamespace = { source: name, target: name, type: entry.type ?? 'collection', documents: 0, inserted: 0, duplicates: 0, indexes: 0, status: 'skipped' };
            plan.namespaces.push(result);
            skipped.push({ entry, result });
            byBody.set(namespaceOf(bodyNamespaceOf(entry, serverVersion)), result);
            continue;
          }
          const metadata = entry.metadata ? parseMetadataJson(entry.metadata, namespaceOf(entry)) : { options: {}, indexes: [] };
          const type = entry.type ?? (metadata.options?.viewOn ? 'view' : 'collection');
          const target = splitNamespace(rename(name));
          const bodyNamespace = namespaceOf(bodyNamespaceOf({ ...entry, type }, serverVersion));
          const item: PlanItem = {
            entry,
            bodyNamespace,
            target,
            targetBody: bodyNamespaceOf({ ...target, type }, serverVersion),
            options: metadata.options ?? {},
            indexes: metadata.indexes ?? [],
            result: { source: name, target: namespaceOf(target), type, documents: 0, inserted: 0, duplicates: 0, indexes: 0, status: 'planned' },
          };
          plan.items.push(item);
          plan.namespaces.push(item.result);
          byBody.set(bodyNamespace, item.result);
        }
        if (checked) {
          for (const [body, result] of byBody) result.documents = checked.get(body) ?? 0;
          break;
        }
        if (storedObjectChecked) {
          for (const ns of source.manifest?.namespaces ?? []) {
            const result = plan.namespaces.find((r) => r.source === namespaceOf(ns));
            if (result) result.documents = ns.documents;
          }
          break;
        }
      } else if (event.kind === 'end-of-namespace') {
        const result = byBody.get(namespaceOf(event));
        if (result) result.documents = event.documents;
      }
    }
  } catch (error) {
    // The inner error's details (namespace, key, kind) carry over through `cause`.
    if (isMongosafeError(error, 'CORRUPT') || isMongosafeError(error, 'KEY')) {
      throw new MongosafeError(error.code, `refusing to restore ${source.description}: ${error.message}`, `nothing in the target was changed. ${error.hint ?? ''}`.trim(), {
        cause: error,
        details: { backupId: source.id },
      });
    }
    throw withDetails(error, { backupId: source.id });
  }
  // Reasons last: they name the counts, known only now.
  for (const { entry, result } of skipped) {
    if (isDumpOplog(entry)) {
      plan.oplog = result;
      if (replayingOplog) {
        result.status = 'replayed';
        continue;
      }
    }
    const decision = decideNamespace(entry, result.documents);
    if (decision.restore) continue;
    result.reason = decision.reason;
    plan.warnings.push(skipWarning(entry, decision.reason));
  }
  return plan;
}

/**
 * Data first, then the oplog (`replay`, when asked), then indexes and views, as mongorestore
 * orders them: a unique or TTL index built before the replay could refuse or expire an
 * intermediate state the oplog passes through.
 */
async function writePlan(client: MongoClient, source: BackupSource, plan: PlanItem[], options: RestoreSourceOptions, warnings: string[], replay?: () => Promise<ReplaySummary>): Promise<ReplaySummary | undefined> {
  const { signal } = options;
  const dataItems = plan.filter((item) => item.result.type !== 'view');
  for (const item of plan) {
    const db = client.db(item.target.db);
    await aboutNamespace(item, async () => {
      if (options.drop && !item.target.collection.startsWith('system.')) await dropIfExists(db, item.target.collection);
      // An existing collection is kept as it is (create answers NamespaceExists): no listing needed.
      if (item.result.type !== 'view') await createWithOptions(db, item.target.collection, item.options);
    });
  }

  const byBody = new Map(dataItems.map((item) => [item.bodyNamespace, item]));
  const workers = Math.max(1, options.workers ?? DEFAULT_WORKERS);
  const inFlight = new Set<Promise<void>>();
  let inFlightBytes = 0;
  let failure: unknown;
  const endSeen = new Set<string>();
  const failed = new Set<string>();
  try {
    for await (const event of source.events(signal)) {
      if (failure) break;
      if (event.kind === 'documents') {
        const item = byBody.get(namespaceOf(event));
        if (!item) continue;
        const task = insertRawBatch(client.db(item.target.db), item.targetBody.collection, event.documents, item.result.target).then((outcome) => {
          item.result.inserted += outcome.inserted;
          item.result.duplicates += outcome.duplicates;
          options.onProgress?.({ kind: 'documents', namespace: item.result.target, documents: item.result.inserted + item.result.duplicates, bsonBytes: 0, expectedDocuments: item.result.documents });
        });
        const batchBytes = event.documents.reduce((sum, doc) => sum + doc.byteLength, 0);
        inFlightBytes += batchBytes;
        const tracked = task.catch((error: unknown) => {
          failure ??= withDetails(error, { namespace: item.result.target });
          failed.add(item.result.target);
        }).finally(() => {
          inFlight.delete(tracked);
          inFlightBytes -= batchBytes;
        });
        inFlight.add(tracked);
        // Each batch in flight is held as read and again in its insert message: bound the bytes
        // too, not only the batches.
        while (inFlight.size >= workers || (inFlightBytes >= MAX_IN_FLIGHT_BYTES && inFlight.size > 0)) await Promise.race(inFlight);
      } else if (event.kind === 'end-of-namespace') {
        const item = byBody.get(namespaceOf(event));
        if (item) endSeen.add(item.result.target);
      }
    }
  } catch (error) {
    failure ??= error;
  }
  await Promise.all(inFlight);
  // Every insert has settled: a namespace is complete when its end was read and none of its batches failed.
  if (failure) throw withProgressReport(failure, plan, new Set([...endSeen].filter((target) => !failed.has(target))), source.id);
  const replayed = await replay?.();

  for (const item of dataItems) {
    if (!options.noIndexes) item.result.indexes = await aboutNamespace(item, () => createIndexes(client.db(item.target.db), item.target.collection, item.indexes));
    item.result.status = 'restored';
    options.onProgress?.({ kind: 'namespace-done', namespace: item.result.target, documents: item.result.inserted, bsonBytes: 0 });
    if (item.result.duplicates > 0) warnings.push(`${item.result.target}: ${item.result.duplicates} documents already existed (duplicate key) and were left as they were`);
  }
  // Views last, once the collections they read from exist.
  for (const item of plan.filter((i) => i.result.type === 'view')) {
    await aboutNamespace(item, () => createWithOptions(client.db(item.target.db), item.target.collection, item.options));
    item.result.status = 'restored';
  }
  signal?.throwIfAborted();
  return replayed;
}

/** `call`, whose failure is said to concern the item's target namespace (`details.namespace`). */
async function aboutNamespace<T>(item: PlanItem, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw withDetails(error, { namespace: item.result.target });
  }
}

/**
 * A restore that fails midway says exactly which namespaces are complete in the target. The
 * failure's details (the namespace that failed) carry over through `cause`.
 */
function withProgressReport(error: unknown, plan: PlanItem[], completed: Set<string>, backupId: string | undefined): MongosafeError {
  const done = plan.filter((item) => completed.has(item.result.target)).map((item) => item.result.target);
  const notDone = plan.filter((item) => !completed.has(item.result.target)).map((item) => item.result.target);
  const report = `completed: ${done.join(', ') || 'none'}; incomplete: ${notDone.join(', ') || 'none'} (indexes not built)`;
  if (isMongosafeError(error)) {
    return new MongosafeError(error.code, `${error.message} [${report}]`, error.hint, { cause: error, details: { backupId } });
  }
  return new MongosafeError('SOURCE', `restore failed: ${messageOf(error)} [${report}]`, undefined, { cause: error, details: { backupId } });
}
