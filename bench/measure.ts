import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface Measurement {
  wallSeconds: number;
  /** User + system CPU seconds of the command and its children. */
  cpuSeconds: number;
  peakRssMb: number;
}

/**
 * Runs a command and measures it from outside, the same way for every tool:
 * Python's wait4-based rusage of the child (portable where moto's Python is).
 */
const MEASURE = `
import json, resource, subprocess, sys, time
start = time.monotonic()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
code = proc.returncode
wall = time.monotonic() - start
if code != 0:
    sys.stderr.write(proc.stderr.decode(errors='replace')[-3000:])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_kb": usage.ru_maxrss}))
`;

export function measure(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', MEASURE, command, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const result = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { code: number; wall: number; cpu: number; rss_kb: number };
      if (result.code !== 0) reject(new Error(`${command} ${args.join(' ')} exited with ${result.code}`));
      else resolve({ wallSeconds: result.wall, cpuSeconds: result.cpu, peakRssMb: result.rss_kb / 1024 });
    });
  });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** `items` starting at `round` (mod their number): each item goes first in turn, round after round. */
export function rotated<T>(items: readonly T[], round: number): T[] {
  const start = round % Math.max(1, items.length);
  return [...items.slice(start), ...items.slice(0, start)];
}

/**
 * Runs each command once, the order rotated by `round` (see `rotated`), and files each
 * measurement under its sides: one measurement may count for several sides.
 */
export async function alternate(round: number, runs: ReadonlyArray<readonly [ReadonlyArray<{ runs: Measurement[] }>, () => Promise<Measurement>]>): Promise<void> {
  for (const [sides, go] of rotated(runs, round)) {
    const measured = await go();
    for (const side of sides) side.runs.push(measured);
  }
}

/** Bytes of a file, or of every file below a folder: what a backup wrote. */
export async function sizeOf(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(path, { recursive: true })) {
    const s = await stat(join(path, entry));
    if (s.isFile()) total += s.size;
  }
  return total;
}
