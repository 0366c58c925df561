import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderCliDocs } from '../../../src/config/cli-docs.js';
import { COMMANDS, OPTIONS } from '../../../src/config/options.js';
import { commandHelp } from '../../../src/cli/help.js';

describe('the CLI reference', () => {
  it('docs/cli.md matches the option table (regenerate: npx tsx scripts/gen-cli-docs.ts)', () => {
    expect(readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8')).toBe(renderCliDocs());
  });

  it('every option but the Lambda-only ones is used by some command, and every command has help', () => {
    const used = new Set<string>(Object.values(COMMANDS).flatMap((c) => [...c.options]));
    expect(Object.entries(OPTIONS).filter(([name, option]) => !used.has(name) && !('lambdaOnly' in option)).map(([name]) => name)).toEqual([]);
    for (const name of Object.keys(COMMANDS)) expect(commandHelp(name as keyof typeof COMMANDS)).toContain(`usage: mongosafe ${name}`);
  });

  it("has a Lambda section listing every variable of the table's Lambda column", () => {
    const docs = renderCliDocs();
    const section = docs.slice(docs.indexOf("## The scheduled job's environment"));
    expect(section).not.toBe(docs);
    for (const option of Object.values(OPTIONS)) if ('lambda' in option) expect(section).toContain(`| \`${option.lambda.env}\` |`);
    expect(section).toContain('| `VERIFY` | Lambda only | `full` |');
    expect(section).toContain('| `DESTINATION` | `--to` | required |');
  });
});
