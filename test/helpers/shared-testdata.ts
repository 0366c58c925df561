import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The project root, and in a linked worktree (`git worktree add`) also the main checkout's root,
 * beside which `shared/` lives.
 */
function checkoutRoots(): string[] {
  const roots = [REPO_ROOT];
  const dotGit = join(REPO_ROOT, '.git');
  if (existsSync(dotGit) && statSync(dotGit).isFile()) {
    const gitdir = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1];
    const commondir = gitdir && join(gitdir, 'commondir');
    if (commondir && existsSync(commondir)) roots.push(dirname(resolve(gitdir, readFileSync(commondir, 'utf8').trim())));
  }
  return roots;
}

/**
 * A folder of `../shared/testdata` (mongo-tools' own test data, never copied into the project),
 * or undefined after a NOTICE line naming the missing path: callers `describe.skip` then.
 */
export function sharedTestdata(relative: string, who: string): string | undefined {
  const wanted = join('../shared/testdata', relative);
  const found = checkoutRoots()
    .map((root) => resolve(root, wanted))
    .find((path) => existsSync(path));
  if (found === undefined) console.warn(`NOTICE: ${who} tests are skipped: ${resolve(REPO_ROOT, wanted)} is absent (shared test data, never copied into the project)`);
  return found;
}
