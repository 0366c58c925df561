import { BSON, Binary, Double, Int32, Long, MongoClient, ObjectId, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertRawBatch } from '../../src/source/write.js';
import { testServices, uniqueName } from '../helpers/services.js';

/**
 * Restore sends raw BSON through the driver's internal OP_MSG document
 * sequence (src/types/mongodb-internals.d.ts). The driver is pinned to an exact
 * version; this guards that pin: the bytes that arrive are the bytes sent.
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
