// The Lambda handler in-process against FerretDB and moto (S3, Secrets
// Manager, SNS); only the Lambda context is faked. Then the bundle that
// `npm run package:lambda` builds, loaded and run in a fresh `node`.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { promisify } from 'node:util';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { MongoClient, type Db } from 'mongodb';
import type { Entry, ZipFile } from 'yauzl';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { packageLambda } from '../../scripts/package-lambda.js';
import { readManifest } from '../../src/core/catalog.js';
import { list } from '../../src/core/list.js';
import { verify } from '../../src/core/verify.js';
import type { BackupSummary, DrillSummary, LambdaContext } from '../../src/lambda/handler.js';
import { openStorage } from '../../src/storage/registry.js';
import { testServices, uniqueName } from '../helpers/services.js';
import { tempDir } from '../helpers/temp-dir.js';

const services = testServices();
const s3 = new S3Client({ forcePathStyle: true });
const secretsManager = new SecretsManagerClient({});
const sns = new SNSClient({});
let mongo: MongoClient;
const databases: Db[] = [];
const servers: Server[] = [];
let handler: (event: unknown, context: LambdaContext) => Promise<BackupSummary | DrillSummary>;

interface EmfLine {
  _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][] }> };
  FunctionName: string;
  [key: string]: unknown;
}

interface Invocation {
  result?: BackupSummary | DrillSummary;
  error?: Error & { code?: string };
  /** Everything the handler wrote on stdout, one entry per line. */
  lines: string[];
  metrics: EmfLine[];
}

beforeAll(async () => {
  mongo = await MongoClient.connect(services.mongodbUri);
  // Imported after testServices() completed the AWS_* environment, which the SDK's clients read.
  ({ handler } = await import('../../src/lambda/handler.js'));
});

afterAll(async () => {
  for (const db of databases) await db.dropDatabase();
  await mongo.close();
  for (const client of [s3, secretsManager, sns]) client.destroy();
  for (const server of servers) server.close();
});

/** A database with `documents` documents of about `bytesEach` incompressible bytes in two collections. */
async function loadDatabase(documents: number, bytesEach = 200): Promise<Db> {
  const db = mongo.db(uniqueName('lambda'));
  databases.push(db);
  for (const name of ['recipes', 'ratings']) {
    const count = name === 'recipes' ? Math.ceil(documents / 2) : Math.floor(documents / 2);
    for (let start = 0; start < count; start += 1000) {
      const batch = Array.from({ length: Math.min(1000, count - start) }, (_, i) => ({ n: start + i, title: `${name} ${start + i}`, filler: randomBytes(bytesEach * 0.75).toString('base64') }));
      await db.collection(name).insertMany(batch);
    }
  }
  return db;
}

/** A bucket, a secret holding `uri` under MONGODB_URI, and a topic: a deployment of the Terraform module, in moto. */
async function deployment(uri: string): Promise<{ env: Record<string, string>; destination: string; notifications: Array<{ subject: string; message: string }>; functionName: string }> {
  const bucket = uniqueName('lambda').toLowerCase().replace(/_/g, '-');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const secretName = uniqueName('moms-recipe-secrets');
  await secretsManager.send(new CreateSecretCommand({ Name: secretName, SecretString: JSON.stringify({ MONGODB_URI: uri, OTHER: 'unused' }) }));
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: uniqueName('alarms') }));
  const destination = `s3://${bucket}/mongosafe`;
  return {
    destination,
    notifications: await subscribeInbox(TopicArn ?? ''),
    functionName: uniqueName('mongodb-backup'),
    env: { DESTINATION: destination, MONGODB_URI_SECRET: `${secretName}#MONGODB_URI`, NOTIFY_TOPIC_ARN: TopicArn ?? '' },
  };
}

/** A KMS key in moto, as the module's client_side_kms_key_arn names one. */
async function kmsKeyArn(): Promise<string> {
  const { KeyMetadata } = await new KMSClient({}).send(new CreateKeyCommand({ Description: 'lambda test' }));
  return KeyMetadata?.Arn ?? '';
}

function fakeContext(functionName: string, remainingMs = 900_000): LambdaContext {
  const end = Date.now() + remainingMs;
  return { functionName, awsRequestId: randomUUID(), getRemainingTimeInMillis: () => end - Date.now() };
}

/**
 * Runs the handler with exactly `env` as its configuration (the test
 * services' MONGODB_URI is hidden: the function must not see one) and
 * captures what it writes on stdout.
 */
async function invoke(event: unknown, context: LambdaContext, env: Record<string, string>): Promise<Invocation> {
  const names = ['DESTINATION', 'MONGODB_URI_SECRET', 'DATABASES', 'KEEP_LAST', 'KEEP_DAILY', 'VERIFY', 'NOTIFY_TOPIC_ARN', 'SAFETY_MARGIN_MS', 'ENCRYPT', 'MONGODB_URI'];
  const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
  for (const name of names) delete process.env[name];
  Object.assign(process.env, env);
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  const invocation: Invocation = { lines, metrics: [] };
  try {
    invocation.result = await handler(event, context);
  } catch (error) {
    invocation.error = error as Invocation['error'];
  } finally {
    write.mockRestore();
    for (const name of names) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  }
  invocation.metrics = lines.map((line) => JSON.parse(line) as EmfLine).filter((doc) => '_aws' in doc);
  return invocation;
}

/**
 * An HTTP endpoint subscribed to the topic: moto delivers each published
 * message to it before Publish returns. (moto's /moto-api/data.json would show
 * them too, but fails with a 500 once other services hold some kinds of state.)
 */
async function subscribeInbox(topicArn: string): Promise<Array<{ subject: string; message: string }>> {
  const received: Array<{ subject: string; message: string }> = [];
  const server = createServer((request, response) => {
    void text(request).then((body) => {
      const notification = JSON.parse(body) as { Subject: string; Message: string };
      received.push({ subject: notification.Subject, message: notification.Message });
      response.end();
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: `http://127.0.0.1:${port}/` }));
  return received;
}

const scheduledEvent = (time: string) => ({ version: '0', id: randomUUID(), 'detail-type': 'Scheduled Event', source: 'aws.events', time, resources: [], detail: {} });

describe('Lambda handler', () => {
  it('backs up on a scheduled event, verifies, prunes, and emits one metrics line; a retry of that run makes no second backup', async () => {
    const db = await loadDatabase(600);
    const aws = await deployment(services.mongodbUri);
    const env = { ...aws.env, DATABASES: db.databaseName, KEEP_LAST: '1' };
    const event = scheduledEvent('2026-11-26T03:00:00Z');

    const first = await invoke(event, fakeContext(aws.functionName), env);
    expect(first.error).toBeUndefined();
    expect(first.result).toMatchObject({ action: 'backup', reused: false, documents: 600, verified: 'full', scheduledTime: '2026-11-26T03:00:00.000Z', pruned: { kept: 1, deleted: 0 } });
    const summary = first.result as BackupSummary;

    // A complete backup: manifest present, recording the run, and it verifies.
    const storage = await openStorage(aws.destination);
    const manifest = await readManifest(storage, summary.id);
    expect(manifest.trigger).toEqual({ scheduledTime: '2026-11-26T03:00:00.000Z' });
    expect(manifest.namespaces.map((ns) => `${ns.db}.${ns.collection}`).sort()).toEqual([`${db.databaseName}.ratings`, `${db.databaseName}.recipes`]);
    expect((await verify({ backup: summary.id, storage, record: false })).ok).toBe(true);

    // Every stdout line is JSON; exactly one is the EMF metrics line.
    expect(first.metrics).toHaveLength(1);
    const metrics = first.metrics[0];
    expect(metrics?._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'mongosafe', Dimensions: [['FunctionName']] });
    expect(metrics).toMatchObject({ FunctionName: aws.functionName, BackupSucceeded: 1, BackupDocuments: 600, BackupBytes: manifest.archive.bytes, backupId: summary.id });
    expect(metrics?.BackupDurationSeconds).toBeGreaterThan(0);
    expect(first.lines.some((line) => line.includes('"level":"info"') && line.includes('namespace done'))).toBe(true);

    // Lambda delivers the same event again (async retry, at-least-once delivery).
    const retry = await invoke(event, fakeContext(aws.functionName), env);
    expect(retry.error).toBeUndefined();
    expect(retry.result).toMatchObject({ action: 'backup', reused: true, id: summary.id, documents: 600 });
    expect(retry.metrics[0]).toMatchObject({ BackupSucceeded: 1, backupId: summary.id });
    expect((await list({ storage })).backups.map((b) => b.id)).toEqual([summary.id]);

    // The next night is a new run; KEEP_LAST=1 prunes the first backup after it.
    const next = await invoke(scheduledEvent('2026-11-27T03:00:00Z'), fakeContext(aws.functionName), env);
    expect(next.error).toBeUndefined();
    expect(next.result).toMatchObject({ reused: false, pruned: { kept: 1, deleted: 1 } });
    expect((await list({ storage })).backups.map((b) => b.id)).toEqual([(next.result as BackupSummary).id]);
    expect(aws.notifications).toEqual([]);

    // The drill event restores the newest backup into scratch databases and compares every document.
    const drill = await invoke({ action: 'verify', deep: true }, fakeContext(aws.functionName), env);
    expect(drill.error).toBeUndefined();
    expect(drill.result).toMatchObject({ action: 'verify', deep: true, id: (next.result as BackupSummary).id, documents: 600 });
    expect((await list({ storage })).backups[0]?.verified).toMatchObject({ kind: 'deep', ok: true });
    expect(drill.metrics[0]).toMatchObject({ VerifySucceeded: 1 });
    expect(drill.metrics[0]).not.toHaveProperty('BackupSucceeded');
  });

  it('with ENCRYPT=kms:ARN encrypts each backup, checks only its stored bytes after it (the nightly role cannot decrypt), and the drill decrypts it whole', async () => {
    const db = await loadDatabase(400);
    const aws = await deployment(services.mongodbUri);
    const keyArn = await kmsKeyArn();
    const env = { ...aws.env, DATABASES: db.databaseName, ENCRYPT: `kms:${keyArn}` };

    const night = await invoke(scheduledEvent('2026-11-28T03:00:00Z'), fakeContext(aws.functionName), env);
    expect(night.error).toBeUndefined();
    expect(night.result).toMatchObject({ action: 'backup', documents: 400, verified: 'stored' });
    const storage = await openStorage(aws.destination);
    const manifest = await readManifest(storage, (night.result as BackupSummary).id);
    expect(manifest.encryption).toMatchObject({ scheme: 'aws-encryption-sdk', keyring: 'kms', keyId: keyArn });
    expect(night.lines.some((line) => line.includes('backup verified') && line.includes('"kind":"stored"'))).toBe(true);

    const drill = await invoke({ action: 'verify', deep: true }, fakeContext(aws.functionName), env);
    expect(drill.error).toBeUndefined();
    expect(drill.result).toMatchObject({ action: 'verify', deep: true, documents: 400 });
  });

  it('rejects when the database is unreachable, publishes one notification without the password, and reports BackupSucceeded 0', async () => {
    const aws = await deployment('mongodb://mongosafe:canary-7f3a@127.0.0.1:1/momsrecipebox?serverSelectionTimeoutMS=1000');
    const invocation = await invoke({ action: 'backup', scheduledTime: '2026-11-26T03:00:00Z' }, fakeContext(aws.functionName), { ...aws.env, DATABASES: 'momsrecipebox' });

    expect(invocation.error).toMatchObject({ code: 'SOURCE' });
    expect(invocation.error?.message).toMatch(/no server answered/);
    expect(invocation.metrics).toHaveLength(1);
    expect(invocation.metrics[0]).toMatchObject({ FunctionName: aws.functionName, BackupSucceeded: 0 });
    const logged = invocation.lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.level === 'error');
    expect(logged).toMatchObject({ code: 'SOURCE', message: invocation.error?.message, hint: expect.stringContaining('reachable') as unknown, details: { kind: 'network' } });

    const { notifications } = aws;
    expect(notifications).toHaveLength(1);
    expect(notifications[0]?.subject).toBe(`mongosafe backup FAILED: ${aws.functionName}`);
    expect(notifications[0]?.message).toContain('Database(s): momsrecipebox');
    expect(notifications[0]?.message).toContain('Error (SOURCE): ');
    expect(notifications[0]?.message).toContain('Cause: network');
    expect(notifications[0]?.message).toContain(`mongosafe inspect latest --from ${aws.destination}`);

    const everything = [...invocation.lines, invocation.error?.message ?? '', JSON.stringify(notifications)].join('\n');
    expect(everything).not.toContain('canary-7f3a');
    expect((await list({ storage: await openStorage(aws.destination) })).backups).toEqual([]);
  });

  it('stops cleanly before the Lambda time limit: ABORTED, no manifest, BackupSucceeded 0', async () => {
    const db = await loadDatabase(2000);
    const aws = await deployment(services.mongodbUri);
    // 60 s margin, 60.05 s left: 50 ms for the whole run, less than any backup takes
    // (connect, catalog, reservation, data, manifest), however fast the machine.
    const invocation = await invoke({ action: 'backup' }, fakeContext(aws.functionName, 60_050), { ...aws.env, DATABASES: db.databaseName, SAFETY_MARGIN_MS: '60000' });
    expect(invocation.error).toMatchObject({ code: 'ABORTED' });
    expect(invocation.error?.message).toMatch(/^stopped 60 s before the Lambda time limit/);
    expect(invocation.metrics[0]).toMatchObject({ BackupSucceeded: 0 });
    expect(aws.notifications).toHaveLength(1);
    // The failure's details, as data in the log line and as lines of the notice.
    const logged = invocation.lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.level === 'error');
    expect(logged).toMatchObject({ code: 'ABORTED', message: invocation.error?.message, details: { kind: 'timeout' } });
    expect(aws.notifications[0]?.message).toContain('Cause: timeout');
    expect((await list({ storage: await openStorage(aws.destination) })).backups).toEqual([]);
  });

  it('rejects a configuration that puts the connection string in the environment, and still notifies', async () => {
    const aws = await deployment(services.mongodbUri);
    const invocation = await invoke({}, fakeContext(aws.functionName), { ...aws.env, MONGODB_URI: 'mongodb://u:canary-7f3a@h/' });
    expect(invocation.error).toMatchObject({ code: 'CONFIG', message: 'MONGODB_URI is set in the function environment' });
    expect(invocation.metrics[0]).toMatchObject({ BackupSucceeded: 0 });
    const { notifications } = aws;
    expect(notifications).toHaveLength(1);
    expect(JSON.stringify(notifications)).not.toContain('canary-7f3a');
  });
});

// Lambda's nodejs22.x runtime, not the Node running the tests: the bundle meets the runtime it deploys to.
const node22 = services.node22;
const noNode22 = node22 ? '' : ` (skipped: no Node 22: ${services.node22Unavailable ?? 'NODE22 is unset'})`;

describe('Lambda bundle', () => {
  it.skipIf(!node22)(`builds dist/lambda.zip whose index.mjs loads in plain node 22, exports handler, and backs up a few MB well within 512 MB${noNode22}`, async () => {
    const out = await tempDir();
    const started = Date.now();
    const built = await packageLambda(out);
    const buildMs = Date.now() - started;
    console.info(`lambda.zip ${(built.zipBytes / 1024).toFixed(0)} KiB (index.mjs ${(built.bundleBytes / 1024).toFixed(0)} KiB), built in ${buildMs} ms`);
    expect(buildMs).toBeLessThan(60_000);

    // What Lambda would see: the zip's one entry, extracted by another zip implementation.
    const runtime = join(out, 'runtime');
    await mkdir(runtime);
    const entries = await unzipEntries(built.zipPath);
    expect([...entries.keys()]).toEqual(['index.mjs']);
    await writeFile(join(runtime, 'index.mjs'), entries.get('index.mjs') ?? Buffer.alloc(0));

    const db = await loadDatabase(12_000, 500);
    const aws = await deployment(services.mongodbUri);
    const script = `
      const { handler } = await import(${JSON.stringify(join(runtime, 'index.mjs'))});
      const end = Date.now() + 900_000;
      const context = { functionName: 'bundle-test', awsRequestId: 'r-1', getRemainingTimeInMillis: () => end - Date.now() };
      const result = await handler({ action: 'backup', scheduledTime: '2026-11-26T03:00:00Z' }, context);
      process.stderr.write('\\n' + JSON.stringify({ node: process.version, exports: typeof handler, result, maxRssKiB: process.resourceUsage().maxRSS }));
    `;
    // Node's warnings stay on: whatever the function would print in its CloudWatch log shows here.
    // Encrypted: the bundled Encryption SDK and KMS client must load and work in the runtime too.
    const env: NodeJS.ProcessEnv = { ...process.env, ...aws.env, DATABASES: db.databaseName, ENCRYPT: `kms:${await kmsKeyArn()}`, NODE_NO_WARNINGS: undefined, NODE_OPTIONS: undefined };
    delete env.MONGODB_URI;
    const child = await promisify(execFile)(node22 ?? '', ['--input-type=module', '-e', script], { cwd: runtime, env, maxBuffer: 16 * 1024 * 1024 });
    const report = JSON.parse(child.stderr.slice(child.stderr.lastIndexOf('\n') + 1)) as { node: string; exports: string; result: BackupSummary; maxRssKiB: number };
    expect(report.node).toMatch(/^v22\./);
    expect(child.stderr).not.toMatch(/NodeVersionSupportWarning/);
    expect(report.exports).toBe('function');
    expect(report.result).toMatchObject({ action: 'backup', documents: 12_000, verified: 'stored' });
    expect(child.stdout).toContain('"BackupSucceeded":1');
    const rawMiB = (12_000 * 500) / 1024 / 1024;
    const peakMiB = report.maxRssKiB / 1024;
    console.info(`bundle backed up ${rawMiB.toFixed(1)} MiB of documents (archive ${(report.result.bytes / 1024).toFixed(0)} KiB) with peak RSS ${peakMiB.toFixed(0)} MiB`);
    expect(peakMiB).toBeLessThan(256);
  });
});

/** The entries of a zip, read with yauzl (not our writer's code). */
async function unzipEntries(path: string): Promise<Map<string, Buffer>> {
  const yauzl = await import('yauzl');
  const zip = await new Promise<ZipFile>((resolve, reject) => yauzl.open(path, { lazyEntries: true }, (error, opened) => (error ? reject(error) : resolve(opened))));
  const entries = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: Entry) => {
      zip.openReadStream(entry, (error, stream) => {
        if (error) return reject(error);
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          entries.set(entry.fileName, Buffer.concat(chunks));
          zip.readEntry();
        });
        stream.on('error', reject);
      });
    });
    zip.on('end', resolve);
    zip.on('error', reject);
    zip.readEntry();
  });
  return entries;
}
