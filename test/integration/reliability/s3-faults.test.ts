// S3 misbehaving under a backup: a fault-injecting proxy of this test's own sits
// between mongosafe (pointed at it by AWS_ENDPOINT_URL, as at any S3-compatible
// server) and moto. Transient errors, throttling, resets and slow answers must
// be retried through, each by one layer only (src/storage/retry.ts); a failure
// that persists must end the backup cleanly, with its multipart upload aborted
// and nothing visible; a download cut midway is resumed, and one cut for good is
// a read failure, never a verdict that the backup is corrupt.
import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import type { Db } from 'mongodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openStorage } from '../../../src/storage/registry.js';
import { S3_MAX_ATTEMPTS, s3ClientConfig } from '../../../src/storage/s3/s3-client.js';
import { digest } from '../../contract/bodies.js';
import { bulkDatabase } from '../../helpers/bulk-database.js';
import { runCli, type CliRun } from '../../helpers/cli.js';
import { startFaultProxy, type FaultProxy, type FaultRule, type ProxiedRequest } from '../../helpers/fault-proxy.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { allKeys, freshDestination, type TestDestination } from '../../helpers/synthetic-backups.js';

// About 12 MiB of gzip: a multipart upload of two parts.
const DOCUMENTS = 16_000;
const QUIET = { NODE_NO_WARNINGS: '1' };

const services = testServices();
const bulk = bulkDatabase('s3fault', { recipes: DOCUMENTS }, 750);
// A few kilobytes: one PutObject, whose full-object checksum the SDK checks on reading.
const small = bulkDatabase('s3fault_small', { recipes: 20 }, 100);
let s3: S3Client;
let proxy: FaultProxy;
let dest: TestDestination;

beforeAll(() => {
  s3 = new S3Client({ forcePathStyle: true });
});

afterAll(() => {
  s3.destroy();
});

beforeEach(async () => {
  proxy = await startFaultProxy(services.awsEndpoint, 7);
  dest = await freshDestination('s3');
});

afterEach(() => proxy.close());

/** The CLI with S3 reached through the fault proxy. */
function viaProxy(args: string[]): Promise<CliRun> {
  return runCli(args, { ...QUIET, AWS_ENDPOINT_URL: proxy.url });
}

function backupViaProxy(): Promise<CliRun> {
  return viaProxy(['backup', '--db', bulk.db.databaseName, '--to', dest.url]);
}

/** Faults injected so far, by kind. */
function injected(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of proxy.requests) if (request.fault) counts[request.fault] = (counts[request.fault] ?? 0) + 1;
  return counts;
}

async function multipartUploadsLeft(): Promise<number> {
  const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: dest.where }));
  return listed.Uploads?.length ?? 0;
}

// The S3 requests of a multipart upload, as the SDK sends them (path style).
const CREATE_UPLOAD = { method: 'POST', path: /\?uploads(=|&|$)/ };
const UPLOAD_PART = { method: 'PUT', path: /[?&]partNumber=/ };
const COMPLETE_UPLOAD = { method: 'POST', path: /[?&]uploadId=/ };
const slowDown = { kind: 'status', status: 503, code: 'SlowDown' } as const;
const internalError = { kind: 'status', status: 500, code: 'InternalError' } as const;

describe('transient S3 faults during a backup', () => {
  it('5xx, throttling and resets on every kind of request are retried: the backup completes and verifies', async () => {
    const rules: FaultRule[] = [
      { method: 'HEAD', path: /\/manifests\//, fault: { kind: 'status', status: 503, code: 'ServiceUnavailable' }, times: 1 },
      { method: 'PUT', path: /started\.json/, fault: { kind: 'reset' }, times: 1 },
      { ...CREATE_UPLOAD, fault: internalError, times: 1 },
      { ...UPLOAD_PART, fault: slowDown, times: 2 },
      { ...UPLOAD_PART, fault: { kind: 'reset' }, times: 2 },
      { ...COMPLETE_UPLOAD, fault: internalError, times: 1 },
      { method: 'PUT', path: /\/manifests\/.*\.json/, fault: slowDown, times: 1 },
      // And a tenth of everything else throttled, at random (seeded).
      { fault: slowDown, fraction: 0.1 },
    ];
    for (const rule of rules) proxy.inject(rule);
    const backup = await backupViaProxy();
    expect(backup.code, backup.stderr).toBe(0);
    const during = injected();
    expect(during.status).toBeGreaterThanOrEqual(6); // every rule above used up, and some random ones
    expect(during.reset).toBe(3);

    proxy.clear();
    proxy.inject({ method: 'GET', path: /backup\.archive/, fault: internalError, times: 1 });
    proxy.inject({ method: 'GET', path: /list-type=2/, fault: { kind: 'reset' }, times: 1 });
    proxy.inject({ fault: slowDown, fraction: 0.1 });
    const verify = await viaProxy(['verify', 'latest', '--from', dest.url]);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^ok /);
    console.info(`s3 transient faults: ${proxy.requests.length} requests, injected ${JSON.stringify(injected())}; backup and verify ok`);
  });

  it('slow answers (every request delayed, some parts by seconds) still complete in bounded time', async () => {
    proxy.inject({ ...UPLOAD_PART, fault: { kind: 'delay', ms: 3000 }, times: 2 });
    proxy.inject({ fault: { kind: 'delay', ms: 200 } });
    const started = Date.now();
    const backup = await backupViaProxy();
    const elapsedMs = Date.now() - started;
    expect(backup.code, backup.stderr).toBe(0);
    expect(elapsedMs).toBeLessThan(60_000);
    proxy.clear();
    expect((await viaProxy(['verify', 'latest', '--from', dest.url])).code).toBe(0);
    console.info(`s3 slow answers: backup took ${elapsedMs} ms with ${JSON.stringify(injected())}`);
  });
});

describe('a persistent S3 failure during the multipart upload', () => {
  it.each([
    ['every UploadPart answers 500', { ...UPLOAD_PART, fault: internalError }],
    ['every UploadPart connection is reset', { ...UPLOAD_PART, fault: { kind: 'reset' } }],
    ['every CompleteMultipartUpload answers 500', { ...COMPLETE_UPLOAD, fault: internalError }],
  ] as Array<[string, FaultRule]>)('%s: the backup fails cleanly, the upload is aborted, nothing is visible', async (_name, rule) => {
    proxy.inject(rule);
    const started = Date.now();
    const backup = await backupViaProxy();
    const elapsedMs = Date.now() - started;
    expect(backup.code, backup.stderr).toBe(1);
    const lines = backup.stderr.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^mongosafe: writing s3://${dest.where}/mongosafe/data/\\d{8}T\\d{6}Z(-\\d+)?/backup\\.archive\\.gz failed`));
    expect(lines.length, backup.stderr).toBeLessThanOrEqual(2);
    expect(backup.stderr).not.toMatch(/cancelling its multipart upload also failed|\n\s+at /);
    expect(await multipartUploadsLeft()).toBe(0);
    // No archive, no manifest, and the reserved id released.
    expect(await allKeys(dest.storage)).toEqual([]);
    console.info(`s3 persistent fault (${_name}): exit 1 after ${elapsedMs} ms, ${proxy.requests.length} requests, injected ${JSON.stringify(injected())}: ${lines[0]}`);
  });
});

/** The GETs of backup archives the proxy has seen from request number `from` on. */
function archiveGets(from = 0): ProxiedRequest[] {
  return proxy.requests.slice(from).filter((request) => request.method === 'GET' && /backup\.archive/.test(request.path));
}

// One retry policy per layer (src/storage/retry.ts): the SDK retries each request, nothing
// retries it again on top, so a fault costs requests of one layer only.
describe('what a fault costs in requests', () => {
  it('one transient 503 on a PUT or on a GET costs exactly one more request', async () => {
    proxy.inject({ method: 'PUT', path: /\/manifests\/[^/?]+\.json/, fault: slowDown, times: 1 });
    const backup = await viaProxy(['backup', '--db', small.db.databaseName, '--to', dest.url]);
    expect(backup.code, backup.stderr).toBe(0);
    expect(proxy.requests.filter((request) => request.method === 'PUT' && /\/manifests\/[^/?]+\.json/.test(request.path))).toHaveLength(2);

    let from = proxy.requests.length;
    expect((await viaProxy(['verify', 'latest', '--from', dest.url])).code).toBe(0);
    const clean = archiveGets(from).length;
    from = proxy.requests.length;
    proxy.inject({ method: 'GET', path: /backup\.archive/, fault: slowDown, times: 1 });
    expect((await viaProxy(['verify', 'latest', '--from', dest.url])).code).toBe(0);
    expect(archiveGets(from)).toHaveLength(clean + 1);
  });

  it(`a fault that persists costs ${S3_MAX_ATTEMPTS} requests (the SDK's tries), not that many again per layer`, async () => {
    const backup = await runCli(['backup', '--db', small.db.databaseName, '--to', dest.url], QUIET);
    expect(backup.code, backup.stderr).toBe(0);
    proxy.inject({ method: 'GET', path: /backup\.archive/, fault: internalError });
    const verify = await viaProxy(['verify', 'latest', '--from', dest.url]);
    expect(verify.code, verify.stderr).toBe(1);
    expect(verify.stderr).toMatch(/^mongosafe: reading s3:\/\/.*backup\.archive\.gz failed: InternalError/);
    expect(archiveGets()).toHaveLength(S3_MAX_ATTEMPTS);
  });
});

describe('a download cut midway', () => {
  const CUT_AT = 1024 * 1024;

  // The single-part archive carries a full-object checksum, which the SDK checks on a whole read.
  it.each([
    ['a multipart archive', () => bulk.db, CUT_AT, DOCUMENTS],
    ['a single-part archive', () => small.db, 1024, 20],
  ] as Array<[string, () => Db, number, number]>)('once, %s: resumed from the last byte by a ranged GET pinned to the ETag; verify (sha256) and restore succeed', async (_name, db, cutAt, documents) => {
    const backup = await runCli(['backup', '--db', db().databaseName, '--to', dest.url], QUIET);
    expect(backup.code, backup.stderr).toBe(0);
    proxy.inject({ method: 'GET', path: /backup\.archive/, fault: { kind: 'cut', afterBytes: cutAt }, times: 1 });
    const verify = await viaProxy(['verify', 'latest', '--from', dest.url]);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^ok /);
    const [cut, resumed, ...rest] = archiveGets();
    expect(cut).toMatchObject({ fault: 'cut', range: undefined });
    expect(resumed).toMatchObject({ range: expect.stringMatching(/^bytes=\d+-$/) as unknown, ifMatch: expect.stringMatching(/^"[^"]+"$/) as unknown });
    // From the last byte that arrived: what the proxy sent, less what the reset lost on the way.
    const resumedAt = Number(/\d+/.exec(resumed?.range ?? '')?.[0]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(cutAt);
    expect(rest).toEqual([]);

    proxy.inject({ method: 'GET', path: /backup\.archive/, fault: { kind: 'cut', afterBytes: cutAt }, times: 1 });
    const target = uniqueName('s3cut');
    const restore = await viaProxy([
      'restore', 'latest', '--uri', services.mongodbUri, '--from', dest.url,
      '--ns-from', `${db().databaseName}.*`, '--ns-to', `${target}.*`,
    ]);
    expect(restore.code, restore.stderr).toBe(0);
    expect(injected().cut).toBe(2);
    const restored = db().client.db(target);
    expect(await restored.collection('recipes').countDocuments()).toBe(documents);
    await restored.dropDatabase();
  });

  it('for good: one STORAGE error, kind network, after the bounded reads; a read failure (exit 1), never a corrupt backup', async () => {
    const backup = await runCli(['backup', '--db', bulk.db.databaseName, '--to', dest.url], QUIET);
    expect(backup.code, backup.stderr).toBe(0);
    // Cut once after a MiB, then every resumed read dies before its first byte.
    const cutForGood = (): void => {
      proxy.inject({ method: 'GET', path: /backup\.archive/, fault: { kind: 'cut', afterBytes: CUT_AT }, times: 1 });
      proxy.inject({ method: 'GET', path: /backup\.archive/, fault: { kind: 'reset-after-headers' } });
    };
    cutForGood();
    const verify = await viaProxy(['verify', 'latest', '--from', dest.url]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(1);
    const lines = verify.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^mongosafe: reading s3:\/\/.*backup\.archive\.gz failed: the download broke off at byte \d+ and 2 resumed reads from there failed too/);
    expect(lines.length, verify.stderr).toBeLessThanOrEqual(2);
    // The first read and two resumed ones (withRetry's 3 attempts), each one request.
    expect(archiveGets()).toHaveLength(3);
    expect((await allKeys(dest.storage)).filter((key) => key.includes('.verified.'))).toEqual([]);

    // The same as data, for programs.
    proxy.clear();
    cutForGood();
    const viaTheProxy = new S3Client({ ...s3ClientConfig(), endpoint: proxy.url });
    try {
      const storage = await openStorage(dest.url, { s3Client: viaTheProxy });
      const key = (await allKeys(dest.storage)).find((name) => name.includes('backup.archive'));
      if (key === undefined) throw new Error('the backup wrote no archive');
      const error = await digest(await storage.get(key)).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'STORAGE', details: { kind: 'network', key } });
    } finally {
      viaTheProxy.destroy();
    }

    proxy.clear();
    expect((await viaProxy(['verify', 'latest', '--from', dest.url])).code).toBe(0);
  });
});

describe('a download reset right after its headers', () => {
  // The archive's stream fails before its first byte: every command that reads
  // the archive must report it as one line, not die of an unhandled stream error.
  it.each([
    ['a multipart archive', () => bulk.db],
    ['a single-part archive', () => small.db],
  ] as Array<[string, () => Db]>)('%s: verify, verify --deep and restore (dry run or not) fail cleanly with exit 1', async (_name, db) => {
    const backup = await runCli(['backup', '--db', db().databaseName, '--to', dest.url], QUIET);
    expect(backup.code, backup.stderr).toBe(0);
    proxy.inject({ method: 'GET', path: /backup\.archive/, fault: { kind: 'reset-after-headers' } });
    const target = uniqueName('s3reset');
    const commands = [
      ['verify', 'latest', '--from', dest.url],
      ['verify', 'latest', '--deep', '--uri', services.mongodbUri, '--from', dest.url],
      ['restore', 'latest', '--dry-run', '--from', dest.url],
      ['restore', 'latest', '--uri', services.mongodbUri, '--from', dest.url, '--ns-from', `${db().databaseName}.*`, '--ns-to', `${target}.*`],
    ];
    for (const args of commands) {
      const run = await viaProxy(args);
      const shown = `${args.join(' ')}\n${run.stderr}`;
      expect(run.code, shown).toBe(1);
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines[0], shown).toMatch(/^mongosafe: reading s3:\/\/.*backup\.archive\.gz/);
      expect(lines.slice(1).every((line) => line.startsWith('  hint: ')) && lines.length <= 2, shown).toBe(true);
      expect(run.stderr, shown).not.toMatch(/\n\s+at |unhandled/i);
    }
    expect(injected()['reset-after-headers']).toBeGreaterThanOrEqual(commands.length);
    // inspect reads the manifest only: the reset archive is no concern of it.
    const inspect = await viaProxy(['inspect', 'latest', '--from', dest.url]);
    expect(inspect.code, inspect.stderr).toBe(0);
  });
});

describe('a manifest download reset right after its headers', () => {
  it('list, inspect, verify and restore fail cleanly with exit 1', async () => {
    const backup = await runCli(['backup', '--db', small.db.databaseName, '--to', dest.url], QUIET);
    expect(backup.code, backup.stderr).toBe(0);
    proxy.inject({ method: 'GET', path: /manifests\/[^/?]+\.json/, fault: { kind: 'reset-after-headers' } });
    const commands = [
      ['list', '--from', dest.url],
      ['inspect', 'latest', '--from', dest.url],
      ['verify', 'latest', '--from', dest.url],
      ['restore', 'latest', '--dry-run', '--from', dest.url],
    ];
    for (const args of commands) {
      const run = await viaProxy(args);
      const shown = `${args.join(' ')}\n${run.stderr}`;
      expect(run.code, shown).toBe(1);
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines[0], shown).toMatch(/^mongosafe: reading s3:\/\/.*manifests\/.*\.json/);
      expect(lines.slice(1).every((line) => line.startsWith('  hint: ')) && lines.length <= 2, shown).toBe(true);
      expect(run.stderr, shown).not.toMatch(/\n\s+at |unhandled/i);
    }
    expect(injected()['reset-after-headers']).toBeGreaterThanOrEqual(commands.length);
  });
});
