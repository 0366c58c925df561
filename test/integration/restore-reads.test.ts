// How many times restore and verify download a backup from S3, measured from outside: the
// CLI reaches moto through a proxy of this test's own (AWS_ENDPOINT_URL, as for any
// S3-compatible store) that counts the bytes of every answer. Restore checks the whole backup
// before it writes anything and reads it again to write it; the second read comes from a local
// copy the first one kept (issue 21), which is gone once restore ends, whatever the outcome.
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bulkDatabase } from '../helpers/bulk-database.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { testServices, uniqueName } from '../helpers/services.js';
import { allKeys, freshDestination, type TestDestination } from '../helpers/synthetic-backups.js';
import { tempDir } from '../helpers/temp-dir.js';

const DOCUMENTS = 3000;
const QUIET = { NODE_NO_WARNINGS: '1' };
const services = testServices();
const bulk = bulkDatabase('reads', { recipes: DOCUMENTS }, 600);
let dest: TestDestination;
let archive: { key: string; bytes: number };
let proxy: FaultProxy;

beforeAll(async () => {
  dest = await freshDestination('s3');
  const backup = await runCli(['backup', '--db', bulk.db.databaseName, '--to', dest.url], QUIET);
  expect(backup.code, backup.stderr).toBe(0);
  const key = (await allKeys(dest.storage)).find((k) => k.startsWith('data/') && k.includes('.archive'));
  const info = key === undefined ? undefined : await dest.storage.head(key);
  if (key === undefined || info === undefined) throw new Error('the backup wrote no archive');
  archive = { key, bytes: info.bytes };
}, 120_000);

beforeEach(async () => {
  proxy = await startFaultProxy(services.awsEndpoint);
});

afterEach(() => proxy.close());

function viaProxy(args: string[]): Promise<CliRun> {
  return runCli(args, { ...QUIET, AWS_ENDPOINT_URL: proxy.url });
}

/** Bytes of the archive object downloaded through the proxy so far. */
function archiveBytesRead(): number {
  return proxy.downloadedBytes(archive.key);
}

async function restoredDocuments(db: string): Promise<number> {
  return bulk.client.db(db).collection('recipes').countDocuments();
}

describe('reading a backup in S3', () => {
  it('restore downloads the archive once, writes from its local copy, and deletes the copy', async () => {
    const spool = await tempDir();
    const target = uniqueName('reads_restored');
    const run = await viaProxy(['restore', 'latest', '--from', dest.url, '--uri', services.mongodbUri, '--ns-from', `${bulk.db.databaseName}.*`, '--ns-to', `${target}.*`, '--spool-dir', spool]);
    expect(run.code, run.stderr).toBe(0);
    expect(await restoredDocuments(target)).toBe(DOCUMENTS);
    expect(archiveBytesRead()).toBe(archive.bytes);
    expect(await readdir(spool)).toEqual([]);
    await bulk.client.db(target).dropDatabase();
  });

  it('verify --deep downloads the archive once: the drill restores from the copy verify kept', async () => {
    const run = await viaProxy(['verify', 'latest', '--from', dest.url, '--deep', '--uri', services.mongodbUri]);
    expect(run.code, run.stderr).toBe(0);
    expect(archiveBytesRead()).toBe(archive.bytes);
  });

  it('verify downloads the archive once and keeps no copy', async () => {
    const spool = await tempDir();
    const run = await viaProxy(['verify', 'latest', '--from', dest.url, '--spool-dir', spool]);
    expect(run.code, run.stderr).toBe(0);
    expect(archiveBytesRead()).toBe(archive.bytes);
    expect(await readdir(spool)).toEqual([]);
  });

  it('a --spool-dir that does not exist is refused before anything is written, naming it', async () => {
    const missing = join(await tempDir(), 'no-such-folder');
    const target = uniqueName('reads_refused');
    const run = await viaProxy(['restore', 'latest', '--from', dest.url, '--uri', services.mongodbUri, '--ns-from', `${bulk.db.databaseName}.*`, '--ns-to', `${target}.*`, '--spool-dir', missing]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(missing);
    expect(run.stderr).toContain('--spool-dir');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(await restoredDocuments(target)).toBe(0);
  });

  it('a restore that fails after the check pass deletes its copy too', async () => {
    const spool = join(await tempDir(), 'spool');
    await mkdir(spool);
    // Nothing listens there: the check pass downloads (and copies) the backup, then the connection fails.
    const run = await viaProxy(['restore', 'latest', '--from', dest.url, '--uri', 'mongodb://127.0.0.1:9/', '--connect-timeout', '1s', '--spool-dir', spool]);
    expect(run.code).toBe(1);
    expect(archiveBytesRead()).toBe(archive.bytes);
    expect(await readdir(spool)).toEqual([]);
  });
});
