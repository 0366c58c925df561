// Errors are data (issue 16): code reads `code` and `details`, never our own messages. This
// greps src/ for string tests over error messages, so a new one fails here instead of breaking
// silently the day the message is reworded.
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/**
 * Tests over messages that are not ours: foreign errors carry no code for these cases, so
 * their text is all there is. Each entry: file, the exact code, and why.
 */
const FOREIGN: ReadonlyArray<{ file: string; code: string; why: string }> = [
  { file: 'config/secret.ts', code: '/region is missing/i.test(messageOf(error))', why: "the AWS SDK's missing-region error has no name or code of its own" },
  { file: 'storage/s3/s3-errors.ts', code: '/region is missing/i.test(shape.message)', why: "the AWS SDK's missing-region error has no name or code of its own" },
  { file: 'source/collections.ts', code: '/ns not found/i.test(error.message)', why: 'old servers answer a drop of a missing collection with this text and no code 26' },
  { file: 'source/connect.ts', code: '/URI|connection string/i.test(error.message)', why: "the driver's parse errors are plain MongoErrors told apart only by their text" },
];

/** An expression that is an error's message: `x.message`, `messageOf(x)`, or a name bound to one. */
const MESSAGE = String.raw`(?:[\w$.?]*\.message\b|messageOf\([^()]*\))`;
const STRING_TESTS = String.raw`\s*\.\s*(?:includes|startsWith|endsWith|match|matchAll|search|indexOf|lastIndexOf)\s*\(`;

/** The message tests in one file's text: `<message>.includes(…)`, `/re/.test(<message>)`, and the same through a variable. */
function messageTests(text: string): string[] {
  const names = [...text.matchAll(new RegExp(String.raw`\b(?:const|let|var)\s+(\w+)\s*(?::\s*string\s*)?=\s*${MESSAGE}`, 'g'))].map((m) => m[1] ?? '');
  const subject = names.length === 0 ? MESSAGE : String.raw`(?:${MESSAGE}|\b(?:${names.join('|')})\b)`;
  const patterns = [new RegExp(subject + STRING_TESTS, 'g'), new RegExp(String.raw`\.\s*(?:test|exec)\s*\(\s*${subject}`, 'g')];
  return patterns.flatMap((pattern) => [...text.matchAll(pattern)].map((m) => lineAround(text, m.index)));
}

function lineAround(text: string, index: number): string {
  const start = text.lastIndexOf('\n', index) + 1;
  const end = text.indexOf('\n', index);
  return text.slice(start, end === -1 ? undefined : end).trim();
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')).map((e) => join(e.parentPath, e.name));
}

describe('no code reads our error messages', () => {
  it('finds the shapes it looks for (the ones issue 16 removed)', () => {
    expect(messageTests("if (!controller.signal.aborted || messageOf(error).includes(reason.message)) return error;")).toHaveLength(1);
    expect(messageTests('const errorLine = messageOf(report.error);\nconst namespace = NAMESPACE_IN_MESSAGE.exec(errorLine)?.[1];')).toHaveLength(1);
    expect(messageTests("if (error.message.startsWith('refusing')) retry();")).toHaveLength(1);
    expect(messageTests('if (/CRC mismatch/.test(err.message)) kind = "checksum";')).toHaveLength(1);
    expect(messageTests('const hint = error.hint;\nif (error.details.kind === "checksum") stop();')).toEqual([]);
  });

  it('src/ tests no message but the foreign ones listed, each with its reason', async () => {
    const found: string[] = [];
    const used = new Set<string>();
    for (const path of await sourceFiles(SRC)) {
      const file = relative(SRC, path).split('\\').join('/');
      for (const line of messageTests(await readFile(path, 'utf8'))) {
        const allowed = FOREIGN.find((entry) => entry.file === file && line.includes(entry.code));
        if (allowed) used.add(allowed.code);
        else found.push(`${file}: ${line}`);
      }
    }
    expect(found, 'read `code` or `details` instead (src/errors.ts), or list a foreign message in FOREIGN with why').toEqual([]);
    // A stale entry would let a new test of ours hide behind it.
    expect(FOREIGN.filter((entry) => !used.has(entry.code)).map((entry) => entry.file)).toEqual([]);
  });
});
