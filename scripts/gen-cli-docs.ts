// Writes docs/cli.md from the option table (test/unit/config/cli-docs.test.ts fails when it is stale).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCliDocs } from '../src/config/cli-docs.js';
import { REPO_ROOT } from './services/paths.js';

writeFileSync(join(REPO_ROOT, 'docs', 'cli.md'), renderCliDocs());
console.log('wrote docs/cli.md');
