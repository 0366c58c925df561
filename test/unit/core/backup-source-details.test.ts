import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { crc64, crc64Hex } from '../../../src/archive/crc64.js';
import { openBackupSource } from '../../../src/core/backup-source.js';
import { archiveKey, manifestKey, type Manifest, type ManifestNamespace } from '../../../src/core/manifest.js';
import { verify } from '../../../src/core/verify.js';
import { MongosafeError } from '../../../src/errors.js';
import { LocalStorage } from '../../../src/storage/local/local-storage.js';
import type { Storage } from '../../../src/storage/storage.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { testManifest } from '../../helpers/test-manifest.js';
import { rejectionOf } from '../archive/archive-io.js';
import { DOC_A, DOC_B, entry, join, namespaceBlocks, start } from '../archive/archive-parts.js';

const ID = '20261126T030000Z';
const KEY = archiveKey(ID, 'none');
const ARCHIVE = join([...start([entry('db', 'c')]), ...namespaceBlocks('db', 'c', [DOC_A, DOC_B])]);
const TRUE_NAMESPACE: ManifestNamespace = {
  db: 'db',
  collection: 'c',
  type: 'collection',
  documents: 2,
  bsonBytes: DOC_A.length + DOC_B.length,
  crc64: crc64Hex(crc64(Buffer.concat([DOC_A, DOC_B]))),
  indexes: [],
  options: {},
};

/** A destination holding one backup of ARCHIVE whose manifest says `namespace` (and `archive`). */
async function destination(namespace: ManifestNamespace, archive: Partial<Manifest['archive']> = {}): Promise<Storage> {
  const storage = new LocalStorage(await tempDir());
  await storage.put(KEY, Readable.from([ARCHIVE]), { ifAbsent: true });
  const manifest = testManifest(
    ID,
    { key: KEY, format: 'mongodump-archive', compression: 'none', bytes: ARCHIVE.length, sha256: createHash('sha256').update(ARCHIVE).digest('hex'), mongorestoreCompatible: true, ...archive },
    [namespace],
  );
  await storage.put(manifestKey(ID), Readable.from([Buffer.from(JSON.stringify(manifest))]), { ifAbsent: true });
  return storage;
}

async function readFailure(storage: Storage): Promise<MongosafeError> {
  const source = await openBackupSource(ID, () => Promise.resolve(storage));
  const error = await rejectionOf((async () => {
    for await (const _event of source.events()) {
      // read to the end
    }
  })());
  expect(error).toBeInstanceOf(MongosafeError);
  return error as MongosafeError;
}

describe('a stored backup checked against its manifest: details of the failure', () => {
  it('reads through when the manifest is right', async () => {
    const source = await openBackupSource(ID, () => Promise.resolve(destination(TRUE_NAMESPACE)));
    for await (const _event of source.events()) {
      // no error
    }
  });

  it('a different document count is kind count, naming the backup, the archive key and the namespace', async () => {
    const error = await readFailure(await destination({ ...TRUE_NAMESPACE, documents: 3 }));
    expect(error.code).toBe('CORRUPT');
    expect(error.details).toEqual({ backupId: ID, key: KEY, namespace: 'db.c', kind: 'count' });
  });

  it('the same count with other bytes is kind checksum', async () => {
    const error = await readFailure(await destination({ ...TRUE_NAMESPACE, crc64: '0123456789abcdef' }));
    expect(error.details).toEqual({ backupId: ID, key: KEY, namespace: 'db.c', kind: 'checksum' });
  });

  it('a stored object that is not what the manifest hashed is kind checksum', async () => {
    const error = await readFailure(await destination(TRUE_NAMESPACE, { sha256: '0'.repeat(64) }));
    expect(error.details).toEqual({ backupId: ID, key: KEY, kind: 'checksum' });
    const stored = await openBackupSource(ID, () => destination(TRUE_NAMESPACE, { sha256: '0'.repeat(64) }));
    expect(((await rejectionOf(stored.checkStoredObject?.() ?? Promise.resolve())) as MongosafeError).details).toEqual({ backupId: ID, key: KEY, kind: 'checksum' });
  });

  it('a backup id that is not there is NOT_FOUND naming the backup and the manifest key', async () => {
    const storage = await destination(TRUE_NAMESPACE);
    const error = (await rejectionOf(openBackupSource('20261127T030000Z', () => Promise.resolve(storage)))) as MongosafeError;
    expect(error.code).toBe('NOT_FOUND');
    expect(error.details).toEqual({ backupId: '20261127T030000Z', key: manifestKey('20261127T030000Z'), kind: 'not-found' });
  });

  it('verify reports the problem as details too, beside its one line', async () => {
    const result = await verify({ storage: await destination({ ...TRUE_NAMESPACE, documents: 3 }), backup: ID, record: false });
    expect(result.backups[0]).toMatchObject({ ok: false, problem: expect.stringContaining('the manifest says 3') as unknown, details: { backupId: ID, key: KEY, namespace: 'db.c', kind: 'count' } });
  });
});
