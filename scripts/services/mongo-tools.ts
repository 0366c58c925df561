import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MONGO_TOOLS_VERSION, cacheDir } from './paths.js';
import { hasCommand, run } from './process.js';

export interface MongoTools {
  mongodump: string;
  mongorestore: string;
}

const MODULE = 'github.com/mongodb/mongo-tools';

function cacheBinDir(): string {
  return join(cacheDir(), `mongo-tools-${MONGO_TOOLS_VERSION.slice(-12)}`, 'bin');
}

/**
 * mongodump and mongorestore are the interoperability oracle. Found in this
 * order: MONGODUMP/MONGORESTORE, the build cache, a build from the Go module
 * proxy at the pinned commit, then PATH. Returns the reason when none is found,
 * so tests that need them can say why they skip.
 */
export async function findMongoTools(log: (line: string) => void): Promise<MongoTools | { unavailable: string }> {
  const { MONGODUMP, MONGORESTORE } = process.env;
  if (MONGODUMP && MONGORESTORE) return { mongodump: MONGODUMP, mongorestore: MONGORESTORE };

  const bin = cacheBinDir();
  const cached = { mongodump: join(bin, 'mongodump'), mongorestore: join(bin, 'mongorestore') };
  if (existsSync(cached.mongodump) && existsSync(cached.mongorestore)) return cached;

  let reason = 'Go is not installed';
  if (await hasCommand('go')) {
    try {
      log(`building mongodump and mongorestore from ${MODULE}@${MONGO_TOOLS_VERSION} (first time only)…`);
      await installTool('mongodump', bin);
      await installTool('mongorestore', bin);
      return cached;
    } catch (error) {
      reason = (error instanceof Error ? error.message : String(error)).split('\n').find((l) => /forbidden|not available|error/i.test(l)) ?? 'go install failed';
    }
  }
  if ((await hasCommand('mongodump')) && (await hasCommand('mongorestore'))) {
    return { mongodump: 'mongodump', mongorestore: 'mongorestore' };
  }
  return { unavailable: `${MODULE}@${MONGO_TOOLS_VERSION} could not be built (${reason.trim()}); set MONGODUMP and MONGORESTORE or put both on PATH` };
}

/** Both tools live in packages named `main`, so each is installed alone and renamed. */
async function installTool(tool: 'mongodump' | 'mongorestore', bin: string): Promise<void> {
  const gobin = `${bin}.gobin-${process.pid}`;
  rmSync(gobin, { recursive: true, force: true });
  mkdirSync(bin, { recursive: true });
  try {
    await run('go', ['install', `${MODULE}/${tool}/main@${MONGO_TOOLS_VERSION}`], { env: { ...process.env, GOBIN: gobin } });
    renameSync(join(gobin, 'main'), join(bin, tool));
  } finally {
    rmSync(gobin, { recursive: true, force: true });
  }
}
