import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { FERRETDB_VERSION, REPO_ROOT, RUN_DIR, cacheDir } from './paths.js';
import { freePort, hasCommand, run, startDaemon, waitForPort } from './process.js';

const SOURCE_DIR = join(REPO_ROOT, 'tools', 'ferretdb');

/** The build is keyed by the Go program's sources, so any change to them rebuilds. */
function binaryPath(): string {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(join(SOURCE_DIR, file)));
  return join(cacheDir(), `ferretdb-${FERRETDB_VERSION}-${hash.digest('hex').slice(0, 12)}`, 'ferretdb-embedded');
}

export async function buildFerretDb(log: (line: string) => void): Promise<string> {
  const binary = binaryPath();
  if (existsSync(binary)) return binary;
  if (!(await hasCommand('go'))) {
    throw new Error('Go 1.24 or newer is needed to build the test MongoDB server (FerretDB): install Go, or set MONGODB_URI to a MongoDB you run.');
  }
  log(`building FerretDB ${FERRETDB_VERSION} (first time only, about a minute)…`);
  mkdirSync(join(binary, '..'), { recursive: true });
  const partial = `${binary}.partial-${process.pid}`;
  await run('go', ['build', '-o', partial, '.'], { cwd: SOURCE_DIR });
  renameSync(partial, binary);
  return binary;
}

export async function startFerretDb(binary: string): Promise<{ pid: number; port: number; uri: string }> {
  const port = await freePort();
  const dataDir = join(RUN_DIR, 'ferretdb-data');
  mkdirSync(dataDir, { recursive: true });
  const logFile = join(RUN_DIR, 'ferretdb.log');
  const pid = startDaemon(binary, ['-listen', `127.0.0.1:${port}`, '-data', dataDir], logFile);
  await waitForPort(port, pid, 'FerretDB', logFile);
  return { pid, port, uri: `mongodb://127.0.0.1:${port}/` };
}
