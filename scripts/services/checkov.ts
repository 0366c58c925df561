import { run } from './process.js';
import { installPythonTool } from './venv.js';

/** Pinned: a new checkov release adds checks, and the module's skips name the ones it answers. */
export const CHECKOV_VERSION = '3.3.30';

/** checkov (PyPI), in a virtualenv in the shared cache, like moto. */
export function installCheckov(log: (line: string) => void): Promise<string> {
  return installPythonTool({ name: 'checkov', version: CHECKOV_VERSION, requirement: `checkov==${CHECKOV_VERSION}`, command: 'checkov', why: 'the Terraform static analysis' }, log);
}

export interface CheckovFinding {
  checkId: string;
  name: string;
  resource: string;
  file: string;
  /** The justification written after `#checkov:skip=ID:` (skipped checks only). */
  reason?: string;
}

export interface CheckovReport {
  version: string;
  passed: number;
  parsingErrors: number;
  failed: CheckovFinding[];
  skipped: CheckovFinding[];
}

interface RawCheck {
  check_id: string;
  check_name: string;
  resource: string;
  file_path: string;
  check_result: { suppress_comment?: string };
}

interface RawReport {
  summary: { passed: number; parsing_errors: number; checkov_version: string };
  results: { failed_checks: RawCheck[]; skipped_checks: RawCheck[] };
}

const toFinding = (c: RawCheck): CheckovFinding => ({
  checkId: c.check_id,
  name: c.check_name,
  resource: c.resource,
  file: c.file_path,
  ...(c.check_result.suppress_comment ? { reason: c.check_result.suppress_comment } : {}),
});

/**
 * What is scanned, relative to the repository: infra/terraform (the module
 * with its defaults, runner = "lambda", and the example), and a root module
 * that turns runner = "fargate" on, so that checkov sees both runners' values.
 */
export const CHECKOV_DIRECTORIES = ['infra/terraform', 'test/fixtures/terraform-fargate'] as const;

/**
 * Scans the Terraform under each of `dirs` with no network use: no Prisma
 * Cloud download, no guideline mapping, no GitHub settings fetch, no module
 * download. One report for them all.
 */
export async function runCheckov(checkov: string, dirs: readonly string[]): Promise<CheckovReport> {
  const reports: CheckovReport[] = [];
  // One directory per run: given several, checkov prints a report each, not one JSON document.
  for (const dir of dirs) reports.push(await scan(checkov, dir));
  return {
    version: reports[0]?.version ?? 'unknown',
    passed: reports.reduce((sum, r) => sum + r.passed, 0),
    parsingErrors: reports.reduce((sum, r) => sum + r.parsingErrors, 0),
    failed: reports.flatMap((r) => r.failed),
    skipped: reports.flatMap((r) => r.skipped),
  };
}

async function scan(checkov: string, dir: string): Promise<CheckovReport> {
  const output = await run(
    checkov,
    ['--directory', dir, '--framework', 'terraform', '--output', 'json', '--compact', '--skip-download', '--download-external-modules', 'false', '--soft-fail'],
    { env: { ...process.env, BC_SKIP_MAPPING: 'TRUE', CKV_GITHUB_CONFIG_FETCH_DATA: 'False', LOG_LEVEL: 'WARNING' } },
  );
  // checkov prints its JSON report last; anything before it is log noise.
  const raw = JSON.parse(output.slice(output.indexOf('{'))) as RawReport;
  return {
    version: raw.summary.checkov_version,
    passed: raw.summary.passed,
    parsingErrors: raw.summary.parsing_errors,
    failed: raw.results.failed_checks.map(toFinding),
    skipped: raw.results.skipped_checks.map(toFinding),
  };
}
