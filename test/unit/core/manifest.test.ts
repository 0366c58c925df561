import { describe, expect, it } from 'vitest';
import { thrown } from '../../helpers/thrown.js';
import { archiveKey, compareIdsNewestFirst, idForTime, idFromManifestKey, manifestKey, parseManifest, timeOfId } from '../../../src/core/manifest.js';

describe('backup ids', () => {
  it('are the UTC start time, whatever the local zone, with a suffix on collision', () => {
    const t = new Date('2026-11-26T03:00:00.999Z');
    expect(idForTime(t)).toBe('20261126T030000Z');
    expect(idForTime(t, 2)).toBe('20261126T030000Z-2');
    expect(timeOfId('20261126T030000Z-2').toISOString()).toBe('2026-11-26T03:00:00.000Z');
  });

  it('sort newest first, suffixes after their base', () => {
    const ids = ['20251231T235959Z', '20261126T030000Z', '20261126T030000Z-2', '20260101T000000Z'];
    expect([...ids].sort(compareIdsNewestFirst)).toEqual(['20261126T030000Z-2', '20261126T030000Z', '20260101T000000Z', '20251231T235959Z']);
  });

  it('map to keys and back; other files under manifests/ are not backups', () => {
    expect(manifestKey('20261126T030000Z')).toBe('manifests/20261126T030000Z.json');
    expect(archiveKey('20261126T030000Z', 'gzip')).toBe('data/20261126T030000Z/backup.archive.gz');
    expect(archiveKey('20261126T030000Z', 'none')).toBe('data/20261126T030000Z/backup.archive');
    expect(archiveKey('20261126T030000Z', 'zstd')).toBe('data/20261126T030000Z/backup.archive.zst');
    expect(idFromManifestKey('manifests/20261126T030000Z.json')).toBe('20261126T030000Z');
    expect(idFromManifestKey('manifests/20261126T030000Z.verified.20261126T040000000Z.full.json')).toBeUndefined();
    expect(idFromManifestKey('manifests/notes.json')).toBeUndefined();
  });
});

describe('parseManifest', () => {
  const valid = {
    schemaVersion: 1,
    id: '20261126T030000Z',
    status: 'complete',
    tool: { name: 'mongosafe', version: '0.1.0' },
    startedAt: '2026-11-26T03:00:00.123Z',
    finishedAt: '2026-11-26T03:01:10.456Z',
    source: { uri: 'mongodb://127.0.0.1/', serverVersion: '8.0.4', topology: 'Single' },
    archive: { key: 'data/20261126T030000Z/backup.archive.gz', format: 'mongodump-archive', compression: 'gzip', bytes: 10, sha256: 'a'.repeat(64) },
    namespaces: [{ db: 'a', collection: 'b', type: 'collection', documents: 1, bsonBytes: 14, crc64: '0f51dd249ee42e7d', indexes: [{ name: '_id_', key: { _id: 1 } }], options: {} }],
    totals: { namespaces: 1, documents: 1, bsonBytes: 14 },
    warnings: [],
  };

  it('accepts a well-formed manifest', () => {
    expect(parseManifest(JSON.stringify(valid), 'x').id).toBe('20261126T030000Z');
  });

  it.each([
    ['not JSON', '{'],
    ['a future schema', JSON.stringify({ ...valid, schemaVersion: 2 })],
    ['a bad sha256', JSON.stringify({ ...valid, archive: { ...valid.archive, sha256: 'xyz' } })],
    ['a bad crc64', JSON.stringify({ ...valid, namespaces: [{ ...valid.namespaces[0], crc64: 12 }] })],
  ])('refuses %s with CORRUPT', (_name, text) => {
    expect(thrown(() => parseManifest(text, 'manifests/x.json'))).toMatchObject({ code: 'CORRUPT' });
  });
});
