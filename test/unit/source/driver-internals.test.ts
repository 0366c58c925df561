import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../../src');
const ADAPTER = 'source/driver-internals.ts';
/** Ambient types for the adapter's import; a module declaration cannot live in a module file. */
const ADAPTER_TYPES = 'types/mongodb-internals.d.ts';

/** Signs of the driver's private members: its lib/ paths, the two internals the adapter wraps. */
const INTERNALS = [/mongodb\/lib\//, /\bDocumentSequence\b/, /\bCursorResponse\b/, /as unknown as \{ documents/];

describe('driver internals', () => {
  it('are named in src/source/driver-internals.ts and nowhere else in src/', async () => {
    const files = (await readdir(SRC, { recursive: true })).filter((file) => file.endsWith('.ts'));
    const offenders: string[] = [];
    for (const file of files) {
      if (file === ADAPTER || file === ADAPTER_TYPES) continue;
      const text = await readFile(join(SRC, file), 'utf8');
      for (const pattern of INTERNALS) if (pattern.test(text)) offenders.push(`${file}: ${String(pattern)}`);
    }
    expect(offenders).toEqual([]);
  });
});
