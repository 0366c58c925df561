// The storage contract: every backend and decorator runs this suite
// (restic's internal/backend/test/tests.go, in vitest).
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { isMongosafeError, type ErrorCode } from '../../src/errors.js';
import type { ObjectInfo, Storage } from '../../src/storage/storage.js';
import { bytesBody, digest, failingBody, patternBody, readAll, stallingBody } from './bodies.js';

export interface ContractOptions {
  /** Strings that must never appear in `displayUrl` (the backend's credentials). */
  secrets?: () => string[];
}

const MiB = 1024 * 1024;

/** Asserts that `promise` rejects with a MongosafeError of `code`; returns it. */
export async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(isMongosafeError(error) ? error.code : error).toBe(code);
  return error as Error;
}

async function listed(storage: Storage, prefix: string): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const info of storage.list(prefix)) out.push(info);
  return out;
}

export function describeStorageContract(name: string, open: () => Promise<Storage>, options: ContractOptions = {}): void {
  describe(`storage contract: ${name}`, () => {
    let storage: Storage;
    let counter = 0;
    /** A key prefix of this test's own. */
    const area = (): string => `t${++counter}-${randomBytes(3).toString('hex')}/`;
    const seed = (key: string, data: string | Uint8Array) => storage.put(key, bytesBody(data), { ifAbsent: true });
    const text = async (key: string) => (await readAll(await storage.get(key))).toString();

    beforeAll(async () => {
      storage = await open();
    });

    it('reads back what was written, with its size and time', async () => {
      const key = `${area()}manifests/one.json`;
      const before = Date.now();
      const result = await storage.put(key, bytesBody('{"a":1}\n'), { ifAbsent: true, contentType: 'application/json' });
      expect(result.bytes).toBe(8);
      expect(await text(key)).toBe('{"a":1}\n');
      const info = await storage.head(key);
      expect(info?.key).toBe(key);
      expect(info?.bytes).toBe(8);
      // File systems and S3 keep whole seconds at worst.
      expect(info?.lastModified.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
      expect(await storage.exists()).toBe(true);
    });

    it('never overwrites: a second put is ALREADY_EXISTS and the content stays', async () => {
      const key = `${area()}data/backup.archive.gz`;
      await seed(key, 'first');
      const error = await expectCode(storage.put(key, bytesBody('second, longer'), { ifAbsent: true }), 'ALREADY_EXISTS');
      expect(isMongosafeError(error) && error.details).toEqual({ key });
      expect(await text(key)).toBe('first');
    });

    it('two concurrent puts of one key: exactly one wins, whole', async () => {
      const key = `${area()}race`;
      const bodies = ['a'.repeat(100_000), 'b'.repeat(100_001)];
      const results = await Promise.allSettled(bodies.map((body) => storage.put(key, bytesBody(body), { ifAbsent: true })));
      const winners = results.flatMap((result, index) => (result.status === 'fulfilled' ? [index] : []));
      expect(winners).toHaveLength(1);
      const loser = results.find((result) => result.status === 'rejected');
      expect(isMongosafeError(loser?.reason, 'ALREADY_EXISTS')).toBe(true);
      expect(await text(key)).toBe(bodies[winners[0] ?? -1]);
    });

    it('streams a multi-MiB body in and out with backpressure', async () => {
      const key = `${area()}data/big.archive.gz`;
      const total = 12 * MiB + 12_345; // more than one S3 part, not a whole number of chunks
      const source = patternBody(total);
      const result = await storage.put(key, source.body, { ifAbsent: true, expectedBytes: total });
      expect(result.bytes).toBe(total);
      expect(source.produced()).toBe(total);
      expect((await storage.head(key))?.bytes).toBe(total);
      expect(await digest(await storage.get(key))).toEqual({ sha256: source.sha256(), bytes: total });
    });

    it('an empty body is an empty object', async () => {
      const key = `${area()}empty`;
      expect((await storage.put(key, bytesBody(''), { ifAbsent: true })).bytes).toBe(0);
      expect((await storage.head(key))?.bytes).toBe(0);
      expect((await readAll(await storage.get(key))).length).toBe(0);
    });

    it('a missing key: get is NOT_FOUND, head is undefined, delete is fine', async () => {
      const key = `${area()}missing/nothing.json`;
      const error = await expectCode(storage.get(key), 'NOT_FOUND');
      // The same details from every backend: the key as given, and why.
      expect(isMongosafeError(error) && error.details).toEqual({ key, kind: 'not-found' });
      expect(await storage.head(key)).toBeUndefined();
      await storage.delete(key);
      // A key below a file is just as missing.
      const file = `${area()}file`;
      await seed(file, 'x');
      expect(await storage.head(`${file}/below`)).toBeUndefined();
      await expectCode(storage.get(`${file}/below`), 'NOT_FOUND');
    });

    it('delete removes the object', async () => {
      const prefix = area();
      await seed(`${prefix}manifests/a.json`, 'a');
      await seed(`${prefix}manifests/b.json`, 'b');
      await storage.delete(`${prefix}manifests/a.json`);
      expect(await storage.head(`${prefix}manifests/a.json`)).toBeUndefined();
      expect((await listed(storage, prefix)).map((info) => info.key)).toEqual([`${prefix}manifests/b.json`]);
    });

    it('lists in key order, by string prefix, with sizes', async () => {
      const prefix = area();
      const keys = ['manifests/2.json', 'data/x/backup.archive.gz', 'manifests-old/1.json', 'manifests/1.json', 'm', 'data/x-y/z'];
      for (const key of keys) await seed(prefix + key, key);
      const all = await listed(storage, prefix);
      expect(all.map((info) => info.key)).toEqual(
        ['data/x-y/z', 'data/x/backup.archive.gz', 'm', 'manifests-old/1.json', 'manifests/1.json', 'manifests/2.json'].map((key) => prefix + key),
      );
      expect(all.map((info) => info.bytes)).toEqual([10, 24, 1, 20, 16, 16]);
      expect((await listed(storage, `${prefix}manifests/`)).map((info) => info.key)).toEqual([`${prefix}manifests/1.json`, `${prefix}manifests/2.json`]);
      expect((await listed(storage, `${prefix}manifests`)).length).toBe(3);
      expect(await listed(storage, `${prefix}nothing/`)).toEqual([]);
    });

    it('an aborted put fails ABORTED and leaves nothing, not even in list', async () => {
      const prefix = area();
      const key = `${prefix}data/aborted.archive.gz`;
      const { body, stalled } = stallingBody(3 * MiB);
      const controller = new AbortController();
      const put = storage.put(key, body, { ifAbsent: true, signal: controller.signal });
      await stalled;
      controller.abort(new Error('user pressed Ctrl-C'));
      await expectCode(put, 'ABORTED');
      expect(body.destroyed).toBe(true);
      expect(await storage.head(key)).toBeUndefined();
      expect(await listed(storage, prefix)).toEqual([]);
      await expectCode(storage.get(key), 'NOT_FOUND');
    });

    it('a put whose body fails leaves nothing and rethrows the body error', async () => {
      const prefix = area();
      const key = `${prefix}data/failed.archive.gz`;
      const failure = new Error('cursor died');
      await expect(storage.put(key, failingBody(2 * MiB, failure), { ifAbsent: true })).rejects.toBe(failure);
      expect(await storage.head(key)).toBeUndefined();
      expect(await listed(storage, prefix)).toEqual([]);
    });

    it('an aborted get ends its stream with ABORTED', async () => {
      const key = `${area()}data/read.archive.gz`;
      await storage.put(key, patternBody(2 * MiB).body, { ifAbsent: true });
      const controller = new AbortController();
      const stream = await storage.get(key, { signal: controller.signal });
      const reading = (async () => {
        for await (const chunk of stream) if (chunk) controller.abort();
      })();
      await expectCode(reading, 'ABORTED');
    });

    it('getFrom, where offered: reads from an offset of the version named, never of another', async () => {
      if (!storage.getFrom) return; // a backend that cannot pin versions; its downloads are not resumed
      const key = `${area()}data/ranged`;
      await seed(key, 'first version');
      const whole = await storage.getFrom(key, { start: 0 });
      expect((await readAll(whole.body)).toString()).toBe('first version');
      expect(whole.version).toEqual(expect.any(String));
      const rest = await storage.getFrom(key, { start: 6, version: whole.version });
      expect((await readAll(rest.body)).toString()).toBe('version');
      expect(rest.version).toBe(whole.version);
      await storage.delete(key);
      await seed(key, 'second version');
      await expectCode(storage.getFrom(key, { start: 6, version: whole.version }), 'STORAGE');
    });

    it('refuses keys that could escape the destination', async () => {
      for (const key of ['../outside', '/absolute', 'a//b', 'a/./b', '', 'back\\slash', 'x/.y.partial-abc123']) {
        await expectCode(storage.put(key, bytesBody('x'), { ifAbsent: true }), 'USAGE');
        await expectCode(storage.get(key), 'USAGE');
      }
      await expectCode(listed(storage, '../'), 'USAGE');
    });

    it('displayUrl is a URL without credentials', () => {
      expect(storage.displayUrl).toMatch(/^(file|s3):\/\/[^@\s]*$/);
      for (const secret of options.secrets?.() ?? []) expect(storage.displayUrl).not.toContain(secret);
    });
  });
}
