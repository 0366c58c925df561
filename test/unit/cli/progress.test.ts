import { describe, expect, it } from 'vitest';
import { createProgress } from '../../../src/cli/progress.js';
import { displayWidth } from '../../../src/util/display-width.js';

const CLEAR_BELOW = `${String.fromCharCode(27)}[0J`;

/** Drops the "up N rows, clear below" that starts a redraw: it takes no columns. */
function withoutRedraw(line: string): string {
  const at = line.lastIndexOf(CLEAR_BELOW);
  return at === -1 ? line : line.slice(at + CLEAR_BELOW.length);
}

/** A terminal of `columns` that keeps what is written to it (stderr's shape, no screen). */
function terminal(columns: number): { isTTY: true; columns: number; write: (text: string) => boolean; written: string[] } {
  const written: string[] = [];
  return { isTTY: true, columns, written, write: (text) => written.push(text) > 0 };
}

describe('createProgress', () => {
  it('cuts every progress line to the terminal width, so the redraw can move up one row per line', () => {
    const stderr = terminal(32);
    const progress = createProgress(stderr);
    const namespace = 'momsrecipebox.recipes_with_a_rather_long_collection_name_レシピ';
    progress.onProgress({ kind: 'phase', phase: 'backing up to s3://momsrecipebox-backups/nightly/with/a/deep/prefix' });
    progress.onProgress({ kind: 'plan', namespaces: [{ namespace, expectedDocuments: 1_000_000 }] });
    const lines = stderr.written.join('').split('\n').map(withoutRedraw).filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(displayWidth(line), line).toBeLessThanOrEqual(32);
    expect(lines[0]).toMatch(/^backing up to s3:.*…$/);
    progress.finish();
  });

  it('prints nothing when stderr is not a terminal', () => {
    const stderr = { ...terminal(80), isTTY: false };
    createProgress(stderr).onProgress({ kind: 'phase', phase: 'x' });
    expect(stderr.written).toEqual([]);
  });
});
