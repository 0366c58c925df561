// Destinations filled with backups written the way `backup` and `verify`
// lay them out (data, then manifest, then verification records), through the
// real Storage, so prune/status/list tests can span months in milliseconds.
import { createHash } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll } from 'vitest';
import { verificationKey } from '../../src/core/catalog.js';
import { archiveKey, manifestKey, startedMarkerKey } from '../../src/core/manifest.js';
import { openStorage } from '../../src/storage/registry.js';
import type { Storage } from '../../src/storage/storage.js';
import { testServices, uniqueName } from './services.js';
import { tempDir } from './temp-dir.js';
import { testManifest } from './test-manifest.js';

export interface SyntheticBackup {
  id: string;
  /** Verification records, oldest first; each `{ ok }` as verify writes it. */
  verifications?: Array<{ at: string; ok: boolean; kind?: 'full' | 'deep' }>;
  /** Archive size; default 1000 bytes. */
  archiveBytes?: number;
}

export async function putText(storage: Storage, key: string, text: string): Promise<void> {
  await storage.put(key, Readable.from([Buffer.from(text)]), { ifAbsent: true });
}

/** Started marker, archive, manifest (last), then any verification records. */
export async function writeBackup(storage: Storage, backup: SyntheticBackup): Promise<void> {
  const { id } = backup;
  const archive = Buffer.alloc(backup.archiveBytes ?? 1000, id);
  await putText(storage, startedMarkerKey(id), JSON.stringify({ id }));
  await storage.put(archiveKey(id, 'gzip'), Readable.from([archive]), { ifAbsent: true });
  const manifest = testManifest(id, { key: archiveKey(id, 'gzip'), format: 'mongodump-archive', compression: 'gzip', bytes: archive.length, sha256: createHash('sha256').update(archive).digest('hex'), mongorestoreCompatible: true });
  await putText(storage, manifestKey(id), JSON.stringify(manifest, null, 2));
  for (const v of backup.verifications ?? []) {
    const kind = v.kind ?? 'full';
    await putText(storage, verificationKey(id, new Date(v.at), kind), JSON.stringify({ id, kind, at: v.at, ok: v.ok }));
  }
}

/** An interrupted backup: its marker and a partial archive, no manifest. */
export async function writeIncomplete(storage: Storage, id: string): Promise<void> {
  await putText(storage, startedMarkerKey(id), JSON.stringify({ id }));
  await putText(storage, archiveKey(id, 'gzip'), 'partial');
}

export async function allKeys(storage: Storage): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of storage.list('')) keys.push(object.key);
  return keys.sort();
}

export interface TestDestination {
  kind: 'local' | 's3';
  storage: Storage;
  url: string;
  /** Local: the folder. S3: the bucket. */
  where: string;
  /** The same place one level up (the parent folder, the bucket's root): to put and see keys outside the destination. */
  outside: Storage;
  /** The destination's own prefix in `outside`, with its slash: "backups/" or "mongosafe/". */
  base: string;
}

let s3: S3Client | undefined;
afterAll(() => {
  s3?.destroy();
  s3 = undefined;
});

/** A fresh, empty destination: `backups/` in a temporary folder, or `mongosafe/` in a new moto bucket. */
export async function freshDestination(kind: 'local' | 's3'): Promise<TestDestination> {
  if (kind === 'local') {
    const dir = await tempDir();
    const url = join(dir, 'backups');
    return { kind, storage: await openStorage(url), url, where: url, outside: await openStorage(dir), base: 'backups/' };
  }
  testServices();
  s3 ??= new S3Client({ forcePathStyle: true });
  const bucket = uniqueName('dest').toLowerCase().replace(/_/g, '-');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const url = `s3://${bucket}/mongosafe`;
  return { kind, storage: await openStorage(url), url, where: bucket, outside: await openStorage(`s3://${bucket}`), base: 'mongosafe/' };
}
