import { status } from '../../core/status.js';
import { destination, numberValue, type CommandContext } from '../context.js';
import { EXIT_FAILED, EXIT_OK } from '../exit-codes.js';
import { formatBytes, formatDuration } from '../output.js';

export async function runStatus(ctx: CommandContext): Promise<number> {
  const storage = await destination(ctx, { mustExist: true });
  // The option table defaults --max-age to 26h (a daily backup plus slack); this covers a table without it.
  const maxAgeMs = numberValue(ctx, 'max-age') ?? 26 * 60 * 60 * 1000;
  const result = await status({ storage, maxAgeMs, signal: ctx.signal });
  ctx.out.result(result);

  const { newest, newestVerified } = result;
  if (newest) ctx.out.line(`newest:          ${newest.id}, ${formatDuration(newest.ageMs)} old (limit ${formatDuration(maxAgeMs)}), ${formatBytes(newest.bytes)}`);
  ctx.out.line(`newest verified: ${newestVerified ? `${newestVerified.id} (${newestVerified.kind}, ${newestVerified.at.slice(0, 16).replace('T', ' ')} UTC)` : 'none'}`);
  const classes = Object.entries(result.byStorageClass).map(([name, c]) => `${name} ${c.count} (${formatBytes(c.bytes)})`);
  ctx.out.line(`backups:         ${result.backups}, ${formatBytes(result.totalBytes)}${classes.length > 0 ? `: ${classes.join(', ')}` : ''}`);
  if (result.incomplete.length > 0) {
    ctx.out.line(`incomplete:      ${result.incomplete.map((i) => `${i.id} (last written ${formatDuration(i.ageMs)} ago)`).join(', ')}`);
  }
  if (!result.healthy) {
    // One line on stderr in both modes, so cron mail and monitoring logs say what is wrong.
    process.stderr.write(`mongosafe: unhealthy: ${result.problem ?? 'unknown problem'} (${result.destination})\n`);
    return EXIT_FAILED;
  }
  ctx.out.line(`ok: ${result.destination} has a backup younger than ${formatDuration(maxAgeMs)}`);
  return EXIT_OK;
}
