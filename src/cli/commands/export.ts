import { exportBackup } from '../../core/export.js';
import { MongosafeError } from '../../errors.js';
import { decryptKey, destinationUrl, flag, stringValue, type CommandContext } from '../context.js';
import { formatBytes } from '../output.js';

export async function runExport(ctx: CommandContext): Promise<number> {
  const out = stringValue(ctx, 'out');
  if (out === undefined) throw new MongosafeError('USAGE', 'export needs --out FILE (or --out - for stdout)', 'e.g. mongosafe export latest --out latest.archive.gz', { details: { kind: 'invalid' } });
  const toStdout = out === '-';
  if (toStdout && flag(ctx, 'json')) throw new MongosafeError('USAGE', '--json and --out - both want stdout', 'write the archive to a file, or leave --json out', { details: { kind: 'invalid' } });
  const result = await exportBackup({
    backup: ctx.args.positionals[0] ?? 'latest',
    storage: destinationUrl(ctx),
    decryptKey: decryptKey(ctx),
    out: toStdout ? process.stdout : out,
    wait: flag(ctx, 'wait'),
    signal: ctx.signal,
    onProgress: ctx.onProgress,
  });
  ctx.finishProgress();
  ctx.out.result(result);
  const gzip = result.compression === 'gzip' ? ' --gzip' : '';
  const reader = result.mongorestoreCompatible ? `; mongorestore --archive=${toStdout ? '-' : result.out}${gzip} reads it` : ' (zstd: mongosafe restore reads it; mongorestore does not)';
  const line = `exported backup ${result.id}: ${formatBytes(result.bytes)}, sha256 ${result.sha256} checked${reader}`;
  // stdout carries the archive: the summary goes to stderr.
  if (toStdout) process.stderr.write(`${line}\n`);
  else ctx.out.line(line);
  return 0;
}
