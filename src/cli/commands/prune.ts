import { prune } from '../../core/prune.js';
import { destination, flag, numberValue, type CommandContext } from '../context.js';
import { table } from '../output.js';

export async function runPrune(ctx: CommandContext): Promise<number> {
  const policy = {
    last: numberValue(ctx, 'keep-last'),
    daily: numberValue(ctx, 'keep-daily'),
    weekly: numberValue(ctx, 'keep-weekly'),
    monthly: numberValue(ctx, 'keep-monthly'),
    yearly: numberValue(ctx, 'keep-yearly'),
  };
  const dryRun = flag(ctx, 'dry-run');
  const storage = await destination(ctx, { mustExist: true });
  const result = await prune({ storage, policy, dryRun, signal: ctx.signal });
  ctx.out.result(result);

  const rows = [
    ...result.kept.map((b) => ({ id: b.id, action: 'keep', why: b.reasons.join(', ') })),
    ...result.deleted.map((b) => ({ id: b.id, action: 'delete', why: b.reason })),
    ...result.locked.map((b) => ({ id: b.id, action: 'keep', why: `locked until ${b.until} (Object Lock), then: ${b.reason}` })),
    ...result.incompleteKept.map((id) => ({ id, action: 'keep', why: 'incomplete, written to within the last day: may still be running' })),
    ...result.incompleteDeleted.map((id) => ({ id, action: 'delete', why: 'incomplete (no manifest), idle for more than a day' })),
  ].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  if (rows.length > 0) ctx.out.line(table(['ID', 'ACTION', 'WHY'], rows.map((r) => [r.id, r.action, r.why])));
  const removed = result.deleted.length + result.incompleteDeleted.length;
  const lockedNote = result.locked.length > 0 ? ` (and ${result.locked.length} that Object Lock still holds)` : '';
  ctx.out.line(
    dryRun
      ? `dry run: nothing was deleted in ${result.destination}; prune would delete ${removed} and keep ${result.kept.length} backups${lockedNote}`
      : `pruned ${result.destination}: deleted ${result.deleted.length} backups and ${result.incompleteDeleted.length} incomplete ones, kept ${result.kept.length}${lockedNote}`,
  );
  return 0;
}
