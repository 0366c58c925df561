// `mongosafe job`, the Lambda's scheduled job as a container runs it, through the built CLI
// against the test server: set up by the environment alone, JSON lines and one metrics line on
// stdout, the exit code for the scheduler, SIGTERM stopping it cleanly.
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { list } from '../../src/core/list.js';
import { openStorage } from '../../src/storage/registry.js';
import { runCli, startCli } from '../helpers/cli.js';
import { testServices, uniqueName } from '../helpers/services.js';
import { tempDir } from '../helpers/temp-dir.js';

const services = testServices();
const dbName = uniqueName('job');
let mongo: MongoClient;

beforeAll(async () => {
  mongo = await MongoClient.connect(services.mongodbUri);
  await mongo.db(dbName).collection<{ _id: number; title: string }>('recipes').insertMany(Array.from({ length: 40 }, (_, i) => ({ _id: i, title: `recipe ${i}` })));
});

afterAll(async () => {
  await mongo.db(dbName).dropDatabase();
  await mongo.close();
});

interface JobOutput {
  logs: Array<{ level: string; message: string; [field: string]: unknown }>;
  metrics: Array<Record<string, unknown>>;
}

/** The job's stdout: JSON log lines, and the EMF line (the one with `_aws`). */
function parse(stdout: string): JobOutput {
  const lines = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    logs: lines.filter((line) => !('_aws' in line)) as JobOutput['logs'],
    metrics: lines.filter((line) => '_aws' in line),
  };
}

// Only the job's own variables: no MONGOSAFE_* of the CLI, whatever the test environment holds.
function jobEnv(destination: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { MONGODB_URI: services.mongodbUri, DESTINATION: destination, DATABASES: dbName, JOB_NAME: 'recipes-nightly', MONGODB_URI_SECRET: undefined, ...extra };
}

describe('mongosafe job', () => {
  it('backs up to a folder, verifies and prunes; a second start of the same scheduled run reuses its backup', async () => {
    const dir = await tempDir('job-');
    const env = jobEnv(dir, { KEEP_LAST: '1', SCHEDULED_TIME: '2026-12-06T03:00:00Z' });
    const first = await runCli(['job'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const { logs, metrics } = parse(first.stdout);
    const complete = logs.find((line) => line.message === 'run complete');
    expect(complete).toMatchObject({ action: 'backup', reused: false, documents: 40, verified: 'full', pruned: { kept: 1, deleted: 0 }, scheduledTime: '2026-12-06T03:00:00.000Z' });
    expect(metrics).toHaveLength(1);
    expect(metrics[0]).toMatchObject({ FunctionName: 'recipes-nightly', BackupSucceeded: 1, BackupDocuments: 40 });

    const again = parse((await runCli(['job'], env)).stdout);
    expect(again.logs.find((line) => line.message === 'run complete')).toMatchObject({ reused: true, id: complete?.id });
    const { backups } = await list({ storage: await openStorage(dir) });
    expect(backups.map((b) => b.id)).toEqual([complete?.id]);

    const drill = await runCli(['job', 'verify', '--deep'], env);
    expect(drill.code).toBe(0);
    expect(parse(drill.stdout).logs.find((line) => line.message === 'run complete')).toMatchObject({ action: 'verify', deep: true, documents: 40 });
  });

  it('fails with a non-zero exit code, a JSON error line and BackupSucceeded 0 when the server is unreachable', async () => {
    const dir = await tempDir('job-');
    const run = await runCli(['job'], jobEnv(dir, { MONGODB_URI: 'mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500' }));
    expect(run.code).not.toBe(0);
    const { logs, metrics } = parse(run.stdout);
    expect(logs.at(-1)).toMatchObject({ level: 'error', action: 'backup' });
    expect(metrics[0]).toMatchObject({ FunctionName: 'recipes-nightly', BackupSucceeded: 0 });
    expect(run.stderr).toMatch(/^mongosafe: /);
  });

  it.each([
    [['job', 'restore'], {}, 2, /unknown job "restore"/],
    [['job', '--deep'], {}, 2, /--deep goes with the verify job/],
    [['job'], { MONGODB_URI_SECRET: 'moms-recipe-secrets' }, 2, /both MONGODB_URI and MONGODB_URI_SECRET are set/],
    [['job'], { SCHEDULED_TIME: 'tonight' }, 2, /SCHEDULED_TIME is not an ISO 8601 time/],
  ])('refuses %j (%j) with exit code %i, naming the mistake', async (args, extra, code, message) => {
    const run = await runCli(args, jobEnv(await tempDir('job-'), extra));
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toContain('    at ');
  });

  it('stops cleanly on SIGTERM (a task being stopped): exit 130, ABORTED, no backup committed', async () => {
    // A server that accepts and never answers: the job is surely still running when the signal comes.
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => void sockets.push(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const { port } = silent.address() as AddressInfo;
    const dir = await tempDir('job-');
    try {
      const { child, finished } = startCli(['job'], jobEnv(dir, { MONGODB_URI: `mongodb://127.0.0.1:${port}/` }));
      let seen = '';
      await new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          if (seen.includes('"run started"')) resolve();
        });
      });
      const signalled = Date.now();
      child.kill('SIGTERM');
      const { code, stdout, stderr } = await finished;
      expect(code).toBe(130);
      // Gone well within a platform's grace period (30 s on ECS and Kubernetes), not after the
      // 10 s that server selection would otherwise wait.
      expect(Date.now() - signalled).toBeLessThan(8_000);
      expect(stderr).toContain('SIGTERM received, stopping cleanly');
      const { logs, metrics } = parse(stdout);
      expect(logs.at(-1)).toMatchObject({ level: 'error', code: 'ABORTED' });
      expect(metrics[0]).toMatchObject({ BackupSucceeded: 0 });
      expect((await list({ storage: await openStorage(dir) })).backups).toEqual([]);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
