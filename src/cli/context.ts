import type { ResolvedArgs } from '../config/resolve.js';
import { requireDestination } from '../core/backup-ref.js';
import type { ProgressEvent } from '../core/progress.js';
import { MongosafeError } from '../errors.js';
import { openStorage } from '../storage/registry.js';
import type { Storage } from '../storage/storage.js';
import { createOutput, type Output } from './output.js';
import { createProgress } from './progress.js';

/** What every command gets: its parsed arguments, output, progress and the interrupt signal. */
export interface CommandContext {
  args: ResolvedArgs;
  out: Output;
  signal: AbortSignal;
  onProgress: (event: ProgressEvent) => void;
  finishProgress: () => void;
}

export function createContext(args: ResolvedArgs, signal: AbortSignal): CommandContext {
  const json = args.values.json === true;
  const progress = json ? { onProgress: () => {}, finish: () => {} } : createProgress();
  return { args, out: createOutput(json), signal, onProgress: progress.onProgress, finishProgress: progress.finish };
}

export function stringValue(ctx: CommandContext, name: keyof ResolvedArgs['values']): string | undefined {
  const value = ctx.args.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function numberValue(ctx: CommandContext, name: keyof ResolvedArgs['values']): number | undefined {
  const value = ctx.args.values[name];
  return typeof value === 'number' ? value : undefined;
}

export function listValue(ctx: CommandContext, name: keyof ResolvedArgs['values']): string[] {
  const value = ctx.args.values[name];
  return Array.isArray(value) ? value : [];
}

export function flag(ctx: CommandContext, name: keyof ResolvedArgs['values']): boolean {
  return ctx.args.values[name] === true;
}

/** --uri, else MONGODB_URI, else --uri-secret from Secrets Manager; USAGE when none is given. */
export async function resolveUri(ctx: CommandContext): Promise<string> {
  const uri = stringValue(ctx, 'uri');
  const secret = stringValue(ctx, 'uri-secret');
  if (uri && ctx.args.provenance.uri === 'flag') return uri;
  if (secret) {
    // Loaded on demand: only this path needs the Secrets Manager client.
    const { readSecretUri } = await import('../config/secret.js');
    return readSecretUri(secret, { signal: ctx.signal });
  }
  if (uri) return uri;
  throw new MongosafeError('USAGE', `${ctx.args.command} needs a MongoDB connection string`, 'pass --uri URI, set MONGODB_URI, or use --uri-secret ID[#KEY]');
}

/** The key that opens an encrypted backup: --decrypt-key, else --encrypt (a key file serves both ways). */
export function decryptKey(ctx: CommandContext): string | undefined {
  return stringValue(ctx, 'decrypt-key') ?? stringValue(ctx, 'encrypt');
}

export function hasUri(ctx: CommandContext): boolean {
  return stringValue(ctx, 'uri') !== undefined || stringValue(ctx, 'uri-secret') !== undefined;
}

/** The destination named by --to (backup) or --from (the others). */
/** Where backups are: --to, --from or their env, else ./backups. */
export function destinationUrl(ctx: CommandContext): string {
  return stringValue(ctx, 'to') ?? stringValue(ctx, 'from') ?? './backups';
}

export async function destination(ctx: CommandContext, options: { mustExist: boolean }): Promise<Storage> {
  const storage = await openStorage(destinationUrl(ctx), { kmsKeyId: stringValue(ctx, 'kms-key') });
  return options.mustExist ? requireDestination(storage) : storage;
}
