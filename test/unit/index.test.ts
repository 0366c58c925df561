import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';

/** What the library gives at runtime: functions and the error class. Types vanish in the build, so they are pinned below. */
const RUNTIME_EXPORTS = ['MongosafeError', 'backup', 'exportBackup', 'importLegacy', 'inspect', 'list', 'openStorage', 'prune', 'restore', 'status', 'verify'];

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** Every name src/index.ts exports, split into values and type-only ones, from its re-export statements. */
function indexExports(): { values: string[]; types: string[] } {
  const source = ts.createSourceFile('index.ts', read('src/index.ts'), ts.ScriptTarget.Latest);
  const values: string[] = [];
  const types: string[] = [];
  for (const statement of source.statements) {
    if (!ts.isExportDeclaration(statement)) continue;
    const clause = statement.exportClause;
    // `export *` would export whatever a module adds: the list would no longer be the docs'.
    if (!clause || !ts.isNamedExports(clause)) throw new Error('src/index.ts may only re-export named exports');
    for (const element of clause.elements) (statement.isTypeOnly || element.isTypeOnly ? types : values).push(element.name.text);
  }
  return { values: values.sort(), types: types.sort() };
}

/** The names in backticks on the "- Values:" and "- Types:" lines of docs/design.md's "Library API" section. */
function documentedExports(): { values: string[]; types: string[] } {
  const design = read('docs/design.md');
  const start = design.indexOf('\n## Library API\n');
  if (start === -1) throw new Error('docs/design.md has no "## Library API" section');
  const end = design.indexOf('\n## ', start + 1);
  const lines = design.slice(start, end === -1 ? undefined : end).split('\n');
  const names = (label: string): string[] => {
    const line = lines.find((l) => l.startsWith(`- ${label}:`));
    if (!line) throw new Error(`docs/design.md "Library API" has no "- ${label}:" line`);
    return [...line.matchAll(/`(\w+)`/g)].map((m) => m[1] ?? '').sort();
  };
  return { values: names('Values'), types: names('Types') };
}

describe('the public API', () => {
  it('exports exactly these values at runtime', () => {
    expect(Object.keys(api).sort()).toEqual(RUNTIME_EXPORTS);
  });

  it('names the same values in its re-export statements', () => {
    expect(indexExports().values).toEqual(RUNTIME_EXPORTS);
  });

  it('is exactly what docs/design.md names under "Library API", values and types', () => {
    expect(documentedExports()).toEqual(indexExports());
  });

  it("names in README's library example only what it exports", () => {
    const readme = read('README.md');
    const imports = [...readme.matchAll(/import \{([^}]*)\} from 'mongosafe'/g)].flatMap((m) => (m[1] ?? '').split(',').map((name) => name.replace(/^\s*type\s+/, '').trim()));
    expect(imports.length).toBeGreaterThan(0);
    const { values, types } = indexExports();
    expect(imports.filter((name) => name !== '' && !values.includes(name) && !types.includes(name))).toEqual([]);
  });
});
