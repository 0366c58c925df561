import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type Terminal } from '../../../src/cli/main.js';
import { COMMANDS } from '../../../src/config/options.js';
import { tempDir } from '../../helpers/temp-dir.js';

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
