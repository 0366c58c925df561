import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type Terminal } from '../../../src/cli/main.js';
import { COMMANDS } from '../../../src/config/options.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { DOC_A, DOC_B, TERM, dataHeader, entry, eofHeader, join as joinBytes, start } from '../archive/archive-parts.js';

/** Runs main in this process, keeping what it writes; only commands that touch no server. */
async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const terminal: Terminal = {
    stdout: { write: (text: string | Uint8Array) => ((stdout += String(text)), true) },
    stderr: { write: (text: string | Uint8Array) => ((stderr += String(text)), true) },
  };
  const code = await main(argv, env, terminal);
  return { code, stdout, stderr };
}

describe('main', () => {
  it.each(Object.keys(COMMANDS))('%s: -h and --help print its help and exit 0', async (command) => {
    for (const help of ['-h', '--help']) {
      const result = await run([command, help]);
      expect(result, help).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(new RegExp(`^usage: mongosafe ${command}\\b`));
      expect(result.stdout).toContain('-h, --help');
    }
  });

  it('shows where each setting came from when MONGOSAFE_DEBUG=yes', async () => {
    const missing = join(await tempDir(), 'nothing-here');
    const result = await run(['list', '--from', missing], { MONGOSAFE_DEBUG: 'yes' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`mongosafe: setting from=${JSON.stringify(missing)} (flag)`);
    expect(result.stderr).toContain('mongosafe: setting debug=true (env MONGOSAFE_DEBUG)');
  });

  it('--debug=no silences MONGOSAFE_DEBUG', async () => {
    const missing = join(await tempDir(), 'nothing-here');
    const result = await run(['list', '--from', missing, '--debug=no'], { MONGOSAFE_DEBUG: '1' });
    expect(result.code).toBe(1);
    expect(result.stderr).not.toContain('mongosafe: setting');
  });

  it('refuses MONGOSAFE_DEBUG=maybe with a usage error naming it', async () => {
    const result = await run(['list'], { MONGOSAFE_DEBUG: 'maybe' });
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr.split('\n')[0]).toBe('mongosafe: MONGOSAFE_DEBUG must be one of 1, true, yes, on, 0, false, no, off; got "maybe"');
  });

  it('still shows the cause of a usage error with debug on', async () => {
    const result = await run(['backup', '--bogus'], { MONGOSAFE_DEBUG: 'on' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^mongosafe: backup: Unknown option '--bogus'/);
    expect(result.stderr).toContain('  cause: ');
  });
});

describe('main --json on failure', () => {
  it('prints {code, message, hint, details} as the one JSON object on stdout; stderr keeps the human line', async () => {
    // An archive whose EOF block's CRC is another document's: a CRC mismatch in db.c.
    const path = join(await tempDir(), 'damaged.archive');
    await writeFile(path, joinBytes([...start([entry('db', 'c')]), dataHeader('db', 'c'), DOC_A, TERM, eofHeader('db', 'c', [DOC_B]), TERM]));
    const result = await run(['restore', path, '--dry-run', '--json']);
    expect(result.code).toBe(1);
    const printed = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(printed)).toEqual(['code', 'message', 'hint', 'details']);
    expect(printed).toMatchObject({ code: 'CORRUPT', message: expect.stringMatching(/^refusing to restore archive .*CRC mismatch/) as unknown, details: { namespace: 'db.c', kind: 'checksum' } });
    expect(result.stderr).toBe(`mongosafe: ${String(printed.message)}\n  hint: ${String(printed.hint)}\n`);
  });

  it('a backup id that is not there: NOT_FOUND naming the backup id, exit code unchanged', async () => {
    const from = await tempDir();
    await mkdir(join(from, 'manifests'));
    const result = await run(['verify', '20261127T030000Z', '--from', from, '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ code: 'NOT_FOUND', details: { backupId: '20261127T030000Z', kind: 'not-found' } });
  });

  it('a usage error found before the arguments resolve is JSON too, exit 2; without --json stdout stays empty', async () => {
    const result = await run(['list', '--bogus', '--json']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ code: 'USAGE', details: {} });
    expect(await run(['list', '--bogus'])).toMatchObject({ code: 2, stdout: '' });
  });
});
