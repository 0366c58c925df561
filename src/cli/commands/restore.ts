import { restore } from '../../core/restore.js';
import { MongosafeError } from '../../errors.js';
import { parseOplogLimit } from '../../core/replay/oplog-limit.js';
import type { ReplaySummary } from '../../core/replay/replay.js';
import { decryptKey, destinationUrl, flag, stringValue, hasUri, listValue, numberValue, resolveUri, type CommandContext } from '../context.js';
import { formatCount, formatDuration, table } from '../output.js';

export async function runRestore(ctx: CommandContext): Promise<number> {
  const ref = ctx.args.positionals[0] ?? 'latest';
  const from = listValue(ctx, 'ns-from');
  const to = listValue(ctx, 'ns-to');
  if (from.length !== to.length) {
    throw new MongosafeError('USAGE', `--ns-from was given ${from.length} times and --ns-to ${to.length} times`, 'give them in pairs: --ns-from "old.*" --ns-to "new.*"');
  }
  const dryRun = flag(ctx, 'dry-run');
  const oplogReplay = flag(ctx, 'oplog-replay');
  const oplogLimitText = stringValue(ctx, 'oplog-limit');
  // A dry run checks the backup and writes nothing, so it needs no target.
  const uri = dryRun && !hasUri(ctx) ? undefined : await resolveUri(ctx);
  const result = await restore({
    backup: ref,
    // A URL, opened only for a stored backup: restoring a file needs no destination.
    storage: destinationUrl(ctx),
    decryptKey: decryptKey(ctx),
    uri,
    wait: flag(ctx, 'wait'),
    spoolDir: stringValue(ctx, 'spool-dir'),
    include: listValue(ctx, 'ns-include'),
    exclude: listValue(ctx, 'ns-exclude'),
    renames: from.map((pattern, i) => ({ from: pattern, to: to[i] ?? pattern })),
    drop: flag(ctx, 'drop'),
    dryRun,
    oplogReplay,
    oplogLimit: oplogLimitText === undefined ? undefined : parseOplogLimit(oplogLimitText),
    noIndexes: flag(ctx, 'no-indexes'),
    workers: numberValue(ctx, 'parallel'),
    connectTimeoutMs: numberValue(ctx, 'connect-timeout'),
    signal: ctx.signal,
    onProgress: ctx.onProgress,
  });
  ctx.finishProgress();
  for (const warning of result.warnings) ctx.out.warn(warning);
  ctx.out.result(result);
  if (dryRun) {
    const action = flag(ctx, 'drop') ? 'drop, then insert' : 'insert';
    // Skipped ones are listed too; why is in their warning line.
    const actionOf = (ns: (typeof result.namespaces)[number]) => (ns.status === 'skipped' ? 'skip (see warning)' : ns.status === 'replayed' ? 'replay, after the data' : action);
    const rows = result.namespaces.map((ns) => [ns.source, ns.status === 'skipped' ? '-' : ns.status === 'replayed' ? '(its entries)' : ns.target, ns.type, formatCount(ns.documents), actionOf(ns)]);
    ctx.out.line(`dry run: ${result.source} checked; nothing was changed. It would restore:`);
    ctx.out.line(table(['FROM', 'TO', 'TYPE', 'DOCUMENTS', 'ACTION'], rows, new Set([3])));
    return 0;
  }
  const { totals } = result;
  ctx.out.line(
    `restored ${result.source} into ${result.target}: ${totals.namespaces} namespaces, ${formatCount(totals.inserted)} documents inserted, ` +
      `${formatCount(totals.duplicates)} already present${totals.skipped > 0 ? `, ${totals.skipped} skipped` : ''} (${formatDuration(result.durationMs)})`,
  );
  if (result.oplog) ctx.out.line(describeReplay(result.oplog));
  return 0;
}

/** One line: the entries applied by kind, those skipped and why, where the replay stopped. */
function describeReplay({ applied, skipped, lastApplied, stoppedAtLimit }: ReplaySummary): string {
  const counts = (tally: Record<string, number>, names: Record<string, string>) =>
    Object.entries(names)
      .filter(([field]) => (tally[field] ?? 0) > 0)
      .map(([field, name]) => `${formatCount(tally[field] ?? 0)} ${name}`)
      .join(', ');
  const done = counts(applied, { insert: 'inserts', update: 'updates', delete: 'deletes', command: 'commands', transaction: 'transactions committed' }) || 'no entries';
  const left = counts(skipped, { noop: 'no-ops', filtered: 'filtered out', missingDocument: 'updates of documents no longer there', ignoredCommand: 'internal commands', abortedTransaction: 'aborted or unfinished transactions' });
  const last = lastApplied ? `; last entry ${lastApplied.t}:${lastApplied.i}` : '';
  return `oplog replayed: ${done} applied${left ? `; skipped ${left}` : ''}${last}${stoppedAtLimit ? ' (stopped at --oplog-limit)' : ''}`;
}
