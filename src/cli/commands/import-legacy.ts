import { importLegacy } from '../../core/import-legacy.js';
import { MongosafeError } from '../../errors.js';
import { flag, listValue, numberValue, resolveUri, type CommandContext } from '../context.js';
import { formatCount, formatDuration, table } from '../output.js';

export async function runImportLegacy(ctx: CommandContext): Promise<number> {
  const zipPath = ctx.args.positionals[0] ?? '';
  const dbs = listValue(ctx, 'db');
  if (dbs.length > 1) {
    throw new MongosafeError('USAGE', `import-legacy imports into one database, got --db ${dbs.join(', ')}`, 'give --db once');
  }
  const result = await importLegacy({
    zipPath,
    uri: await resolveUri(ctx),
    db: dbs[0],
    inferTypes: flag(ctx, 'infer-types'),
    drop: flag(ctx, 'drop'),
    connectTimeoutMs: numberValue(ctx, 'connect-timeout'),
    signal: ctx.signal,
    onProgress: ctx.onProgress,
  });
  ctx.finishProgress();
  for (const warning of result.warnings) ctx.out.warn(warning);
  ctx.out.result(result);
  const rows = result.collections.map((c) => [c.collection, formatCount(c.documents), formatCount(c.inserted), formatCount(c.duplicates)]);
  ctx.out.line(table(['COLLECTION', 'DOCUMENTS', 'INSERTED', 'ALREADY PRESENT'], rows, new Set([1, 2, 3])));
  const inserted = result.collections.reduce((sum, c) => sum + c.inserted, 0);
  const duplicates = result.collections.reduce((sum, c) => sum + c.duplicates, 0);
  ctx.out.line(
    `imported ${zipPath} into ${result.db}: ${result.collections.length} collections, ${formatCount(inserted)} documents inserted, ` +
      `${formatCount(duplicates)} already present (${formatDuration(result.durationMs)})`,
  );
  return 0;
}
