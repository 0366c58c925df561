import { spawn } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CopyObjectCommand, CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BSON, MongoClient, ObjectId, Timestamp } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3ClientConfig } from '../../src/storage/s3/s3-client.js';
import { runCli } from '../helpers/cli.js';
import { seedJson, writeZip } from '../helpers/legacy-zip.js';
import { testServices, uniqueName } from '../helpers/services.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * docs/runbook.md is the emergency procedure: every `mongosafe` command in its
 * bash blocks runs here, as written, against FerretDB and moto's S3 and
 * Secrets Manager, so the page cannot drift from the product.
 */
const services = testServices();
const BIN = fileURLToPath(new URL('../../bin/mongosafe.js', import.meta.url));
const RUNBOOK = fileURLToPath(new URL('../../docs/runbook.md', import.meta.url));

async function runbookCommands(): Promise<string[]> {
  const text = await readFile(RUNBOOK, 'utf8');
  const blocks = [...text.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  return blocks.flatMap((block) => block.split('\n')).map((line) => line.trim()).filter((line) => line.startsWith('mongosafe '));
}

function bash(command: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('docs/runbook.md', () => {
  let client: MongoClient;
  let env: NodeJS.ProcessEnv;
  const s3 = new S3Client(s3ClientConfig());
  const bucket = `momsrecipebox-mongodb-backups-${Date.now().toString(36)}`;

  beforeAll(async () => {
    client = await MongoClient.connect(services.mongodbUri);
    const db = client.db('momsrecipebox');
    await db.dropDatabase();
    await db.collection('recipes').insertMany(Array.from({ length: 300 }, (_, i) => ({ title: `Recipe ${i}`, minutes: i })));
    await db.collection('recipes').createIndex({ title: 1 });
    await db.collection('users').insertMany([{ name: 'Mom' }, { name: 'Dad' }]);

    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const secretName = uniqueName('moms-recipe-secrets');
    await new SecretsManagerClient({}).send(new CreateSecretCommand({ Name: secretName, SecretString: JSON.stringify({ MONGODB_URI: services.mongodbUri, OTHER: 'x' }) }));

    const work = await tempDir();
    const shim = join(work, 'mongosafe');
    await writeFile(shim, `#!/usr/bin/env bash\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    await chmod(shim, 0o755);
    const legacyZip = await writeZip(work, 'mongodb-backup-2025-01-01T03-00-00-000Z.zip', [
      ['recipes.json', seedJson([{ _id: new ObjectId(), title: 'Old pie', createdAt: new Date('2024-12-24T10:00:00Z') }])],
    ]);
    env = {
      PATH: `${work}:${process.env.PATH ?? ''}`,
      HOME: work,
      BACKUPS: `s3://${bucket}`,
      MONGOSAFE_URI_SECRET: `${secretName}#MONGODB_URI`,
      SCRATCH_URI: services.mongodbUri,
      LEGACY_ZIP: legacyZip,
      MONGODB_URI: '',
      NODE_NO_WARNINGS: '1',
    };
    const made = await runCli(['backup', '--db', 'momsrecipebox', '--to', `s3://${bucket}`, '--json'], env);
    expect(made.code, made.stderr).toBe(0);
    env.BACKUP_ID = (JSON.parse(made.stdout) as { id: string }).id;
    // The newest backup is encrypted with a KMS key, as the Lambda makes them with client_side_kms_key_arn:
    // every `latest` in the runbook (section 9 included) reads it with kms:Decrypt alone.
    const kms = new KMSClient({});
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'runbook test' }));
    const alias = `alias/${uniqueName('runbook')}`;
    await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: KeyMetadata?.KeyId }));
    const encrypted = await runCli(['backup', '--db', 'momsrecipebox', '--to', `s3://${bucket}`, '--encrypt', `kms:${alias}`], env);
    expect(encrypted.code, encrypted.stderr).toBe(0);

    // Section 10's replica: every object copied to a second bucket, as S3 replication does, so its
    // commands (which name only $REPLICA) read nothing from the primary.
    const replica = `${bucket}-replica`;
    await s3.send(new CreateBucketCommand({ Bucket: replica }));
    for (const key of await objectKeys(bucket)) {
      await s3.send(new CopyObjectCommand({ Bucket: replica, Key: key, CopySource: `${bucket}/${key}` }));
    }
    env.REPLICA = `s3://${replica}`;

    // Section 11's dump: mongodump --oplog's layout, a collection read mid-way and the oplog of what followed.
    env.DUMP = await writeOplogDump(work);
  });

  async function objectKeys(name: string): Promise<string[]> {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: name }));
    return (listed.Contents ?? []).map((object) => object.Key ?? '');
  }

  afterAll(async () => {
    await client.db('momsrecipebox').dropDatabase();
    await client.db('oplog_demo').dropDatabase();
    await client.close();
  });

  /** A dump root as mongodump --oplog writes it: oplog_demo.notes read before its last three writes, which oplog.bson holds. */
  async function writeOplogDump(work: string): Promise<string> {
    const root = join(work, 'dump');
    await mkdir(join(root, 'oplog_demo'), { recursive: true });
    await writeFile(join(root, 'oplog_demo', 'notes.bson'), Buffer.concat([{ _id: 1, text: 'first' }, { _id: 2, text: 'second' }].map((doc) => BSON.serialize(doc))));
    await writeFile(join(root, 'oplog_demo', 'notes.metadata.json'), JSON.stringify({ options: {}, indexes: [{ v: 2, key: { _id: 1 }, name: '_id_' }], collectionName: 'notes', type: 'collection' }));
    const ts = (i: number) => new Timestamp({ t: 1765000000, i });
    const oplog = [
      { ts: ts(1), op: 'i', ns: 'oplog_demo.notes', o: { _id: 3, text: 'third' } },
      { ts: ts(2), op: 'u', ns: 'oplog_demo.notes', o: { $v: 2, diff: { u: { text: 'first, edited' } } }, o2: { _id: 1 } },
      { ts: ts(3), op: 'd', ns: 'oplog_demo.notes', o: { _id: 2 } },
    ];
    await writeFile(join(root, 'oplog.bson'), Buffer.concat(oplog.map((entry) => BSON.serialize(entry))));
    return root;
  }

  it('every mongosafe command in it works as written', async () => {
    const commands = await runbookCommands();
    expect(commands.length).toBeGreaterThanOrEqual(10);
    for (const command of commands) {
      if (command.includes('--wait')) {
        // Age the archive into GLACIER, as the lifecycle rule does at 90 days.
        const key = `data/${env.BACKUP_ID ?? ''}/backup.archive.gz`;
        await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: key, CopySource: `${bucket}/${key}`, StorageClass: 'GLACIER', MetadataDirective: 'COPY' }));
        const withoutWait = await bash(command.replace(' --wait', ''), env);
        expect(withoutWait.code, withoutWait.output).toBe(1);
        expect(withoutWait.output).toMatch(/GLACIER.*takes 3-5 hours/);
      }
      const { code, output } = await bash(command, env);
      expect(code, `${command}\n${output}`).toBe(0);
    }
    expect(await client.db('oplog_demo').collection('notes').find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, text: 'first, edited' },
      { _id: 3, text: 'third' },
    ]);
    expect(await client.db('momsrecipebox').collection('recipes_restored').countDocuments()).toBe(300);
    expect(await client.db('momsrecipebox').collection('recipes').countDocuments()).toBeGreaterThanOrEqual(300);
  });
});
