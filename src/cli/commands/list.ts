import { list } from '../../core/list.js';
import { destination, type CommandContext } from '../context.js';
import { formatBytes, formatCount, formatDuration, table } from '../output.js';

export async function runList(ctx: CommandContext): Promise<number> {
  const storage = await destination(ctx, { mustExist: true });
  const result = await list({ storage, signal: ctx.signal });
  ctx.out.result(result);
  if (result.backups.length === 0) {
    ctx.out.line(`no complete backups in ${result.destination}`);
  } else {
    const rows = result.backups.map((b) => [
      b.id,
      formatDuration(b.ageMs),
      formatBytes(b.bytes),
      String(b.namespaces),
      formatCount(b.documents),
      b.dataMissing ? 'data missing (expired?)' : b.verified ? `${b.verified.ok ? '' : 'FAILED '}${b.verified.kind} ${b.verified.at.slice(0, 16).replace('T', ' ')}` : 'no',
    ]);
    ctx.out.line(table(['ID', 'AGE', 'SIZE', 'NAMESPACES', 'DOCUMENTS', 'VERIFIED'], rows, new Set([1, 2, 3, 4])));
    ctx.out.line(`${result.backups.length} backups in ${result.destination}`);
    const missing = result.backups.filter((b) => b.dataMissing).map((b) => b.id);
    if (missing.length > 0) ctx.out.warn(`${missing.length} backups have a manifest but their archive is gone (expired by a lifecycle rule?), they cannot be restored: ${missing.join(', ')}`);
  }
  if (result.incomplete.length > 0) ctx.out.warn(`${result.incomplete.length} incomplete backups (no manifest): ${result.incomplete.join(', ')}; prune removes them after a day`);
  return 0;
}
