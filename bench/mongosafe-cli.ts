// The real CLI (`node bin/mongosafe.js`, built into dist/ first) as the db and encrypt parts run
// it against one dataset, each command measured by measure.ts: one command line per operation,
// so the two parts time the same thing.
import { join } from 'node:path';
import { REPO_ROOT } from '../scripts/services/paths.js';
import { measure, type Measurement } from './measure.js';

export interface MongosafeCommands {
  /** `backup` of the dataset's database into the folder `to`; `extra` flags appended. */
  backup: (to: string, ...extra: string[]) => Promise<Measurement>;
  /** `restore` of `source` (and its flags) into the restore database, renamed there, dropping first. */
  restore: (...source: string[]) => Promise<Measurement>;
  /** `verify` with these arguments: no server, only the stored bytes, every CRC and count. */
  verify: (...args: string[]) => Promise<Measurement>;
}

/** `env`: the commands' environment (the reads part points AWS_ENDPOINT_URL at its counting proxy). */
export function mongosafeCommands(uri: string, dbName: string, target: string, env: NodeJS.ProcessEnv = process.env): MongosafeCommands {
  const cli = join(REPO_ROOT, 'bin', 'mongosafe.js');
  const mongosafe = (...args: string[]): Promise<Measurement> => measure(process.execPath, [cli, ...args], env);
  return {
    backup: (to, ...extra) => mongosafe('backup', '--uri', uri, '--db', dbName, '--to', to, ...extra),
    restore: (...source) => mongosafe('restore', ...source, '--uri', uri, '--ns-from', `${dbName}.*`, '--ns-to', `${target}.*`, '--drop'),
    verify: (...args) => mongosafe('verify', ...args),
  };
}
