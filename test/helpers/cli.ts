import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/mongosafe.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  timeoutMs?: number;
  /** The node binary; default the one running the tests. */
  node?: string;
  /** Node's own options, before the script (e.g. --import). */
  nodeArgs?: readonly string[];
}

/** Runs the built CLI as a user would, with only the given environment on top of the test env. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, options: CliOptions = {}): Promise<CliRun> {
  return startCli(args, env, options).finished;
}

/** The CLI started as runCli starts it, for a test that watches its output or signals it while it runs. */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, options: CliOptions = {}): { child: ChildProcessByStdio<null, Readable, Readable>; finished: Promise<CliRun> } {
  const child = spawn(options.node ?? process.execPath, [...(options.nodeArgs ?? []), BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, MONGOSAFE_DESTINATION: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { child, finished: outputOf(child, options.timeoutMs) };
}

/** Everything `child` writes until it ends, and its exit code; killed after `timeoutMs`. */
export function outputOf(child: ChildProcessByStdio<null, Readable, Readable>, timeoutMs = 120_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
