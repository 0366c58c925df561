import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BackupRef } from '../../../src/core/backup-ref.js';
import { inspect } from '../../../src/core/inspect.js';
import { restore } from '../../../src/core/restore.js';
import { verify } from '../../../src/core/verify.js';
import { LocalStorage } from '../../../src/storage/local/local-storage.js';
import { writeBackup } from '../../helpers/synthetic-backups.js';
import { tempDir } from '../../helpers/temp-dir.js';

const ARCHIVE = fileURLToPath(new URL('../../fixtures/ferretdb.archive', import.meta.url));
const ID = '20261126T030000Z';

/** The three commands that read a backup, each called with nothing but a `BackupRef`. */
const READERS = {
  inspect: (ref: BackupRef) => inspect(ref),
  verify: (ref: BackupRef) => verify({ ...ref, record: false }),
  restore: (ref: BackupRef) => restore({ ...ref, dryRun: true }),
};

describe.each(Object.entries(READERS))('%s names a backup with { backup, storage }', (_name, read) => {
  it('reads a mongodump archive by its path, with no storage', async () => {
    await expect(read({ backup: ARCHIVE })).resolves.toBeDefined();
  });

  it('never opens the storage for a path, even one whose URL is unusable', async () => {
    await expect(read({ backup: ARCHIVE, storage: 'ftp://nowhere/backups' })).resolves.toBeDefined();
  });

  it('refuses a stored backup without a storage, with USAGE', async () => {
    await expect(read({ backup: 'latest' })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('no storage says where backups are') as unknown });
  });

  it('says a destination that does not exist is missing, naming it', async () => {
    const missing = join(await tempDir(), 'not-here');
    await expect(read({ backup: 'latest', storage: missing })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: `the destination ${pathToFileURL(missing).href} does not exist`,
      details: { kind: 'not-found' },
    });
  });
});

describe('the storage of a BackupRef', () => {
  it('is the same place whether given as a folder, a file:// URL or an opened Storage', async () => {
    const dir = await tempDir();
    await writeBackup(new LocalStorage(dir), { id: ID });
    for (const storage of [dir, pathToFileURL(dir).href, new LocalStorage(dir)]) {
      const result = await inspect({ backup: 'latest', storage });
      expect(result).toMatchObject({ kind: 'backup', manifest: { id: ID } });
    }
  });

  it('verify all reads the catalog of a storage given by URL', async () => {
    const dir = await tempDir();
    await writeBackup(new LocalStorage(dir), { id: ID });
    const result = await verify({ backup: 'all', storage: pathToFileURL(dir).href, record: false });
    // The synthetic archive is no archive: verify reports it damaged, from the storage the URL named.
    expect(result.backups.map((b) => [b.id, b.ok])).toEqual([[ID, false]]);
  });
});
