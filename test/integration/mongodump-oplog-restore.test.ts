// Real restores of archives that real mongod servers' mongodump wrote (mongo-tools' own test
// data): the data is restored, the oplog and admin.system.version never reach the server.
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { testServices, uniqueName } from '../helpers/services.js';
import { mongorestoreTestdata } from '../helpers/shared-testdata.js';

const TESTDATA = mongorestoreTestdata("the restores of mongo-tools' --oplog and admin.system.version archives") ?? '';
const present = TESTDATA !== '';

const WARNING = 'mongosafe: warning: ';
const VERSION_SKIPPED = `${WARNING}admin.system.version: the server's own auth-schema/feature-version record, never restored (as mongorestore)`;

interface RestoreJson {
  namespaces: Array<{ source: string; target: string; documents: number; inserted: number; status: string; reason?: string }>;
  warnings: string[];
}

describe.skipIf(!present)(`restoring mongo-tools' --oplog and admin.system.version archives (${TESTDATA})`, () => {
  const services = testServices();
  const target = uniqueName('oplog_dump');
  let client: MongoClient;
  let versionBefore: unknown[];
  const versionDocuments = () => client.db('admin').collection('system.version').find({}).toArray();

  beforeAll(async () => {
    client = await MongoClient.connect(services.mongodbUri);
    versionBefore = await versionDocuments();
  });

  afterAll(async () => {
    await client.db(target).dropDatabase();
    await client.close();
  });

  // mongorestore restores test.foo, mutes the .oplog and never restores admin.system.version
  // (shared/research/mongorestore-layouts.md §3.2, §3.3, §5 dump-w-oplog.archive).
  it('dump-w-oplog.archive: test.foo with its 25 documents; one line each for the oplog and admin.system.version', async () => {
    const run = await runCli(['restore', join(TESTDATA, 'dump-w-oplog.archive'), '--uri', services.mongodbUri, '--ns-from', 'test.*', '--ns-to', `${target}.*`]);
    expect(run.code, run.stderr).toBe(0);
    // In prelude order: this mongodump put the oplog first.
    expect(run.stderr.trim().split('\n')).toEqual([
      `${WARNING}the oplog (18 entries, written by mongodump --oplog) is not replayed without --oplog-replay; the data is as of the dump's start, not its end`,
      VERSION_SKIPPED,
    ]);
    expect(run.stdout).toMatch(/1 namespaces, 25 documents inserted, 0 already present, 2 skipped/);
    expect(await client.db(target).collection('foo').countDocuments()).toBe(25);
    const databases = (await client.db('admin').admin().listDatabases()).databases.map((db) => db.name);
    expect(databases).not.toContain('');
    expect(await versionDocuments()).toEqual(versionBefore);
  });

  // mongorestore restores test.bar and never admin.system.version (§5 test.bar.archive).
  it('test.bar.archive: test.bar restored, admin.system.version skipped, and --json carries the warning', async () => {
    const run = await runCli(['restore', join(TESTDATA, 'test.bar.archive'), '--uri', services.mongodbUri, '--ns-from', 'test.*', '--ns-to', `${target}.*`, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr.trim().split('\n')).toEqual([VERSION_SKIPPED]);
    const result = JSON.parse(run.stdout) as RestoreJson;
    expect(result.warnings).toEqual([VERSION_SKIPPED.slice(WARNING.length)]);
    const bar = result.namespaces.find((ns) => ns.source === 'test.bar');
    expect(bar).toMatchObject({ target: `${target}.bar`, status: 'restored' });
    expect(bar?.documents).toBeGreaterThan(0);
    expect(await client.db(target).collection('bar').countDocuments()).toBe(bar?.documents);
    expect(result.namespaces.find((ns) => ns.source === 'admin.system.version')).toMatchObject({ status: 'skipped', reason: expect.any(String) as unknown });
    expect(await versionDocuments()).toEqual(versionBefore);
  });

  // Its 18 entries: 16 inserts into test.foo of documents the dump already holds (the dump ran while they
  // were written), 2 into config.system.sessions, which replay leaves alone as mongorestore does.
  it('--oplog-replay applies the oplog after the data, renamed as the data; run twice, the same state', async () => {
    const replayed = uniqueName('oplog_replayed');
    try {
      for (const round of [1, 2]) {
        const run = await runCli(['restore', join(TESTDATA, 'dump-w-oplog.archive'), '--uri', services.mongodbUri, '--oplog-replay', '--ns-from', 'test.*', '--ns-to', `${replayed}.*`]);
        expect(run.code, `round ${round}: ${run.stderr}`).toBe(0);
        expect(run.stdout).toContain('oplog replayed: 16 inserts applied; skipped 2 filtered out; last entry ');
        const documents = await client.db(replayed).collection<{ a: number }>('foo').find({}, { sort: { a: 1 } }).toArray();
        expect(documents.map((doc) => doc.a), `round ${round}`).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      }
      expect(await client.db('config').collection('system.sessions').countDocuments({ lastUse: { $lt: new Date('2019-01-01') } })).toBe(0);
    } finally {
      await client.db(replayed).dropDatabase();
    }
  });

  it('inspect shows the oplog with its entry count, and what restore skips', async () => {
    const run = await runCli(['inspect', join(TESTDATA, 'dump-w-oplog.archive')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^\.oplog +collection +18 /m);
    expect(run.stdout).toContain('not restored: the oplog (18 entries, written by mongodump --oplog) is not replayed');
    expect(run.stdout).toContain('not restored: admin.system.version: ');
  });
});
