// S3 Object Lock on moto: backups carry the bucket's retention (or a longer --lock-days), the
// manifest says until when, and a locked backup survives prune, a direct delete and an overwrite;
// once the lock has passed, prune deletes it. A bucket without Object Lock refuses --lock-days
// before anything is written.
import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../src/core/catalog.js';
import { list } from '../../src/core/list.js';
import { manifestKey, type Manifest } from '../../src/core/manifest.js';
import { prune } from '../../src/core/prune.js';
import { verify } from '../../src/core/verify.js';
import { openStorage } from '../../src/storage/registry.js';
import { s3ClientConfig } from '../../src/storage/s3/s3-client.js';
import type { Storage } from '../../src/storage/storage.js';
import { runCli } from '../helpers/cli.js';
import { testServices, uniqueName } from '../helpers/services.js';
import { rejectionOf } from '../helpers/thrown.js';

const services = testServices();
const QUIET = { NODE_NO_WARNINGS: '1' };
const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_DAYS = 2;

const s3 = new S3Client(s3ClientConfig());
let mongo: MongoClient;
let dbName: string;
let bucket: string;
let destination: string;
let storage: Storage;

function bucketName(prefix: string): string {
  return uniqueName(prefix).toLowerCase().replace(/_/g, '-');
}

async function backupCli(args: string[] = []): Promise<Manifest> {
  const run = await runCli(['backup', '--db', dbName, '--to', destination, '--json', ...args], QUIET);
  expect(run.code, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as { manifest: Manifest }).manifest;
}

/** Days from now until `iso`, to a tenth. */
function daysFromNow(iso: string): number {
  return Math.round(((Date.parse(iso) - Date.now()) / DAY_MS) * 10) / 10;
}

async function versionsOf(key: string): Promise<{ versions: string[]; markers: string[] }> {
  const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
  return {
    versions: (listed.Versions ?? []).filter((v) => v.Key === key).map((v) => v.VersionId ?? ''),
    markers: (listed.DeleteMarkers ?? []).filter((m) => m.Key === key).map((m) => m.VersionId ?? ''),
  };
}

beforeAll(async () => {
  mongo = await MongoClient.connect(services.mongodbUri);
  dbName = uniqueName('locked');
  await mongo.db(dbName).collection('recipes').insertMany(Array.from({ length: 50 }, (_, i) => ({ i, title: `Recipe ${i}` })));
  bucket = bucketName('locked');
  await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  await s3.send(
    new PutObjectLockConfigurationCommand({ Bucket: bucket, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: DEFAULT_DAYS } } } }),
  );
  destination = `s3://${bucket}/mongosafe`;
  storage = await openStorage(destination);
});

afterAll(async () => {
  await mongo.db(dbName).dropDatabase();
  await mongo.close();
});

describe('S3 Object Lock', () => {
  let byDefault: Manifest;
  let longer: Manifest;
  let shorterAsked: Manifest;

  it("records the bucket's default retention in the manifest, and every object of the backup carries it", async () => {
    byDefault = await backupCli();
    expect(byDefault.lock?.mode).toBe('GOVERNANCE');
    expect(daysFromNow(byDefault.lock?.retainUntil ?? '')).toBeCloseTo(DEFAULT_DAYS, 0);
    for (const key of [byDefault.archive.key, manifestKey(byDefault.id)]) expect((await storage.head(key))?.lock?.mode).toBe('GOVERNANCE');
  });

  it('--lock-days keeps a backup longer than the default, and never shorter', async () => {
    longer = await backupCli(['--lock-days', '5']);
    expect(longer.lock?.mode).toBe('GOVERNANCE');
    expect(daysFromNow(longer.lock?.retainUntil ?? '')).toBeCloseTo(5, 0);
    expect(daysFromNow((await storage.head(manifestKey(longer.id)))?.lock?.retainUntil.toISOString() ?? '')).toBeCloseTo(5, 0);

    shorterAsked = await backupCli(['--lock-days', '1']);
    expect(daysFromNow(shorterAsked.lock?.retainUntil ?? '')).toBeCloseTo(DEFAULT_DAYS, 0);
  });

  it('a locked backup survives prune: its plan says "locked until", nothing is deleted, exit 0', async () => {
    const dry = await runCli(['prune', '--from', destination, '--keep-last', '1', '--dry-run'], QUIET);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`${longer.id}\\s+keep\\s+locked until ${longer.lock?.retainUntil.slice(0, 10)}`));
    expect(dry.stdout).toContain('and 2 that Object Lock still holds');

    const run = await runCli(['prune', '--from', destination, '--keep-last', '1', '--json'], QUIET);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { deleted: unknown[]; locked: Array<{ id: string; until: string }> };
    expect(result.deleted).toEqual([]);
    expect(result.locked.map((b) => b.id)).toEqual([longer.id, byDefault.id]);
    expect((await list({ storage })).backups).toHaveLength(3);
    // No delete marker hides any of them.
    for (const manifest of [byDefault, longer]) expect((await versionsOf(`mongosafe/${manifest.archive.key}`)).markers).toEqual([]);
  });

  it('a locked backup survives a direct delete: its version cannot be deleted, and a delete marker only hides it', async () => {
    const key = `mongosafe/${byDefault.archive.key}`;
    const [version] = (await versionsOf(key)).versions;
    expect(await rejectionOf(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: version })))).toMatchObject({ name: 'AccessDenied' });

    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    const hidden = await versionsOf(key);
    expect(hidden.versions).toEqual([version]);
    // Removing the marker (docs/aws.md) brings the backup back whole.
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: hidden.markers[0] }));
    expect((await verify({ backup: byDefault.id, storage, record: false })).ok).toBe(true);
  });

  it('a locked backup survives an overwrite: mongosafe refuses one, and a raw one leaves the locked version as it was', async () => {
    const key = `mongosafe/${shorterAsked.archive.key}`;
    expect(await rejectionOf(storage.put(shorterAsked.archive.key, Readable.from([Buffer.from('junk')]), { ifAbsent: true }))).toMatchObject({ code: 'ALREADY_EXISTS' });
    const [original] = (await versionsOf(key)).versions;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'junk' }));
    const kept = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: original }));
    const bytes = Buffer.from((await kept.Body?.transformToByteArray()) ?? []);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(shorterAsked.archive.sha256);
  });

  it('once the locks have passed, prune deletes what its policy does not keep', async () => {
    const later = new Date(Date.now() + 6 * DAY_MS);
    const result = await prune({ storage, policy: { last: 1 }, now: () => later });
    expect(result.locked).toEqual([]);
    expect(result.deleted.map((b) => b.id).sort()).toEqual([byDefault.id, longer.id].sort());
    expect((await list({ storage })).backups.map((b) => b.id)).toEqual([shorterAsked.id]);
    expect(await readManifest(storage, shorterAsked.id)).toMatchObject({ id: shorterAsked.id });
  });
});

describe('--lock-days without Object Lock', () => {
  it('is refused before anything is written', async () => {
    const plain = bucketName('unlocked');
    await s3.send(new CreateBucketCommand({ Bucket: plain }));
    const run = await runCli(['backup', '--db', dbName, '--to', `s3://${plain}/mongosafe`, '--lock-days', '7'], QUIET);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--lock-days needs Object Lock, and s3:\/\/.*\/mongosafe has none/);
    expect((await s3.send(new ListObjectVersionsCommand({ Bucket: plain }))).Versions ?? []).toEqual([]);
  });

  it('on a local folder too', async () => {
    const run = await runCli(['backup', '--db', dbName, '--to', `/tmp/${uniqueName('lockless')}`, '--lock-days', '7'], QUIET);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--lock-days needs Object Lock');
  });
});
