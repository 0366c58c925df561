import { backup } from '../../core/backup.js';
import { formatBytes, formatCount, formatDuration } from '../output.js';
import { destination, listValue, numberValue, resolveUri, stringValue, type CommandContext } from '../context.js';
import type { Compression } from '../../archive/types.js';

export async function runBackup(ctx: CommandContext): Promise<number> {
  const uri = await resolveUri(ctx);
  const storage = await destination(ctx, { mustExist: false });
  const result = await backup({
    uri,
    storage,
    databases: listValue(ctx, 'db'),
    include: listValue(ctx, 'ns-include'),
    exclude: listValue(ctx, 'ns-exclude'),
    compression: stringValue(ctx, 'compression') as Compression | undefined,
    compressionLevel: numberValue(ctx, 'compression-level'),
    parallel: numberValue(ctx, 'parallel'),
    encrypt: stringValue(ctx, 'encrypt'),
    lockDays: numberValue(ctx, 'lock-days'),
    connectTimeoutMs: numberValue(ctx, 'connect-timeout'),
    signal: ctx.signal,
    onProgress: ctx.onProgress,
  });
  ctx.finishProgress();
  const { manifest } = result;
  for (const warning of manifest.warnings) ctx.out.warn(warning);
  ctx.out.result(result);
  ctx.out.line(
    `backup ${result.id} complete: ${manifest.totals.namespaces} namespaces, ${formatCount(manifest.totals.documents)} documents, ` +
      `${formatBytes(manifest.archive.bytes)} in ${result.destination} (${formatDuration(result.durationMs)})`,
  );
  return 0;
}
