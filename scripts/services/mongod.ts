import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_DIR } from './paths.js';
import { freePort, hasCommand, startDaemon, waitForPort } from './process.js';

/** A real mongod on PATH is preferred over FerretDB: it accepts every BSON type and option. */
export async function findMongod(): Promise<boolean> {
  return process.env.MONGOSAFE_TEST_SERVER !== 'ferretdb' && (await hasCommand('mongod'));
}

export async function startMongod(): Promise<{ pid: number; port: number; uri: string }> {
  const port = await freePort();
  const dataDir = join(RUN_DIR, 'mongod-data');
  mkdirSync(dataDir, { recursive: true });
  const logFile = join(RUN_DIR, 'mongod.log');
  const pid = startDaemon('mongod', ['--bind_ip', '127.0.0.1', '--port', String(port), '--dbpath', dataDir], logFile);
  await waitForPort(port, pid, 'mongod', logFile);
  return { pid, port, uri: `mongodb://127.0.0.1:${port}/` };
}
