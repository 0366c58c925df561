import { verify } from '../../core/verify.js';
import { decryptKey, destinationUrl, flag, resolveUri, stringValue, type CommandContext } from '../context.js';
import { EXIT_CODE, EXIT_OK } from '../exit-codes.js';
import { formatCount, formatDuration } from '../output.js';

export async function runVerify(ctx: CommandContext): Promise<number> {
  const ref = ctx.args.positionals[0] ?? 'latest';
  const deep = flag(ctx, 'deep');
  const result = await verify({ backup: ref, storage: destinationUrl(ctx), decryptKey: decryptKey(ctx), deep, scratchUri: deep ? await resolveUri(ctx) : undefined, spoolDir: stringValue(ctx, 'spool-dir'), signal: ctx.signal, onProgress: ctx.onProgress });
  ctx.finishProgress();
  ctx.out.result(result);
  for (const b of result.backups) {
    ctx.out.line(
      b.skipped
        ? `skipped ${b.id}: ${b.skipped}`
        : b.ok
        ? `ok      ${b.id}: ${b.namespaces} namespaces, ${formatCount(b.documents)} documents, every CRC, count and the sha256 match${b.kind === 'deep' ? '; a restore drill gave back every document and index' : ''} (${formatDuration(b.durationMs)})`
        : `FAILED  ${b.id}: ${b.problem ?? 'unknown problem'}`,
    );
  }
  const failed = result.backups.filter((b) => !b.ok).length;
  if (failed > 0) {
    process.stderr.write(`mongosafe: verify found ${failed} damaged or incomplete backup${failed > 1 ? 's' : ''}\n`);
    return EXIT_CODE.VERIFY_FAILED;
  }
  return EXIT_OK;
}
