import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './paths.js';
import { hasCommand, run } from './process.js';

/**
 * A PyPI tool in its own virtualenv in the shared cache; returns the path of
 * its `command`. A venv cannot be moved (its scripts carry absolute shebangs),
 * so it is built in place and marked complete last.
 */
export async function installPythonTool(tool: { name: string; version: string; requirement: string; command: string; why: string }, log: (line: string) => void): Promise<string> {
  const venv = join(cacheDir(), `${tool.name}-${tool.version}`, 'venv');
  const command = join(venv, 'bin', tool.command);
  const complete = join(venv, '.complete');
  if (existsSync(complete)) return command;
  if (!(await hasCommand('python3'))) {
    throw new Error(`Python 3 with venv is needed for ${tool.why} (${tool.name}): install python3 and python3-venv.`);
  }
  log(`installing ${tool.requirement} into a virtualenv (first time only)…`);
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(join(venv, '..'), { recursive: true });
  await run('python3', ['-m', 'venv', venv]);
  await run(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', tool.requirement]);
  writeFileSync(complete, '');
  return command;
}
