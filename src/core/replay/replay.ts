import type { Document, MongoClient } from 'mongodb';
import { MongosafeError, messageOf, withDetails } from '../../errors.js';
import { insertRawBatch } from '../../source/write.js';
import { throwIfAborted } from '../../util/abort.js';
import { applyCommand, type TargetOf } from './commands.js';
import { commandOf, formatTime, idDocument, idFilter, innerOps, isBefore, readEntry, type OplogEntry, type OplogTime } from './entry.js';
import { isIgnoredNamespace } from './ignored-namespaces.js';
import { TransactionBuffer, isTransactionEntry } from './transactions.js';
import { applyUpdate, updateKind } from './update.js';

export interface ReplayTarget {
  client: MongoClient;
  /** Target namespace for a source "db.coll"; undefined = filtered out (not replayed). */
  targetOf(namespace: string): { db: string; collection: string } | undefined;
}

/** Entries with `ts` >= the limit are not applied (mongorestore's `--oplogLimit`). */
export type OplogLimit = OplogTime;

/** Reported after each top-level entry. */
export interface ReplayProgress {
  entries: number;
  lastApplied?: OplogTime;
}

export interface ReplayOptions {
  limit?: OplogLimit;
  signal?: AbortSignal;
  onProgress?: (progress: ReplayProgress) => void;
}

/**
 * What a replay did. Inner ops of transactions and `applyOps` count under their own kind
 * (insert, update…); `transaction` counts committed transactions.
 */
export interface ReplaySummary {
  applied: { insert: number; update: number; delete: number; command: number; transaction: number };
  skipped: { noop: number; filtered: number; missingDocument: number; ignoredCommand: number; abortedTransaction: number };
  /** The `ts` of the last entry handled (applied, skipped or buffered); resuming from it is safe. */
  lastApplied?: OplogTime;
  stoppedAtLimit: boolean;
}

/**
 * Ops replay leaves alone, as mongorestore's `ignoredOps`: no-ops, the legacy `db` op and the
 * internal ones of replicated record ids.
 */
const SKIPPED_OPS = new Set(['n', 'db', 'ci', 'cu', 'cd', 'km']);

/**
 * Applies raw oplog entries (in `ts` order) to the target with ordinary commands, for servers
 * that refuse `applyOps` (Atlas shared tiers, FerretDB): research/oplog-replay.md §3, §4. Each
 * entry can be applied twice with the same result (an insert of an existing `_id` replaces it,
 * an update or delete that finds nothing is no error), so a replay may restart from an earlier
 * entry. Transactions are buffered and applied at their commit point; aborted and unfinished
 * ones are dropped.
 *
 * Errors: CORRUPT for an entry that is not one, USAGE for one it cannot apply exactly (one line
 * naming its timestamp and namespace), SOURCE when the target refuses a write, ABORTED.
 */
export async function replayOplog(entries: AsyncIterable<Uint8Array>, target: ReplayTarget, options: ReplayOptions = {}): Promise<ReplaySummary> {
  const replayer = new Replayer(target);
  const { summary } = replayer;
  let count = 0;
  for await (const bytes of entries) {
    throwIfAborted(options.signal, 'oplog replay');
    const entry = readEntry(bytes);
    if (options.limit && !isBefore(entry.ts, options.limit)) {
      summary.stoppedAtLimit = true;
      break;
    }
    await replayer.apply(entry);
    summary.lastApplied = entry.ts;
    options.onProgress?.({ entries: ++count, lastApplied: entry.ts });
  }
  summary.skipped.abortedTransaction += replayer.transactions.unfinished;
  return summary;
}

class Replayer {
  readonly summary: ReplaySummary = {
    applied: { insert: 0, update: 0, delete: 0, command: 0, transaction: 0 },
    skipped: { noop: 0, filtered: 0, missingDocument: 0, ignoredCommand: 0, abortedTransaction: 0 },
    stoppedAtLimit: false,
  };
  readonly transactions = new TransactionBuffer();
  private readonly targetOf: TargetOf;

  constructor(private readonly target: ReplayTarget) {
    this.targetOf = (namespace) => target.targetOf(namespace);
  }

  async apply(entry: OplogEntry): Promise<void> {
    if (SKIPPED_OPS.has(entry.op)) {
      this.summary.skipped.noop++;
      return;
    }
    if (entry.op === 'c') {
      await this.command(entry);
      return;
    }
    if (isIgnoredNamespace(entry.ns)) {
      this.summary.skipped.filtered++;
      return;
    }
    const target = this.targetOf(entry.ns);
    if (!target) {
      this.summary.skipped.filtered++;
      return;
    }
    try {
      switch (entry.op) {
        case 'i':
          await this.insert(entry, target);
          return;
        case 'u':
          await this.update(entry, target);
          return;
        case 'd':
          await this.delete(entry, target);
          return;
        default:
          throw new MongosafeError('CORRUPT', `oplog entry ${formatTime(entry.ts)} on ${entry.ns}: unknown op "${entry.op}"`, 'the oplog file is damaged or from a newer server', { details: { kind: 'invalid' } });
      }
    } catch (error) {
      throw withDetails(error, { namespace: entry.ns });
    }
  }

  private async command(entry: OplogEntry): Promise<void> {
    if (isTransactionEntry(entry)) {
      const step = this.transactions.add(entry);
      if (step.kind === 'abort') this.summary.skipped.abortedTransaction++;
      if (step.kind !== 'commit') return;
      // One by one, not atomically (neither does mongorestore): each op is re-applicable.
      for (const op of step.ops) await this.apply(readEntry(op.bytes, op.ts));
      this.summary.applied.transaction++;
      return;
    }
    const { name, argument } = commandOf(entry.o);
    if (name === 'applyOps') {
      // Ordinary writes batched in one entry (multiOpType 1, or an applyOps a user ran).
      for (const op of innerOps(entry.o)) await this.apply(readEntry(op, entry.ts));
      return;
    }
    const db = entry.ns.slice(0, entry.ns.indexOf('.'));
    if (isIgnoredNamespace(typeof argument === 'string' ? `${db}.${argument}` : entry.ns)) {
      this.summary.skipped.filtered++;
      return;
    }
    const outcome = await applyCommand(this.target.client, this.targetOf, entry);
    if (outcome === 'applied') this.summary.applied.command++;
    else if (outcome === 'ignored') this.summary.skipped.ignoredCommand++;
    else this.summary.skipped.filtered++;
  }

  /** Raw insert of `o`; an existing `_id` is replaced by it (mongod's oplog applier upserts). */
  private async insert(entry: OplogEntry, target: { db: string; collection: string }): Promise<void> {
    await this.putDocument(entry, target, entry.o);
    this.summary.applied.insert++;
  }

  private async update(entry: OplogEntry, target: { db: string; collection: string }): Promise<void> {
    const key = entry.o2 ? idDocument(entry.o2) : undefined;
    const filter = entry.o2 ? idFilter(entry.o2) : undefined;
    if (!key || !filter) {
      throw new MongosafeError('CORRUPT', `oplog entry ${formatTime(entry.ts)} on ${entry.ns}: an update without o2._id`, 'the oplog file is damaged', { details: { kind: 'invalid' } });
    }
    const kind = updateKind(entry.o);
    const current = await this.find(target, filter, entry);
    let next: Uint8Array;
    if (current) next = applyUpdate(current, entry.o);
    else if (kind === 'replacement') next = entry.o;
    else if (entry.upsert) next = applyUpdate(key, entry.o);
    else {
      // The document is gone later in the window, or was never in the dump: the initial-sync rule.
      this.summary.skipped.missingDocument++;
      return;
    }
    await this.putDocument(entry, target, next, current ? filter : undefined);
    this.summary.applied.update++;
  }

  private async delete(entry: OplogEntry, target: { db: string; collection: string }): Promise<void> {
    const filter = idFilter(entry.o);
    if (!filter) {
      throw new MongosafeError('CORRUPT', `oplog entry ${formatTime(entry.ts)} on ${entry.ns}: a delete without _id`, 'the oplog file is damaged', { details: { kind: 'invalid' } });
    }
    await this.deleteById(target, filter, entry);
    this.summary.applied.delete++;
  }

  /**
   * Writes the raw document under its `_id`: inserted as its bytes, after deleting the one there.
   * Delete + insert rather than replaceOne, whose driver encoding would not keep every BSON type
   * and key order exactly; safe because the replay is the target's only writer. `replacing`:
   * the filter of the document known to be there.
   */
  private async putDocument(entry: OplogEntry, target: { db: string; collection: string }, document: Uint8Array, replacing?: Document): Promise<void> {
    const db = this.target.client.db(target.db);
    const namespace = `${target.db}.${target.collection}`;
    if (replacing) await this.deleteById(target, replacing, entry);
    const first = await insertRawBatch(db, target.collection, [document], namespace, { bypassDocumentValidation: true });
    if (first.duplicates === 0) return;
    const filter = idFilter(document);
    if (!filter) {
      throw new MongosafeError('CORRUPT', `oplog entry ${formatTime(entry.ts)} on ${entry.ns}: a document without _id met a duplicate key`, 'a secondary unique index refuses it; build indexes after the replay', { details: { kind: 'invalid' } });
    }
    await this.deleteById(target, filter, entry);
    const second = await insertRawBatch(db, target.collection, [document], namespace, { bypassDocumentValidation: true });
    if (second.duplicates !== 0) {
      throw new MongosafeError('SOURCE', `oplog entry ${formatTime(entry.ts)} on ${entry.ns}: the document collides with another on a unique index of ${namespace}`, 'unique secondary indexes must be built after the replay (mongorestore does so)');
    }
  }

  private async find(target: { db: string; collection: string }, filter: Document, entry: OplogEntry): Promise<Uint8Array | undefined> {
    try {
      const found: unknown = await this.target.client.db(target.db).collection(target.collection).findOne(filter, { raw: true });
      return found instanceof Uint8Array ? found : undefined;
    } catch (error) {
      throw new MongosafeError('SOURCE', `oplog entry ${formatTime(entry.ts)} on ${entry.ns}: reading the document to update failed: ${messageOf(error)}`, undefined, { cause: error });
    }
  }

  private async deleteById(target: { db: string; collection: string }, filter: Document, entry: OplogEntry): Promise<void> {
    try {
      await this.target.client.db(target.db).collection(target.collection).deleteOne(filter);
    } catch (error) {
      throw new MongosafeError('SOURCE', `oplog entry ${formatTime(entry.ts)} on ${entry.ns}: deleting by _id failed: ${messageOf(error)}`, undefined, { cause: error });
    }
  }
}
