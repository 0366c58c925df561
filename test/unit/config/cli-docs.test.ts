import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderCliDocs } from '../../../src/config/cli-docs.js';
import { COMMANDS, OPTIONS } from '../../../src/config/options.js';
import { commandHelp } from '../../../src/cli/help.js';

describe('the CLI reference', () => {
  it('docs/cli.md matches the option table (regenerate: npx tsx scripts/gen-cli-docs.ts)', () => {
    expect(readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8')).toBe(renderCliDocs());
  });

  it('every option is used by some command, and every command has help', () => {
    const used = new Set(Object.values(COMMANDS).flatMap((c) => [...c.options]));
    expect(Object.keys(OPTIONS).filter((o) => !used.has(o as keyof typeof OPTIONS))).toEqual([]);
    for (const name of Object.keys(COMMANDS)) expect(commandHelp(name as keyof typeof COMMANDS)).toContain(`usage: mongosafe ${name}`);
  });
});
