import { inspect } from '../../core/inspect.js';
import { skipWarning } from '../../core/special-namespaces.js';
import { destinationUrl, type CommandContext } from '../context.js';
import { formatBytes, formatCount, table } from '../output.js';

export async function runInspect(ctx: CommandContext): Promise<number> {
  const ref = ctx.args.positionals[0] ?? 'latest';
  const result = await inspect({ backup: ref, storage: destinationUrl(ctx), signal: ctx.signal });
  ctx.out.result(result.manifest ? { ...result.manifest, ageMs: result.ageMs, verifications: result.verifications } : result);
  const { manifest } = result;
  if (manifest) {
    ctx.out.line(`${result.description}`);
    ctx.out.line(`  started ${manifest.startedAt}, finished ${manifest.finishedAt}`);
    ctx.out.line(`  source ${manifest.source.uri} (MongoDB ${manifest.source.serverVersion}, ${manifest.source.topology})`);
    ctx.out.line(`  archive ${manifest.archive.key}: ${formatBytes(manifest.archive.bytes)}, ${manifest.archive.compression}, sha256 ${manifest.archive.sha256}`);
    const { encryption } = manifest;
    if (encryption) {
      const key = encryption.keyring === 'kms' ? `KMS key ${encryption.keyId}` : `${encryption.keyring === 'raw-aes' ? 'key file' : 'RSA key'} ${encryption.keyFingerprint}`;
      ctx.out.line(`  encrypted (${encryption.scheme}) with ${key}: ${formatBytes(encryption.ciphertextBytes)} stored, sha256 ${encryption.ciphertextSha256}`);
    }
    const verified = result.verifications?.[0];
    ctx.out.line(`  verified: ${verified ? `${verified.kind} at ${verified.at}` : 'never'}`);
    for (const warning of manifest.warnings) ctx.out.line(`  warning: ${warning}`);
  } else {
    ctx.out.line(`${result.description}${result.header ? ` (server ${result.header.serverVersion}, written by ${result.header.toolVersion})` : ''}`);
  }
  const rows = result.namespaces.map((ns) => [`${ns.db}.${ns.collection}`, ns.type, formatCount(ns.documents), formatBytes(ns.bsonBytes), ns.crc64, ns.indexes.join(',')]);
  ctx.out.line(table(['NAMESPACE', 'TYPE', 'DOCUMENTS', 'BSON', 'CRC64', 'INDEXES'], rows, new Set([2, 3])));
  // What restore would not write, as its warnings will say it: one line each.
  for (const notice of result.notices) ctx.out.line(`notice: ${notice}`);
  for (const ns of result.namespaces) if (ns.skipped) ctx.out.line(`not restored: ${skipWarning(ns, ns.skipped)}`);
  return 0;
}
