// Static analysis of infra/terraform (and the Fargate fixture that turns the
// module's other runner on) with checkov, offline; exit 1 on any failed check. Skips live in the .tf files as `#checkov:skip=ID:reason`.
// Usage: npx tsx scripts/infra-lint.ts
import { join } from 'node:path';
import { CHECKOV_DIRECTORIES, installCheckov, runCheckov } from './services/checkov.js';
import { REPO_ROOT } from './services/paths.js';

const checkov = await installCheckov((line) => console.error(line));
const report = await runCheckov(
  checkov,
  CHECKOV_DIRECTORIES.map((dir) => join(REPO_ROOT, dir)),
);
for (const s of report.skipped) console.log(`skipped ${s.checkId} ${s.resource}: ${s.reason ?? '(no reason given)'}`);
for (const f of report.failed) console.log(`FAILED  ${f.checkId} ${f.resource} (${f.file}): ${f.name}`);
console.log(`checkov ${report.version}: ${report.passed} passed, ${report.failed.length} failed, ${report.skipped.length} skipped`);
if (report.failed.length > 0 || report.parsingErrors > 0) process.exitCode = 1;
