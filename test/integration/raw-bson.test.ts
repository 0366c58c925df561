import { BSON, Binary, Double, Int32, Long, MongoClient, ObjectId, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRawBatches } from '../../src/source/read.js';
import { insertRawBatch } from '../../src/source/write.js';
import { testServices, uniqueName } from '../helpers/services.js';

/**
 * Backup takes raw batches from the driver's cursor buffer and restore sends raw BSON through
 * the driver's OP_MSG document sequence: both driver internals (src/source/driver-internals.ts,
 * guarded on their own by driver-internals.test.ts). Here, what readers and writers built on them
 * promise: the bytes read are the bytes stored, and the bytes that arrive are the bytes sent.
 */
const services = testServices();
let client: MongoClient;
let db: Db;

beforeAll(async () => {
  client = await MongoClient.connect(services.mongodbUri);
  db = client.db(uniqueName('rawinsert'));
});

afterAll(async () => {
  await db.dropDatabase();
  await client.close();
});

describe('insertRawBatch', () => {
  it('stores the exact bytes it was given', async () => {
    const documents = [
      { _id: new Int32(1), int: new Int32(7), long: Long.fromString('9223372036854775807'), whole: new Double(1), date: new Date(-1e12) },
      { _id: new ObjectId(), bin: new Binary(Buffer.from([1, 2, 3]), 4), nested: { a: [new Int32(1), 'x', new Double(2.5)] } },
    ].map((doc) => BSON.serialize(doc));
    expect(await insertRawBatch(db, 'exact', documents, 'test.exact')).toEqual({ inserted: 2, duplicates: 0 });
    const stored = (await db.collection('exact').find({}, { raw: true }).toArray()) as unknown as Uint8Array[];
    const key = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
    expect(stored.map(key).sort()).toEqual(documents.map(key).sort());
  });

  it('counts duplicate keys and inserts the rest', async () => {
    const documents = [1, 2, 3].map((i) => BSON.serialize({ _id: new Int32(i) }));
    await insertRawBatch(db, 'dups', documents.slice(0, 2), 'test.dups');
    expect(await insertRawBatch(db, 'dups', documents, 'test.dups')).toEqual({ inserted: 1, duplicates: 2 });
  });

  it('fails with the server\'s reason for any other write error', async () => {
    // MongoDB and FerretDB both refuse an array as _id.
    const refused = BSON.serialize({ _id: [new Int32(1)] });
    await expect(insertRawBatch(db, 'refused', [refused], 'test.refused')).rejects.toMatchObject({ code: 'SOURCE', message: expect.stringMatching(/^inserting into test\.refused failed/) as unknown });
  });
});

describe('readRawBatches', () => {
  it('yields every document as its exact bytes, batch by batch, in order', async () => {
    const documents = Array.from({ length: 250 }, (_, i) =>
      BSON.serialize({ _id: new Int32(i), long: Long.fromNumber(i * 1_000_003), whole: new Double(i), text: 'x'.repeat(i), nested: { at: new Date(i) } }),
    );
    await insertRawBatch(db, 'read', documents, 'test.read');
    const batches: Uint8Array[][] = [];
    for await (const batch of readRawBatches(client, db.databaseName, 'read', { batchSize: 100 })) batches.push(batch);
    expect(batches.map((batch) => batch.length)).toEqual([100, 100, 50]);
    const key = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
    // Natural order is insertion order on both servers for a collection written once.
    expect(batches.flat().map(key).sort()).toEqual(documents.map(key).sort());
  });

  it('ends at once on an empty collection', async () => {
    await db.createCollection('empty');
    const batches: Uint8Array[][] = [];
    for await (const batch of readRawBatches(client, db.databaseName, 'empty')) batches.push(batch);
    expect(batches).toEqual([]);
  });
});
