import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MOTO_VERSION, RUN_DIR, cacheDir } from './paths.js';
import { freePort, hasCommand, run, startDaemon, waitForPort } from './process.js';

/**
 * moto_server in a virtualenv in the cache. A venv cannot be moved (its scripts
 * carry absolute shebangs), so it is built in place and marked complete last.
 */
export async function installMoto(log: (line: string) => void): Promise<string> {
  const venv = join(cacheDir(), `moto-${MOTO_VERSION}`, 'venv');
  const server = join(venv, 'bin', 'moto_server');
  const complete = join(venv, '.complete');
  if (existsSync(complete)) return server;
  if (!(await hasCommand('python3'))) {
    throw new Error('Python 3 with venv is needed for the local AWS emulator (moto): install python3 and python3-venv.');
  }
  log(`installing moto[server] ${MOTO_VERSION} into a virtualenv (first time only)…`);
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(join(venv, '..'), { recursive: true });
  await run('python3', ['-m', 'venv', venv]);
  await run(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `moto[server]==${MOTO_VERSION}`]);
  writeFileSync(complete, '');
  return server;
}

export async function startMoto(server: string): Promise<{ pid: number; port: number; url: string }> {
  const port = await freePort();
  const logFile = join(RUN_DIR, 'moto.log');
  const pid = startDaemon(server, ['-H', '127.0.0.1', '-p', String(port)], logFile);
  await waitForPort(port, pid, 'moto', logFile);
  return { pid, port, url: `http://127.0.0.1:${port}` };
}
