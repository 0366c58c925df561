import { spawn } from 'node:child_process';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../helpers/cli.js';
import { testServices, uniqueName } from '../helpers/services.js';
import { tempDir } from '../helpers/temp-dir.js';

const services = testServices();
let client: MongoClient;
let db: Db;
let work: string;

/** A user's mistake ends in one line (plus a hint), a non-zero exit, and no stack trace. */
function expectCleanError(run: CliRun, code: number, message: RegExp): void {
  expect(run.code, run.stderr).toBe(code);
  const lines = run.stderr.trim().split('\n');
  expect(lines[0]).toMatch(/^mongosafe: /);
  expect(lines[0]).toMatch(message);
  expect(lines.length, run.stderr).toBeLessThanOrEqual(2);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(run.stdout).toBe('');
}

beforeAll(async () => {
  client = await MongoClient.connect(services.mongodbUri);
  db = client.db(uniqueName('cli'));
  await db.collection('recipes').insertMany(Array.from({ length: 2000 }, (_, i) => ({ title: `recipe ${i}`, n: i })));
  await db.collection('users').insertMany([{ name: 'mom' }, { name: 'dad' }]);
  await db.collection('users').createIndex({ name: 1 }, { unique: true });
  work = await tempDir();
});

afterAll(async () => {
  await db.dropDatabase();
  await client.close();
});

describe('the full cycle through the CLI', () => {
  it('backup → list → verify → inspect → restore, with --json results', async () => {
    const backup = await runCli(['backup', '--db', db.databaseName, '--json'], { MONGODB_URI: services.mongodbUri }, { cwd: work });
    expect(backup.code, backup.stderr).toBe(0);
    const result = JSON.parse(backup.stdout) as { id: string; manifest: { totals: { documents: number } } };
    expect(result.manifest.totals.documents).toBe(2002);
    expect(await readdir(join(work, 'backups', 'manifests'))).toEqual([`${result.id}.json`]);

    const list = await runCli(['list'], {}, { cwd: work });
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(result.id);

    const verify = await runCli(['verify', 'latest'], {}, { cwd: work });
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^ok /);

    const listed = JSON.parse((await runCli(['list', '--json'], {}, { cwd: work })).stdout) as { backups: Array<{ id: string; verified?: { ok: boolean } }> };
    expect(listed.backups[0]?.verified?.ok).toBe(true);

    const inspect = await runCli(['inspect', result.id, '--json'], {}, { cwd: work });
    const manifest = JSON.parse(inspect.stdout) as { id: string; ageMs: number; namespaces: unknown[] };
    expect(manifest.id).toBe(result.id);
    expect(manifest.namespaces).toHaveLength(2);
    expect(manifest.ageMs).toBeGreaterThanOrEqual(0);

    const target = uniqueName('cli_copy');
    const restore = await runCli(['restore', 'latest', '--uri', services.mongodbUri, '--ns-from', `${db.databaseName}.*`, '--ns-to', `${target}.*`, '--drop'], {}, { cwd: work });
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/2,002 documents inserted/);
    expect(await client.db(target).collection('recipes').countDocuments()).toBe(2000);
    await client.db(target).dropDatabase();
  });
});

describe('help', () => {
  it('every command takes -h, printing its own help with exit 0, whatever the environment holds', async () => {
    const run = await runCli(['backup', '-h'], { MONGOSAFE_PARALLEL: 'many' });
    expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^usage: mongosafe backup\n/);
  });
});

describe('bad input: one actionable line and a non-zero exit', () => {
  it.each([
    ['an unreachable host', ['backup', '--uri', 'mongodb://127.0.0.1:1/', '--connect-timeout', '1s'], 1, /cannot connect to MongoDB at mongodb:\/\/127\.0\.0\.1:1\/.*no server answered/],
    ['a malformed URI', ['backup', '--uri', 'mongo://nowhere'], 2, /connection string .* is malformed/],
    ['an unknown flag', ['backup', '--bogus'], 2, /Unknown option '--bogus'/],
    ['an unknown command', ['frobnicate'], 2, /unknown command "frobnicate"/],
    ['a missing destination', ['list', '--from', '/nonexistent/mongosafe'], 1, /destination file:\/\/\/nonexistent\/mongosafe does not exist/],
    ['restore without a URI', ['restore', 'latest'], 2, /needs a MongoDB connection string/],
    ['a bad duration', ['status', '--max-age', 'soon'], 2, /duration/],
  ])('%s', async (_name, args, code, message) => {
    expectCleanError(await runCli(args, { MONGODB_URI: undefined }, { cwd: work }), code, message);
  });

  it('an unknown id, with a hint to list', async () => {
    const run = await runCli(['restore', '20990101T000000Z', '--uri', services.mongodbUri], {}, { cwd: work });
    expectCleanError(run, 1, /backup 20990101T000000Z not found/);
    expect(run.stderr).toMatch(/mongosafe list/);
  });

  it('a random file given as an archive', async () => {
    const file = join(work, 'random.dat');
    await writeFile(file, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    expectCleanError(await runCli(['restore', file, '--uri', services.mongodbUri], {}, { cwd: work }), 1, /not a mongodump archive/);
    expectCleanError(await runCli(['inspect', file], {}, { cwd: work }), 1, /not a mongodump archive/);
  });
});

describe('damaged backups are detected and refused', () => {
  let dest: string;
  let id: string;
  let archivePath: string;
  let pristine: Buffer;
  const targetName = uniqueName('precious');

  beforeAll(async () => {
    dest = await tempDir();
    const run = await runCli(['backup', '--db', db.databaseName, '--to', dest, '--json'], { MONGODB_URI: services.mongodbUri });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { id: string; manifest: { archive: { key: string } } };
    id = result.id;
    archivePath = join(dest, result.manifest.archive.key);
    pristine = await readFile(archivePath);
    await client.db(targetName).collection('recipes').insertOne({ precious: true });
  });

  afterAll(() => client.db(targetName).dropDatabase());

  async function expectRefusedAndTargetUntouched(): Promise<void> {
    const verify = await runCli(['verify', id, '--from', dest]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(3);
    expect(verify.stdout).toMatch(/^FAILED/);
    const restore = await runCli(['restore', id, '--from', dest, '--uri', services.mongodbUri, '--drop', '--ns-from', `${db.databaseName}.*`, '--ns-to', `${targetName}.*`]);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toMatch(/refusing to restore|not found/);
    const docs = await client.db(targetName).collection('recipes').find({}, { projection: { _id: 0 } }).toArray();
    expect(docs).toEqual([{ precious: true }]);
  }

  it('a flipped bit', async () => {
    const damaged = Buffer.from(pristine);
    const at = Math.floor(damaged.length / 2);
    damaged[at] = (damaged[at] ?? 0) ^ 0x10;
    await writeFile(archivePath, damaged);
    await expectRefusedAndTargetUntouched();

    // With --json the refusal is one JSON object on stdout, its details naming what and why.
    const json = await runCli(['restore', id, '--from', dest, '--dry-run', '--json']);
    expect(json.code, json.stderr).toBe(1);
    const printed = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(printed).toEqual({
      code: 'CORRUPT',
      message: expect.stringMatching(/^refusing to restore backup .*sha256/) as unknown,
      hint: expect.any(String) as unknown,
      details: { backupId: id, key: relative(dest, archivePath), kind: 'checksum' },
    });
    expect(json.stderr.split('\n')[0]).toBe(`mongosafe: ${String(printed.message)}`);
    await writeFile(archivePath, pristine);
  });

  it('--json for a backup id that is not there: NOT_FOUND with the id in details', async () => {
    const run = await runCli(['verify', '20200101T000000Z', '--from', dest, '--json']);
    expect(run.code, run.stderr).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      code: 'NOT_FOUND',
      message: `backup 20200101T000000Z not found in ${pathToFileURL(dest).href}`,
      hint: "run 'mongosafe list' to see the backups there",
      details: { backupId: '20200101T000000Z', kind: 'not-found' },
    });
  });

  it('a truncated archive', async () => {
    await writeFile(archivePath, pristine.subarray(0, Math.floor(pristine.length * 0.7)));
    await expectRefusedAndTargetUntouched();
    await writeFile(archivePath, pristine);
  });

  it('a missing manifest', async () => {
    const manifest = join(dest, 'manifests', `${id}.json`);
    const saved = await readFile(manifest);
    await rm(manifest);
    const verify = await runCli(['verify', id, '--from', dest]);
    expect(verify.code).toBe(3);
    expect(verify.stdout).toMatch(/no manifest/);
    await expectRefusedAndTargetUntouched();
    await writeFile(manifest, saved);
    expect((await runCli(['verify', id, '--from', dest])).code).toBe(0);
  });
});

describe('secrets', () => {
  const canary = 'canary-7f3a';

  it('the password never reaches output, errors, --debug or the manifest', async () => {
    const host = services.mongodbUri.replace(/^mongodb:\/\//, '');
    const dest = await tempDir();
    const failing = await runCli(['backup', '--uri', `mongodb://mom:${canary}@127.0.0.1:1/`, '--connect-timeout', '1s', '--debug', '--to', dest]);
    expect(failing.code).toBe(1);
    expect(failing.stdout + failing.stderr).not.toContain(canary);
    if (services.serverKind !== 'ferretdb') return;
    // FerretDB on SQLite accepts any PLAIN credentials: a successful backup with a password.
    const uri = `mongodb://mom:${canary}@${host}${host.includes('?') ? '&' : '?'}authMechanism=PLAIN`;
    const ok = await runCli(['backup', '--uri', uri, '--db', db.databaseName, '--to', dest, '--debug', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout + ok.stderr).not.toContain(canary);
    for (const file of await readdir(join(dest, 'manifests'))) {
      expect(await readFile(join(dest, 'manifests', file), 'utf8')).not.toContain(canary);
    }
  });
});

describe('Ctrl-C', () => {
  it('stops a running backup cleanly: exit 130, no manifest, no archive', async () => {
    const big = client.db(uniqueName('interrupt'));
    const text = 'x'.repeat(1000);
    for (let i = 0; i < 5; i++) await big.collection('c').insertMany(Array.from({ length: 4000 }, (_, j) => ({ n: i * 4000 + j, text })));
    const dest = await tempDir();
    const child = spawn(process.execPath, [fileURLToPath(new URL('../../bin/mongosafe.js', import.meta.url)), 'backup', '--db', big.databaseName, '--to', dest], {
      env: { ...process.env, MONGODB_URI: services.mongodbUri },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Interrupt once the backup has reserved its id, i.e. while it streams.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !(await readdir(join(dest, 'data')).catch(() => [])).length) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted/);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(await readdir(join(dest, 'manifests')).catch(() => [])).toEqual([]);
    const data = await readdir(join(dest, 'data'), { recursive: true }).catch(() => []);
    expect(data.filter((name) => String(name).endsWith('backup.archive.gz'))).toEqual([]);
    await big.dropDatabase();
  });
});
