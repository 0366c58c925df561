import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../scripts/services/paths.js';

/**
 * mongo-tools' own mongorestore test data, written by real mongod servers: `../shared/testdata`
 * beside the project (MONGOSAFE_TESTDATA names another place). Never copied into the project.
 * Undefined when absent, after a NOTICE line naming what is skipped, so a missing folder is loud.
 */
export function mongorestoreTestdata(skipped: string): string | undefined {
  const path = join(process.env.MONGOSAFE_TESTDATA ?? join(REPO_ROOT, '..', 'shared', 'testdata'), 'mongorestore');
  if (existsSync(path)) return path;
  console.warn(`NOTICE: ${skipped} are SKIPPED: ${path} is absent (set MONGOSAFE_TESTDATA to the shared testdata folder)`);
  return undefined;
}
