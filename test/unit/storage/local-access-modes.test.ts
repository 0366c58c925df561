import { chmod, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LocalStorage } from '../../../src/storage/local/local-storage.js';
import { tempDir } from '../../helpers/temp-dir.js';

const KEYS = ['data/20261206T030000Z/backup.archive.gz', 'manifests/20261206T030000Z.json', 'manifests/20261206T030000Z.verified.20261206T031000000Z.full.json'];

async function writeBackupLike(root: string): Promise<void> {
  const storage = new LocalStorage(root);
  for (const key of KEYS) await storage.put(key, Readable.from([Buffer.from('{"email":"mom@example.com"}')]), { ifAbsent: true });
}

async function modeOf(path: string): Promise<string> {
  return ((await stat(path)).mode & 0o777).toString(8);
}

describe('local storage: who may read a backup', () => {
  it('a destination it creates is owner-only: folders 700, archive, manifest and verification record 600', async () => {
    const root = join(await tempDir(), 'backups');
    await writeBackupLike(root);
    expect(await modeOf(root)).toBe('700');
    expect(await modeOf(join(root, 'data'))).toBe('700');
    expect(await modeOf(join(root, 'data', '20261206T030000Z'))).toBe('700');
    expect(await modeOf(join(root, 'manifests'))).toBe('700');
    for (const key of KEYS) expect(await modeOf(join(root, ...key.split('/'))), key).toBe('600');
  });

  it.each([
    ['denies its group access: owner-only', 0o700, '700', '600'],
    ['grants its group access (a shared repository): group may read, others never', 0o750, '750', '640'],
  ])('an existing destination that %s', async (_case, destinationMode, folderMode, fileMode) => {
    const root = join(await tempDir(), 'existing');
    await mkdir(root);
    await chmod(root, destinationMode);
    await writeBackupLike(root);
    expect(await modeOf(join(root, 'data'))).toBe(folderMode);
    expect(await modeOf(join(root, 'manifests'))).toBe(folderMode);
    for (const key of KEYS) expect(await modeOf(join(root, ...key.split('/'))), key).toBe(fileMode);
  });
});
