import { restore } from '../../core/restore.js';
import { MongosafeError } from '../../errors.js';
import { decryptKey, destinationUrl, flag, hasUri, listValue, numberValue, resolveUri, type CommandContext } from '../context.js';
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
  // A dry run checks the backup and writes nothing, so it needs no target.
  const uri = dryRun && !hasUri(ctx) ? undefined : await resolveUri(ctx);
  const result = await restore({
    backup: ref,
    // A URL, opened only for a stored backup: restoring a file needs no destination.
    storage: destinationUrl(ctx),
    decryptKey: decryptKey(ctx),
    uri,
    wait: flag(ctx, 'wait'),
    include: listValue(ctx, 'ns-include'),
    exclude: listValue(ctx, 'ns-exclude'),
    renames: from.map((pattern, i) => ({ from: pattern, to: to[i] ?? pattern })),
    drop: flag(ctx, 'drop'),
    dryRun,
    oplogReplay,
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
    const rows = result.namespaces.map((ns) => [ns.source, ns.status === 'skipped' ? '-' : ns.target, ns.type, formatCount(ns.documents), ns.status === 'skipped' ? 'skip (see warning)' : action]);
    ctx.out.line(`dry run: ${result.source} checked; nothing was changed. It would restore:`);
    ctx.out.line(table(['FROM', 'TO', 'TYPE', 'DOCUMENTS', 'ACTION'], rows, new Set([3])));
    return 0;
  }
  const { totals } = result;
  ctx.out.line(
    `restored ${result.source} into ${result.target}: ${totals.namespaces} namespaces, ${formatCount(totals.inserted)} documents inserted, ` +
      `${formatCount(totals.duplicates)} already present${totals.skipped > 0 ? `, ${totals.skipped} skipped` : ''} (${formatDuration(result.durationMs)})`,
  );
  return 0;
}
