// The whole cycle through the CLI against SeaweedFS's S3 gateway, reached the
// way a user reaches any S3-compatible store: AWS_ENDPOINT_URL_S3.
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3ClientConfig } from '../../src/storage/s3/s3-client.js';
import { runCli } from '../helpers/cli.js';
import { testServices, uniqueName } from '../helpers/services.js';

const services = testServices();
const endpoint = services.seaweedfsEndpoint;
const reason = services.seaweedfsUnavailable ?? 'SEAWEEDFS_S3_ENDPOINT is not set';
if (endpoint === undefined) console.error(`NOTICE: the backup test on SeaweedFS is skipped: ${reason}`);

// The AWS SDK warns on stderr about Node 20's end of support; stderr is asserted here.
const env = { NODE_NO_WARNINGS: '1', AWS_ENDPOINT_URL_S3: endpoint };

describe.skipIf(endpoint === undefined)(`backup, verify, restore and prune on SeaweedFS${endpoint ? '' : ` (skipped: ${reason})`}`, () => {
  const bucket = uniqueName('mongosafe-cycle').toLowerCase().replace(/_/g, '-');
  const destination = `s3://${bucket}/nightly`;
  let client: MongoClient;
  let db: Db;

  beforeAll(async () => {
    // The bucket exists on SeaweedFS only: a CLI that reached moto instead would fail NOT_FOUND.
    const s3 = new S3Client(s3ClientConfig({ ...process.env, AWS_ENDPOINT_URL_S3: endpoint }));
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    s3.destroy();
    client = await MongoClient.connect(services.mongodbUri);
    db = client.db(uniqueName('weed'));
    await db.collection('recipes').insertMany(Array.from({ length: 3000 }, (_, i) => ({ title: `recipe ${i}`, n: i, text: 'x'.repeat(200) })));
    await db.collection('recipes').createIndex({ title: 1 }, { unique: true });
  });

  afterAll(async () => {
    await db.dropDatabase();
    await client.close();
  });

  const backup = async (): Promise<string> => {
    const run = await runCli(['backup', '--db', db.databaseName, '--to', destination, '--json'], { ...env, MONGODB_URI: services.mongodbUri });
    expect(run.code, run.stderr).toBe(0);
    return (JSON.parse(run.stdout) as { id: string }).id;
  };

  it('backs up, verifies, restores whole and prunes to the newest', async () => {
    const first = await backup();
    // Backup ids are per second: the second one must not share the first's.
    await new Promise((r) => setTimeout(r, 1100));
    const second = await backup();

    // The newer one is verified: prune always keeps the newest verified backup.
    const verify = await runCli(['verify', second, '--from', destination], env);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^ok /);

    const target = uniqueName('weed_copy');
    const restore = await runCli(['restore', first, '--from', destination, '--uri', services.mongodbUri, '--ns-from', `${db.databaseName}.*`, '--ns-to', `${target}.*`], env);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/3,000 documents inserted/);
    expect(await client.db(target).collection('recipes').countDocuments()).toBe(3000);
    expect((await client.db(target).collection('recipes').indexes()).map((index) => index.name)).toContain('title_1');
    await client.db(target).dropDatabase();

    const prune = await runCli(['prune', '--from', destination, '--keep-last', '1', '--json'], env);
    expect(prune.code, prune.stderr).toBe(0);
    expect((JSON.parse(prune.stdout) as { deleted: Array<{ id: string }> }).deleted.map((b) => b.id)).toEqual([first]);
    const list = await runCli(['list', '--from', destination, '--json'], env);
    expect((JSON.parse(list.stdout) as { backups: Array<{ id: string }> }).backups.map((b) => b.id)).toEqual([second]);
  });
});
