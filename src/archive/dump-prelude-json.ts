/**
 * A directory dump's `prelude.json` (mongodump ≥ 100.12.0): only its `ServerVersion` is used,
 * as the header's server version, which decides where timeseries data sits (SPEC.md
 * "Prelude"). Read with mongorestore's strictness (`ReadPreludeMetadata`): missing is fine,
 * present but unusable is an error, because a wrong version would misread timeseries data.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { MongosafeError, messageOf } from '../errors.js';
import { readDumpText } from './dump-text-file.js';
import { PRELUDE_FILES } from './dump-file-names.js';
import { parseServerVersion } from './server-version.js';

/** What a dump without a usable version counts as, as in mongorestore. */
export const UNKNOWN_SERVER_VERSION = '0.0.0';

/** The first `prelude.json[.gz]` in `folders` (nearest first) gives the version; none: 0.0.0. */
export async function readDumpServerVersion(folders: readonly string[]): Promise<string> {
  for (const folder of folders) {
    for (const name of PRELUDE_FILES) {
      const path = join(folder, name);
      if (await exists(path)) return serverVersionOf(await readDumpText(path), path);
    }
  }
  return UNKNOWN_SERVER_VERSION;
}

function serverVersionOf(text: string, path: string): string {
  const hint = 'fix or remove the file (mongodump writes {"ServerVersion": "X.Y.Z", "ToolVersion": …})';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new MongosafeError('CORRUPT', `${path} is not valid JSON: ${messageOf(error)}`, hint, { cause: error, details: { key: path, kind: 'invalid' } });
  }
  const version = typeof parsed === 'object' && parsed !== null ? (parsed as { ServerVersion?: unknown }).ServerVersion : undefined;
  if (typeof version !== 'string' || version === '') throw new MongosafeError('CORRUPT', `${path} has no ServerVersion`, hint, { details: { key: path, kind: 'invalid' } });
  // mongodump writes "unknown" when it could not ask the server; mongorestore accepts and ignores it.
  if (version === 'unknown') return UNKNOWN_SERVER_VERSION;
  if (parseServerVersion(version) === undefined) throw new MongosafeError('CORRUPT', `${path}: ServerVersion "${version}" is not a version X.Y.Z`, hint, { details: { key: path, kind: 'invalid' } });
  return version;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
