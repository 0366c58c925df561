import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ObjectId, MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3ClientConfig } from '../../src/storage/s3/s3-client.js';
import { runCli } from '../helpers/cli.js';
import { seedJson, writeZip } from '../helpers/legacy-zip.js';
import { testServices, uniqueName } from '../helpers/services.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * On Node 20 the AWS SDK warns, once per process, that its versions after
 * January 2027 need Node 22: news about the SDK we pin, not about the user's
 * command. Every command, on an S3 destination and with the connection string
 * in Secrets Manager (so each SDK client the CLI builds is built), must keep
 * stderr free of it.
 */
const NOTICE = /NodeVersionSupportWarning|will require node >=/;
const services = testServices();
let client: MongoClient;
let db: Db;
let env: NodeJS.ProcessEnv;
let work: string;

beforeAll(async () => {
  client = await MongoClient.connect(services.mongodbUri);
  db = client.db(uniqueName('notice'));
  await db.collection('recipes').insertMany(Array.from({ length: 50 }, (_, i) => ({ title: `recipe ${i}` })));
  const bucket = uniqueName('notice').toLowerCase().replace(/_/g, '-');
  const s3 = new S3Client(s3ClientConfig());
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  s3.destroy();
  const secrets = new SecretsManagerClient({});
  const secretName = uniqueName('notice-secret');
  await secrets.send(new CreateSecretCommand({ Name: secretName, SecretString: JSON.stringify({ MONGODB_URI: services.mongodbUri }) }));
  secrets.destroy();
  work = await tempDir();
  // Nothing hides Node's warnings here: the CLI has to keep the notice out itself.
  env = {
    MONGODB_URI: undefined,
    MONGOSAFE_URI_SECRET: secretName,
    MONGOSAFE_DESTINATION: `s3://${bucket}/app`,
    NODE_NO_WARNINGS: undefined,
    NODE_OPTIONS: undefined,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined,
  };
});

afterAll(async () => {
  await db.dropDatabase();
  await client.db(`${db.databaseName}_copy`).dropDatabase();
  await client.db(`${db.databaseName}_legacy`).dropDatabase();
  await client.close();
});

describe('the AWS SDK notice about Node versions', () => {
  it('appears in no command output: backup, list, inspect, verify, verify --deep, restore, status, prune, import-legacy', async () => {
    const legacyZip = await writeZip(work, 'mongodb-backup-2025-01-01T03-00-00-000Z.zip', [['recipes.json', seedJson([{ _id: new ObjectId(), title: 'Old pie' }])]]);
    const commands = [
      ['backup', '--db', db.databaseName],
      ['list'],
      ['inspect', 'latest'],
      ['verify', 'latest'],
      ['verify', 'latest', '--deep'],
      ['restore', 'latest', '--ns-from', `${db.databaseName}.*`, '--ns-to', `${db.databaseName}_copy.*`],
      ['status'],
      ['prune', '--keep-last', '1'],
      ['import-legacy', legacyZip, '--db', `${db.databaseName}_legacy`],
    ];
    for (const args of commands) {
      const run = await runCli(args, env, { cwd: work });
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0);
      expect(run.stderr, args.join(' ')).not.toMatch(NOTICE);
      expect(run.stdout, args.join(' ')).not.toMatch(NOTICE);
    }
  });

  it('stays hidden when the variable is inherited empty (the SDK honours only "true"), and shows with "false"', async () => {
    const empty = await runCli(['verify', 'latest', '--deep'], { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: '' }, { cwd: work });
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stderr).not.toMatch(NOTICE);
    // The documented way to see it again; also proves the commands above would have printed it.
    const shown = await runCli(['verify', 'latest', '--deep'], { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' }, { cwd: work });
    expect(shown.code, shown.stderr).toBe(0);
    if (Number(process.versions.node.split('.')[0]) < 22) expect(shown.stderr).toMatch(NOTICE);
  });
});
