// The MongoDB server goes away mid-backup and mid-restore. The shared server
// stays up for the other tests: mongosafe talks to it through a TCP proxy of
// this test's own, which then resets every connection and refuses new ones, as
// a crashed server's host does. Each run must end in a clear line and a
// non-zero exit within a bounded time, leave no manifest behind a failed
// backup, and say exactly which namespaces a failed restore completed.
import { describe, expect, it } from 'vitest';
import { bulkDatabase } from '../../helpers/bulk-database.js';
import { runCli, type CliRun } from '../../helpers/cli.js';
import { startMongoProxy, type MongoProxy } from '../../helpers/mongo-proxy.js';
import { testServices, uniqueName } from '../../helpers/services.js';
import { allKeys, freshDestination } from '../../helpers/synthetic-backups.js';

// Two small collections and a big one, in this order in a --parallel 1 archive.
const COLLECTIONS = { a_small: 500, b_small: 500, c_big: 30_000 };
// From the server going away to the exit: the driver's 10 s server selection, twice at most, and slack.
const BOUND_MS = 60_000;
const QUIET = { NODE_NO_WARNINGS: '1' };

const services = testServices();
const bulk = bulkDatabase('srvfault', COLLECTIONS, 700);

/** Polls `condition` every 20 ms until it holds; fails after `timeoutMs`. */
async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Runs the CLI against the proxy and stops the proxy once `midway` holds; returns the run and how long it outlived the server. */
async function runAndStopServer(proxy: MongoProxy, args: string[], midway: () => boolean | Promise<boolean>): Promise<{ run: CliRun; afterStopMs: number }> {
  const running = runCli(args, QUIET, { timeoutMs: BOUND_MS * 2 });
  let finished = false;
  void running.finally(() => (finished = true));
  await waitFor('the operation to get going', async () => finished || (await midway()));
  expect(finished, 'the server was cut after the operation had ended: make the data bigger').toBe(false);
  await proxy.stop();
  const stoppedAt = Date.now();
  const run = await running;
  return { run, afterStopMs: Date.now() - stoppedAt };
}

/** One line (plus an optional hint), no stack trace, exit 1. */
function expectCleanFailure(run: CliRun, message: RegExp): void {
  expect(run.code, run.stderr).toBe(1);
  const lines = run.stderr.trim().split('\n');
  expect(lines[0]).toMatch(message);
  expect(lines.length, run.stderr).toBeLessThanOrEqual(2);
  expect(run.stderr).not.toMatch(/\n\s+at |internal error/);
}

describe.each(['local', 's3'] as const)('the server goes away mid-backup to %s storage', (kind) => {
  it('fails with one clear line within a bounded time, and leaves no manifest nor data', async () => {
    const dest = await freshDestination(kind);
    const proxy = await startMongoProxy(services.mongodbUri);
    const { run, afterStopMs } = await runAndStopServer(
      proxy,
      ['backup', '--uri', proxy.uri, '--db', bulk.db.databaseName, '--to', dest.url],
      () => proxy.bytesFromServer > 4 * 1024 * 1024,
    );
    expectCleanFailure(run, new RegExp(`^mongosafe: reading ${bulk.db.databaseName}\\.\\w+ failed after \\d+ documents`));
    expect(afterStopMs).toBeLessThan(BOUND_MS);
    console.info(`server gone mid-backup (${kind}): exit ${run.code} ${afterStopMs} ms after the cut: ${run.stderr.trim().split('\n')[0]}`);
    // Nothing at all: the archive's write was abandoned and the id's marker released.
    expect(await allKeys(dest.storage)).toEqual([]);
  });
});

describe('the server goes away mid-restore', () => {
  it('fails with one clear line within a bounded time that names the namespaces completed', async () => {
    const dest = await freshDestination('local');
    // One collection at a time: the archive holds a_small, b_small, then c_big.
    const made = await runCli(['backup', '--uri', services.mongodbUri, '--db', bulk.db.databaseName, '--to', dest.url, '--parallel', '1']);
    expect(made.code, made.stderr).toBe(0);

    const target = bulk.client.db(uniqueName('srvfault_target'));
    try {
      const proxy = await startMongoProxy(services.mongodbUri);
      const { run, afterStopMs } = await runAndStopServer(
        proxy,
        ['restore', 'latest', '--from', dest.url, '--uri', proxy.uri, '--ns-from', `${bulk.db.databaseName}.*`, '--ns-to', `${target.databaseName}.*`],
        async () => (await target.collection('c_big').estimatedDocumentCount()) >= 3000,
      );
      expectCleanFailure(run, /^mongosafe: /);
      expect(afterStopMs).toBeLessThan(BOUND_MS);
      console.info(`server gone mid-restore: exit ${run.code} ${afterStopMs} ms after the cut: ${run.stderr.trim().split('\n')[0]}`);
      // The report names every namespace once; what it calls complete is whole in the target. (One it calls
      // incomplete may be whole too, when the server applied a batch whose answer was lost: the safe side.)
      const report = /\[completed: (.*); incomplete: (.*) \(indexes not built\)\]$/m.exec(run.stderr);
      const completed = report?.[1] === 'none' ? [] : (report?.[1]?.split(', ') ?? []);
      const incomplete = report?.[2]?.split(', ') ?? [];
      const name = (collection: string) => `${target.databaseName}.${collection}`;
      expect([...completed, ...incomplete].sort(), run.stderr).toEqual(Object.keys(COLLECTIONS).map(name));
      expect(incomplete).toContain(name('c_big'));
      for (const [collection, documents] of Object.entries(COLLECTIONS)) {
        const count = await target.collection(collection).countDocuments();
        if (completed.includes(name(collection))) expect(count, collection).toBe(documents);
        else expect(count, collection).toBeLessThanOrEqual(documents);
      }
      expect(await target.collection('c_big').countDocuments()).toBeLessThan(COLLECTIONS.c_big);
    } finally {
      await target.dropDatabase();
    }
  });
});
