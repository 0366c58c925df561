import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BSON, Long, Timestamp, UUID, type Document } from 'bson';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBsonFile } from '../../src/archive/bson-file.js';
import { isMongosafeError, messageOf } from '../../src/errors.js';
import { replayOplog, type ReplayOptions, type ReplaySummary, type ReplayTarget } from '../../src/core/replay/replay.js';
import { updateKind } from '../../src/core/replay/update.js';
import { testServices, uniqueName } from '../helpers/services.js';
import { mongorestoreTestdata } from '../helpers/shared-testdata.js';

const services = testServices();
let client: MongoClient;
const created: string[] = [];

beforeAll(async () => {
  client = await MongoClient.connect(services.mongodbUri);
});

afterAll(async () => {
  for (const db of created) await client.db(db).dropDatabase();
  await client.close();
});

/** update.ts is another slice of issue 19: its tests run once that branch is merged. */
const updatesImplemented = (() => {
  try {
    updateKind(BSON.serialize({ _id: 1 }));
    return true;
  } catch (error) {
    return !messageOf(error).includes('not implemented');
  }
})();

/** A source database "src" replayed into a fresh target database; "src.filtered" is left out. */
function freshTarget(): { target: ReplayTarget; db: string } {
  const db = uniqueName('replay');
  created.push(db);
  return {
    db,
    target: {
      client,
      targetOf: (namespace) => {
        const [sourceDb, collection] = [namespace.slice(0, namespace.indexOf('.')), namespace.slice(namespace.indexOf('.') + 1)];
        if (sourceDb !== 'src' || collection === 'filtered') return undefined;
        return { db, collection };
      },
    },
  };
}

let second = 0;
/** An oplog entry as mongod writes it, ts strictly increasing unless given. */
function entry(fields: Document, ts?: { t: number; i: number }): Uint8Array {
  const time = ts ?? { t: 1_700_000_000 + ++second, i: 1 };
  return BSON.serialize({ op: fields.op as unknown, ns: fields.ns as unknown, ts: new Timestamp(time), t: Long.fromNumber(1), v: Long.fromNumber(2), wall: new Date(), ...fields });
}

async function* from(entries: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const bytes of entries) yield await Promise.resolve(bytes);
}

async function rawDocs(db: string, collection: string): Promise<string[]> {
  const docs = (await client.db(db).collection(collection).find({}, { raw: true, sort: { _id: 1 } }).toArray()) as unknown as Buffer[];
  return docs.map((bytes) => bytes.toString('hex'));
}

async function collections(db: string): Promise<string[]> {
  return (await client.db(db).listCollections().toArray()).map((info) => info.name).sort();
}

async function indexNames(db: string, collection: string): Promise<string[]> {
  return (await client.db(db).collection(collection).indexes()).map((index) => String(index.name)).sort();
}

/** Replays twice: the second pass must leave the state the first left (idempotence). */
async function replayTwice(entries: readonly Uint8Array[], target: ReplayTarget, state: () => Promise<unknown>, options?: ReplayOptions): Promise<ReplaySummary> {
  const summary = await replayOplog(from(entries), target, options);
  const once = await state();
  await replayOplog(from(entries), target, options);
  expect(await state(), 'state after a second replay').toEqual(once);
  return summary;
}

const lsid = { id: new UUID('cdd84f08-0bee-4fb1-ac6a-0c6a9a49fb07'), uid: new BSON.Binary(Buffer.alloc(32, 7)) };

describe('replayOplog', () => {
  it('inserts raw bytes, replaces on a second insert of an _id, deletes, and skips no-ops, filtered and internal namespaces', async () => {
    const { db, target } = freshTarget();
    const replaced = { _id: 1, x: 'second', n: new BSON.Int32(3) };
    const entries = [
      entry({ op: 'c', ns: 'src.$cmd', o: { create: 'a' } }),
      entry({ op: 'i', ns: 'src.a', o: { _id: 1, x: 'first' } }),
      entry({ op: 'i', ns: 'src.a', o: { _id: 2, x: 'gone' } }),
      entry({ op: 'n', ns: '', o: { msg: 'periodic noop' } }),
      entry({ op: 'i', ns: 'src.a', o: replaced }),
      entry({ op: 'd', ns: 'src.a', o: { _id: 2 } }),
      entry({ op: 'd', ns: 'src.a', o: { _id: 99 } }),
      entry({ op: 'i', ns: 'src.filtered', o: { _id: 1 } }),
      entry({ op: 'i', ns: 'config.transactions', o: { _id: 1 } }),
      entry({ op: 'i', ns: 'local.foo', o: { _id: 1 } }),
    ];
    const summary = await replayTwice(entries, target, () => rawDocs(db, 'a'));
    expect(await rawDocs(db, 'a')).toEqual([Buffer.from(BSON.serialize(replaced)).toString('hex')]);
    expect(await collections(db)).toEqual(['a']);
    expect(summary.applied).toEqual({ insert: 3, update: 0, delete: 2, command: 1, transaction: 0 });
    expect(summary.skipped).toEqual({ noop: 1, filtered: 3, missingDocument: 0, ignoredCommand: 0, abortedTransaction: 0 });
    expect(summary.lastApplied?.t).toBe(1_700_000_000 + second);
    expect(summary.stoppedAtLimit).toBe(false);
  });

  it('creates and drops collections, builds and drops indexes (inline spec, two-phase build)', async () => {
    const { db, target } = freshTarget();
    const uuid = new UUID();
    const entries = [
      entry({ op: 'c', ns: 'src.$cmd', o: { create: 'b', idIndex: { v: 2, key: { _id: 1 }, name: '_id_', ns: 'src.b' } } }),
      entry({ op: 'c', ns: 'src.$cmd', o: { createIndexes: 'b', v: 2, key: { f: 1 }, name: 'f_1' } }),
      entry({ op: 'c', ns: 'src.$cmd', o: { startIndexBuild: 'b', indexBuildUUID: uuid, indexes: [{ v: 2, key: { g: -1 }, name: 'g_-1' }] } }),
      entry({ op: 'c', ns: 'src.$cmd', o: { commitIndexBuild: 'b', indexBuildUUID: uuid, indexes: [{ v: 2, key: { g: -1 }, name: 'g_-1' }] } }),
      entry({ op: 'c', ns: 'src.$cmd', o: { dropIndexes: 'b', index: 'f_1' }, o2: { v: 2, key: { f: 1 }, name: 'f_1' } }),
      entry({ op: 'c', ns: 'src.$cmd', o: { dropIndexes: 'b', index: 'never_1' } }),
      entry({ op: 'c', ns: 'src.$cmd', o: { create: 'c' } }),
      entry({ op: 'i', ns: 'src.c', o: { _id: 1 } }),
      entry({ op: 'c', ns: 'src.$cmd', o: { drop: 'c' }, o2: { numRecords: 1 } }),
      entry({ op: 'c', ns: 'src.$cmd', o: { drop: 'never' } }),
      entry({ op: 'c', ns: 'src.$cmd', o: { create: 'filtered' } }),
    ];
    const state = async () => ({ collections: await collections(db), indexes: await indexNames(db, 'b') });
    const summary = await replayTwice(entries, target, state);
    expect(await state()).toEqual({ collections: ['b'], indexes: ['_id_', 'g_-1'] });
    expect(summary.applied.command).toBe(8);
    expect(summary.skipped).toMatchObject({ ignoredCommand: 1, filtered: 1 });
  });

  it('applies the inner ops of a vectored insert (multiOpType 1) and of an applyOps without a session, each at once', async () => {
    const { db, target } = freshTarget();
    const entries = [
      entry({ op: 'c', ns: 'admin.$cmd', lsid, txnNumber: Long.fromNumber(1), multiOpType: 1, prevOpTime: { ts: new Timestamp({ t: 0, i: 0 }), t: Long.fromNumber(-1) }, o: { applyOps: [
        { op: 'i', ns: 'src.v', o: { _id: 100, a: 1 }, o2: { _id: 100 }, stmtId: 0 },
        { op: 'i', ns: 'src.v', o: { _id: 200, a: 2 }, o2: { _id: 200 }, stmtId: 1 },
      ] } }),
      entry({ op: 'c', ns: 'src.$cmd', o: { applyOps: [{ op: 'd', ns: 'src.v', o: { _id: 100 } }, { op: 'i', ns: 'src.filtered', o: { _id: 1 } }] } }),
    ];
    const summary = await replayTwice(entries, target, () => rawDocs(db, 'v'));
    expect(await rawDocs(db, 'v')).toEqual([Buffer.from(BSON.serialize({ _id: 200, a: 2 })).toString('hex')]);
    expect(summary.applied).toMatchObject({ insert: 2, delete: 1, transaction: 0 });
    expect(summary.skipped.filtered).toBe(1);
  });

  it('applies a large unprepared transaction at its last entry, and drops an aborted prepared one and an unfinished one', async () => {
    const { db, target } = freshTarget();
    const txn = (txnNumber: number, o: Document, ts: { t: number; i: number }) => entry({ op: 'c', ns: 'admin.$cmd', lsid, txnNumber: Long.fromNumber(txnNumber), o }, ts);
    const insert = (id: number) => ({ op: 'i', ns: 'src.t', o: { _id: id, x: id } });
    const entries = [
      txn(1, { applyOps: [insert(0), insert(1)], partialTxn: true }, { t: 1515616500, i: 1 }),
      entry({ op: 'i', ns: 'src.t', o: { _id: 50, outside: true } }, { t: 1515616500, i: 2 }),
      txn(1, { applyOps: [insert(2), insert(3)], partialTxn: true }, { t: 1515616500, i: 3 }),
      txn(1, { applyOps: [insert(4), insert(5)], count: 6 }, { t: 1515616500, i: 4 }),
      txn(2, { applyOps: [insert(10)], prepare: true }, { t: 1515616500, i: 5 }),
      txn(2, { abortTransaction: 1 }, { t: 1515616500, i: 6 }),
      txn(3, { applyOps: [insert(20)], partialTxn: true }, { t: 1515616500, i: 7 }),
    ];
    const partial = await replayOplog(from(entries.slice(0, 3)), target);
    expect(partial.skipped.abortedTransaction, 'an open chain is dropped at the end').toBe(1);
    expect((await client.db(db).collection('t').find().toArray()).map((doc) => doc._id as unknown)).toEqual([50]);
    const summary = await replayTwice(entries, target, () => rawDocs(db, 't'));
    const ids = (await client.db(db).collection('t').find({}, { sort: { _id: 1 } }).toArray()).map((doc) => doc._id as unknown);
    expect(ids).toEqual([0, 1, 2, 3, 4, 5, 50]);
    expect(summary.applied).toMatchObject({ insert: 7, transaction: 1 });
    expect(summary.skipped.abortedTransaction).toBe(2);
  });

  it('applies a prepared transaction at its commitTransaction, not before', async () => {
    const { db, target } = freshTarget();
    const entries = [
      entry({ op: 'c', ns: 'admin.$cmd', lsid, txnNumber: Long.fromNumber(7), o: { applyOps: [{ op: 'i', ns: 'src.p', o: { _id: 1 } }], prepare: true } }),
      entry({ op: 'c', ns: 'admin.$cmd', lsid, txnNumber: Long.fromNumber(7), o: { commitTransaction: 1, commitTimestamp: new Timestamp({ t: 1_700_000_000, i: 1 }) } }),
    ];
    const atPrepare = await replayOplog(from(entries.slice(0, 1)), target);
    expect(atPrepare.skipped.abortedTransaction, 'a prepared chain left open is dropped').toBe(1);
    expect(await rawDocs(db, 'p')).toEqual([]);
    const summary = await replayTwice(entries, target, () => rawDocs(db, 'p'));
    expect(summary.applied).toMatchObject({ insert: 1, transaction: 1 });
  });

  it('stops before the first entry at or after the limit', async () => {
    const { db, target } = freshTarget();
    const entries = [1, 2, 3].map((i) => entry({ op: 'i', ns: 'src.l', o: { _id: i } }, { t: 1_600_000_000, i }));
    const summary = await replayOplog(from(entries), target, { limit: { t: 1_600_000_000, i: 3 } });
    expect(summary.stoppedAtLimit).toBe(true);
    expect(summary.lastApplied).toEqual({ t: 1_600_000_000, i: 2 });
    expect((await client.db(db).collection('l').find().toArray()).map((doc) => doc._id as unknown)).toEqual([1, 2]);
  });

  it('stops with one line naming the entry for a command it cannot replay exactly', async () => {
    const { target } = freshTarget();
    const entries = [entry({ op: 'c', ns: 'src.$cmd', o: { renameCollection: 'src.a', to: 'src.b', stayTemp: false } }, { t: 1_600_000_001, i: 4 })];
    const error: unknown = await replayOplog(from(entries), target).catch((e: unknown) => e);
    expect(isMongosafeError(error, 'USAGE')).toBe(true);
    expect(messageOf(error)).toBe('oplog entry 1600000001:4 on src.$cmd: cannot replay renameCollection exactly');
  });

  it.skipIf(!updatesImplemented)('applies replacement, delta and classic updates by o2._id, upserts only replacements (needs src/core/replay/update.ts: skipped while it throws "not implemented")', async () => {
    const { db, target } = freshTarget();
    const entries = [
      entry({ op: 'i', ns: 'src.u', o: { _id: 1, a: 1, b: { c: 1 } } }),
      entry({ op: 'u', ns: 'src.u', o2: { _id: 1 }, o: { $v: 2, diff: { u: { a: 2 }, sb: { i: { d: 4 } } } } }),
      entry({ op: 'u', ns: 'src.u', o2: { _id: 1 }, o: { $v: 1, $set: { e: 5 } } }),
      entry({ op: 'u', ns: 'src.u', o2: { _id: 2 }, o: { _id: 2, replaced: true } }),
      entry({ op: 'u', ns: 'src.u', o2: { _id: 3 }, o: { $v: 2, diff: { u: { a: 1 } } } }),
    ];
    const summary = await replayTwice(entries, target, () => rawDocs(db, 'u'));
    expect(await rawDocs(db, 'u')).toEqual([
      Buffer.from(BSON.serialize({ _id: 1, a: 2, b: { c: 1, d: 4 }, e: 5 })).toString('hex'),
      Buffer.from(BSON.serialize({ _id: 2, replaced: true })).toString('hex'),
    ]);
    expect(summary.applied.update).toBe(3);
    expect(summary.skipped.missingDocument).toBe(1);
  });
});

/** Every oplog of mongo-tools' test data: the oplog.bson files, and the oplogs/ folder (BSON, and JSON lines). */
function oplogFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/(^|\/)oplogs\//.test(relative(root, path)) || name === 'oplog.bson') found.push(path);
    }
  };
  walk(root);
  // oplogs/json/x.json is oplogs/bson/x.bson in legacy extended JSON, which js-bson does not read.
  return found.filter((path) => !(path.endsWith('.json') && found.includes(path.replace('/json/', '/bson/').replace(/\.json$/, '.bson')))).sort();
}

async function* fileEntries(path: string): AsyncGenerator<Uint8Array> {
  if (path.endsWith('.json')) {
    // oplogs/json/*.json hold one array of entries, oplogs/oplog.json one entry a line.
    const text = readFileSync(path, 'utf8').trim();
    const documents = text.startsWith('[') ? (BSON.EJSON.parse(text, { relaxed: false }) as Document[]) : text.split('\n').map((line) => BSON.EJSON.parse(line, { relaxed: false }) as Document);
    for (const document of documents) yield BSON.serialize(document);
    return;
  }
  for await (const batch of readBsonFile(path, { gzip: false })) yield* batch;
}

/** What the vectored inserts of the test data define: mongodump_test_db.coll1's _ids (from the JSON twins). */
const EXPECTED_IDS: Record<string, number[]> = {
  'oplogs/bson/vectored_insert.bson': [100, 200],
  'oplogs/bson/linked_vectored_inserts.bson': [300, 400, 500, 600, 700],
};

describe('replayOplog on the oplogs of mongo-tools test data', () => {
  const root = mongorestoreTestdata('replays of the mongorestore test data oplogs');
  it.skipIf(root === undefined)('finishes each, or stops with one line naming the entry it cannot apply', async () => {
    const outcomes: string[] = [];
    for (const path of oplogFiles(root ?? '')) {
      const prefix = uniqueName('td');
      const used = new Set<string>();
      const target: ReplayTarget = {
        client,
        targetOf: (namespace) => {
          const dot = namespace.indexOf('.');
          const db = `${prefix}_${namespace.slice(0, dot)}`.slice(0, 63);
          used.add(db);
          return { db, collection: namespace.slice(dot + 1) };
        },
      };
      const name = relative(root ?? '', path);
      try {
        const summary = await replayOplog(fileEntries(path), target);
        outcomes.push(`${name}: done ${JSON.stringify(summary.applied)} skipped ${JSON.stringify(summary.skipped)}`);
        const inserted = EXPECTED_IDS[name];
        if (inserted) {
          const docs = await client.db(`${prefix}_mongodump_test_db`.slice(0, 63)).collection('coll1').find({}, { sort: { _id: 1 } }).toArray();
          expect(docs.map((doc) => doc._id as unknown), name).toEqual(inserted);
        }
      } catch (error) {
        const line = messageOf(error);
        outcomes.push(`${name}: stopped: ${line}`);
        if (!updatesImplemented && line.includes('not implemented')) continue;
        expect(isMongosafeError(error), `${name}: ${line}`).toBe(true);
        expect(line, name).toMatch(/^oplog entry \d+:\d+ on \S+: (cannot replay \w+ exactly|the target refused \w+: )/);
        expect(line.includes('\n'), name).toBe(false);
      } finally {
        created.push(...used);
      }
    }
    console.info(`oplog replays (${services.serverKind}):\n  ${outcomes.join('\n  ')}`);
    expect(outcomes.length).toBeGreaterThan(10);
  });
});
