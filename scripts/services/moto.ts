import { join } from 'node:path';
import { MOTO_VERSION, RUN_DIR } from './paths.js';
import { freePort, startDaemon, waitForPort } from './process.js';
import { installPythonTool } from './venv.js';

/** moto_server, in a virtualenv in the shared cache. */
export function installMoto(log: (line: string) => void): Promise<string> {
  return installPythonTool({ name: 'moto', version: MOTO_VERSION, requirement: `moto[server]==${MOTO_VERSION}`, command: 'moto_server', why: 'the local AWS emulator' }, log);
}

export async function startMoto(server: string): Promise<{ pid: number; port: number; url: string }> {
  const port = await freePort();
  const logFile = join(RUN_DIR, 'moto.log');
  const pid = startDaemon(server, ['-H', '127.0.0.1', '-p', String(port)], logFile);
  await waitForPort(port, pid, 'moto', logFile);
  return { pid, port, url: `http://127.0.0.1:${port}` };
}
