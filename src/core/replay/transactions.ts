import { commandOf, hasTrueField, innerOps, type OplogEntry, type OplogTime } from './entry.js';

/** An inner op of a transaction, raw, with the timestamp of the entry that carried it. */
export interface BufferedOp {
  bytes: Uint8Array;
  ts: OplogTime;
}

/** What a transaction entry asks of the replay: nothing yet, apply these ops, or nothing ever. */
export type TransactionStep = { kind: 'buffered' } | { kind: 'commit'; ops: BufferedOp[] } | { kind: 'abort' };

const TRANSACTION_COMMANDS = new Set(['applyOps', 'commitTransaction', 'abortTransaction']);

/**
 * Whether the entry belongs to a transaction (research/oplog-replay.md §4.2, as mongo-tools'
 * `NewMeta`): a command with a session and a transaction number whose `o` is `applyOps`,
 * `commitTransaction` or `abortTransaction`, unless `multiOpType: 1` marks a batch of ordinary
 * writes. Plain writes carrying lsid/txnNumber are retryable writes: ordinary.
 */
export function isTransactionEntry(entry: OplogEntry): boolean {
  if (entry.op !== 'c' || entry.lsid === undefined || entry.txnNumber === undefined || entry.multiOpType === 1) return false;
  return TRANSACTION_COMMANDS.has(commandOf(entry.o).name);
}

/**
 * The transactions under way, keyed by session and transaction number. Inner ops wait here
 * until the commit point: an `applyOps` with neither `partialTxn` nor `prepare` (an unprepared
 * transaction's last entry), or a `commitTransaction` (a prepared one's). `prevOpTime` is not
 * followed: entries arrive in `ts` order, which is the chain's order.
 */
export class TransactionBuffer {
  private readonly open = new Map<string, BufferedOp[]>();

  add(entry: OplogEntry): TransactionStep {
    const key = `${Buffer.from(entry.lsid ?? new Uint8Array()).toString('hex')}:${String(entry.txnNumber)}`;
    const { name } = commandOf(entry.o);
    if (name === 'abortTransaction') {
      this.open.delete(key);
      return { kind: 'abort' };
    }
    const ops = this.open.get(key) ?? [];
    if (name === 'commitTransaction') {
      this.open.delete(key);
      return { kind: 'commit', ops };
    }
    for (const bytes of innerOps(entry.o)) ops.push({ bytes, ts: entry.ts });
    if (hasTrueField(entry.o, 'partialTxn') || hasTrueField(entry.o, 'prepare')) {
      this.open.set(key, ops);
      return { kind: 'buffered' };
    }
    this.open.delete(key);
    return { kind: 'commit', ops };
  }

  /** Transactions neither committed nor aborted yet: at the end of the replay, discarded. */
  get unfinished(): number {
    return this.open.size;
  }
}
