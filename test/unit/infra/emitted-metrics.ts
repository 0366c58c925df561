// The metric names the Lambda really writes, read from its source rather than
// listed by hand: a metric renamed in src/lambda/ then fails the tests that
// compare Terraform (alarms, dashboard) against this set.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../scripts/services/paths.js';

const LAMBDA_DIR = join(REPO_ROOT, 'src/lambda');

/**
 * Every name passed to `metrics.put(…)` in src/lambda/*.ts. The first argument
 * is an expression (the handler picks one of two names with `?:`), so every
 * string literal in it counts, except the operands of a comparison
 * (`action === 'verify'`), which are not names.
 */
export async function emittedMetricNames(): Promise<Set<string>> {
  const names = new Set<string>();
  const files = (await readdir(LAMBDA_DIR)).filter((name) => name.endsWith('.ts'));
  for (const file of files) {
    const source = await readFile(join(LAMBDA_DIR, file), 'utf8');
    for (const call of source.matchAll(/\bmetrics\.put\(/g)) {
      const first = firstArgument(source, call.index + call[0].length);
      for (const literal of first.matchAll(/(?<![=!]==\s*)'(\w+)'(?!\s*[=!]==)/g)) names.add(literal[1] as string);
    }
  }
  return names;
}

/** The text from `start` up to the first comma outside brackets: a call's first argument. */
function firstArgument(source: string, start: number): string {
  let depth = 0;
  for (let i = start; i < source.length; i++) {
    const c = source[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) return source.slice(start, i);
      depth--;
    } else if (c === ',' && depth === 0) return source.slice(start, i);
  }
  throw new Error(`unterminated metrics.put( call at offset ${start}`);
}
