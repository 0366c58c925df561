// A local destination that runs out of room mid-archive: a 1 MiB tmpfs (real
// ENOSPC; needs root and mount, else skipped with a notice) and a file-size
// limit on the CLI process (prlimit --fsize or ulimit -f: EFBIG, works anywhere). Either way:
// one clear line naming the destination, exit 1, no manifest, nothing partial
// left, and the same destination works again once there is room.
import { execFile } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../../src/storage/registry.js';
import { bulkDatabase } from '../../helpers/bulk-database.js';
import { runCli, type CliRun } from '../../helpers/cli.js';
import { allKeys } from '../../helpers/synthetic-backups.js';
import { tempDir } from '../../helpers/temp-dir.js';

const BIN = fileURLToPath(new URL('../../../bin/mongosafe.js', import.meta.url));
// About 2.3 MiB of gzip: more than either limit below.
const DOCUMENTS = 3000;
const LIMIT_BYTES = 1024 * 1024;

const bulk = bulkDatabase('diskfull', { recipes: DOCUMENTS }, 750);
let work: string;

function exec(command: string, args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(command, args, { env: { ...process.env, MONGOSAFE_DESTINATION: undefined } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  work = await tempDir();
});

/** The failed backup's aftermath: one line naming the destination, exit 1, nothing kept. */
async function expectCleanDiskFull(run: CliRun, destination: string, code: RegExp): Promise<void> {
  expect(run.code, run.stderr).toBe(1);
  const lines = run.stderr.trim().split('\n');
  const url = pathToFileURL(destination).href;
  expect(lines[0]).toMatch(/^mongosafe: writing data\/\d{8}T\d{6}Z\/backup\.archive\.gz in /);
  expect(lines[0]).toMatch(new RegExp(`in ${url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} failed: (the disk is full|the file grew past what this system allows)`));
  expect(lines[0]).toMatch(code);
  expect(lines.length, run.stderr).toBeLessThanOrEqual(2);
  expect(run.stderr).not.toMatch(/\n\s+at |internal error/);
  // No manifest, no archive, the id released; and on disk not even a hidden temporary file.
  expect(await allKeys(await openStorage(destination))).toEqual([]);
  expect((await readdir(destination, { recursive: true })).filter((path) => path.includes('.partial-'))).toEqual([]);
}

describe('a local destination that fills up', () => {
  it('a full file system (tmpfs of 1 MiB): ENOSPC', async ({ skip }) => {
    const mountPoint = join(work, 'tmpfs');
    await mkdir(mountPoint);
    const mounted = await exec('mount', ['-t', 'tmpfs', '-o', `size=${LIMIT_BYTES}`, 'tmpfs', mountPoint]);
    if (mounted.code !== 0) {
      console.info(`NOTICE: tmpfs case skipped, mount failed: ${mounted.stderr.trim()}`);
      skip();
    }
    try {
      const destination = join(mountPoint, 'backups');
      const run = await runCli(['backup', '--db', bulk.db.databaseName, '--to', destination]);
      await expectCleanDiskFull(run, destination, /\(ENOSPC\)/);
      console.info(`disk full (tmpfs): ${run.stderr.trim().split('\n')[0]}`);
    } finally {
      await exec('umount', [mountPoint]);
    }
  });

  it('a file-size limit (prlimit --fsize): EFBIG; with room again, the same destination works', async () => {
    const destination = join(work, 'limited');
    const cli = [process.execPath, BIN, 'backup', '--db', bulk.db.databaseName, '--to', destination];
    // util-linux prlimit where there is one, else the shell's ulimit (in KiB).
    const run = (await exec('prlimit', ['--version'])).code === 0
      ? await exec('prlimit', [`--fsize=${LIMIT_BYTES}`, ...cli])
      : await exec('bash', ['-c', `ulimit -f ${LIMIT_BYTES / 1024} && exec "$@"`, 'bash', ...cli]);
    await expectCleanDiskFull(run, destination, /\(EFBIG\)/);
    console.info(`disk full (prlimit): ${run.stderr.trim().split('\n')[0]}`);

    const again = await runCli(['backup', '--db', bulk.db.databaseName, '--to', destination]);
    expect(again.code, again.stderr).toBe(0);
    expect((await runCli(['verify', 'latest', '--from', destination])).code).toBe(0);
  });
});
