import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { ArchiveSpool } from '../../../src/core/archive-spool.js';
import { REPO_ROOT } from '../../../scripts/services/paths.js';
import { tempDir } from '../../helpers/temp-dir.js';

const OBJECT = randomBytes(3 * 1024 * 1024 + 17);

/** Pushes OBJECT through `through` in 64 KiB pieces, read to the end or only its first piece. */
async function readThrough(through: NodeJS.ReadWriteStream | undefined, { whole }: { whole: boolean }): Promise<void> {
  const pieces = Array.from({ length: Math.ceil(OBJECT.length / 65536) }, (_, i) => OBJECT.subarray(i * 65536, (i + 1) * 65536));
  const source = Readable.from(pieces);
  if (!through) throw new Error('no copy was started');
  if (whole) {
    await pipeline(source, through, new Writable({ write: (_chunk, _encoding, done) => done() }));
    return;
  }
  // A reader that stops after the first piece, as restore does once it has the prelude.
  const stream = source.pipe(through as unknown as Writable) as unknown as Readable;
  for await (const _piece of stream) break;
}

/** A spool in a fresh folder, and one copy made through it by a read `whole` or stopped early, then finished as `proven`. */
async function spooledRead({ whole, proven }: { whole: boolean; proven: boolean }): Promise<{ dir: string; spool: ArchiveSpool }> {
  const dir = await tempDir();
  const spool = new ArchiveSpool('backup X', { dir });
  const copy = await spool.startCopy(OBJECT.length);
  await readThrough(copy?.stream, { whole });
  await copy?.finish(proven);
  return { dir, spool };
}

async function readAll(stream: Readable | undefined): Promise<Buffer> {
  if (!stream) throw new Error('nothing kept');
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('restore keeps a local copy of a remote backup', () => {
  it('a whole, proven read is kept, owner-only, and read back byte for byte; close deletes it', async () => {
    const { dir, spool } = await spooledRead({ whole: true, proven: true });
    expect(await spool.startCopy(OBJECT.length)).toBeUndefined();
    expect((await readAll(spool.readKept())).equals(OBJECT)).toBe(true);
    const [folder] = await readdir(dir);
    expect(folder).toMatch(/^mongosafe-spool-/);
    expect((await stat(join(dir, folder ?? ''))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, folder ?? '', 'archive'))).mode & 0o077).toBe(0);
    await spool.close();
    expect(await readdir(dir)).toEqual([]);
  });

  it('a read that did not prove the object (digest mismatch) is thrown away', async () => {
    const { dir, spool } = await spooledRead({ whole: true, proven: false });
    expect(spool.readKept()).toBeUndefined();
    expect(await readdir(join(dir, (await readdir(dir))[0] ?? ''))).toEqual([]);
    // The next whole read may try again.
    expect(await spool.startCopy(OBJECT.length)).toBeDefined();
    await spool.close();
  });

  it('a read stopped early leaves no copy', async () => {
    const { dir, spool } = await spooledRead({ whole: false, proven: true });
    expect(spool.readKept()).toBeUndefined();
    await spool.close();
    expect(await readdir(dir)).toEqual([]);
  });

  it('with too little free space it makes no copy and says so once, naming the folder', async () => {
    const dir = await tempDir();
    const notices: string[] = [];
    const spool = new ArchiveSpool('backup X', { dir, onProgress: (event) => notices.push(event.kind === 'phase' ? event.phase : `unexpected ${event.kind}`) });
    const petabyte = 2 ** 50;
    expect(await spool.startCopy(petabyte)).toBeUndefined();
    expect(await spool.startCopy(petabyte)).toBeUndefined();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain(dir);
    expect(notices[0]).toContain('backup X');
    expect(await readdir(dir)).toEqual([]);
  });

  it('a copy the disk refuses midway costs the copy, never the read, and is not tried again', async () => {
    const dir = await tempDir();
    // A child whose files may not grow past 2 MiB (bash's ulimit -f counts KiB): the second 1.5 MiB
    // chunk is written short, its rest refused with EFBIG, as a disk filling up answers; the bytes
    // must still flow on whole, and a copy missing some must never be kept.
    const script = `
      process.on('SIGXFSZ', () => {});
      const { Readable, Writable } = await import('node:stream');
      const { pipeline } = await import('node:stream/promises');
      const { ArchiveSpool } = await import('./src/core/archive-spool.ts');
      const notices = [];
      const spool = new ArchiveSpool('backup X', { dir: process.argv[1], onProgress: (event) => notices.push(event.phase) });
      const object = Buffer.alloc(3 * 1024 * 1024, 7);
      const copy = await spool.startCopy(object.length);
      let passed = 0;
      const half = object.length / 2;
      await pipeline(Readable.from([object.subarray(0, half), object.subarray(half)]), copy.stream, new Writable({ write: (chunk, _e, done) => { passed += chunk.length; done(); } }));
      await copy.finish(true);
      const kept = spool.readKept() !== undefined;
      const again = await spool.startCopy(object.length);
      await spool.close();
      console.log(JSON.stringify({ passed, kept, again: again !== undefined, notices }));
    `;
    const child = spawnSync('bash', ['-c', 'ulimit -f 2048 && exec "$0" --import tsx --input-type=module -e "$1" "$2"', process.execPath, script, dir], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    const outcome = JSON.parse(child.stdout) as { passed: number; kept: boolean; again: boolean; notices: string[] };
    expect(outcome).toMatchObject({ passed: 3 * 1024 * 1024, kept: false, again: false });
    expect(outcome.notices).toEqual([expect.stringContaining('the local copy of backup X failed (EFBIG') as unknown]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a folder that does not exist is a USAGE error naming it', async () => {
    const dir = join(await tempDir(), 'missing');
    const spool = new ArchiveSpool('backup X', { dir });
    await expect(spool.startCopy(10)).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining(dir) as unknown });
  });
});
