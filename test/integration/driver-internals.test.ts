import { BSON, Int32, MongoClient, type CommandStartedEvent, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawInsertCommand, takeBufferedBatch } from '../../src/source/driver-internals.js';
import { insertRawBatch } from '../../src/source/write.js';
import { testServices, uniqueName } from '../helpers/services.js';

/**
 * The guard of src/source/driver-internals.ts: each function there, on the pinned driver,
 * against a real server. A driver upgrade that moves or reshapes one of the private members
 * they use fails here (or at import), not in a user's restore.
 */
const services = testServices();
let client: MongoClient;
let db: Db;
const started: CommandStartedEvent[] = [];

beforeAll(async () => {
  client = await MongoClient.connect(services.mongodbUri, { monitorCommands: true });
  client.on('commandStarted', (event) => started.push(event));
  db = client.db(uniqueName('internals'));
});

afterAll(async () => {
  await db.dropDatabase();
  await client.close();
});

/** `count` documents serialized side by side in one buffer, as views: what the archive reader yields. */
function adjacentDocuments(count: number): Uint8Array[] {
  const serialized = Array.from({ length: count }, (_, i) => BSON.serialize({ _id: new Int32(i), text: 'x'.repeat(i % 50) }));
  const joined = Buffer.concat(serialized);
  let offset = 0;
  return serialized.map((document) => {
    const view = joined.subarray(offset, offset + document.byteLength);
    offset += document.byteLength;
    return view;
  });
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('rawInsertCommand', () => {
  it('builds an insert the server takes, byte for byte', async () => {
    const documents = adjacentDocuments(5);
    const reply = await db.command(rawInsertCommand('direct', documents));
    expect(reply).toMatchObject({ ok: 1, n: 5 });
    const stored = (await db.collection('direct').find({}, { raw: true }).toArray()) as unknown as Uint8Array[];
    expect(stored.map(hex).sort()).toEqual(documents.map(hex).sort());
  });

  it('shows command monitoring one document per document inserted, even when they lie side by side', async () => {
    const documents = adjacentDocuments(250);
    await insertRawBatch(db, 'monitored', documents, `${db.databaseName}.monitored`);
    const inserts = started.filter((event) => event.commandName === 'insert' && event.command.insert === 'monitored');
    expect(inserts).toHaveLength(1);
    const seen = inserts[0]?.command.documents as Uint8Array[];
    expect(seen).toHaveLength(250);
    expect(seen.map(hex)).toEqual(documents.map(hex));
  });
});

describe('takeBufferedBatch', () => {
  it('takes each server batch once, as the stored bytes, and nothing before the first', async () => {
    const documents = adjacentDocuments(25);
    await db.collection('batches').insertMany(documents.map((bytes) => BSON.deserialize(bytes)));
    const cursor = db.collection('batches').find({}, { raw: true, batchSize: 10, sort: { _id: 1 } });
    try {
      expect(takeBufferedBatch(cursor)).toEqual([]);
      const batches: Uint8Array[][] = [];
      while (await cursor.hasNext()) {
        batches.push(takeBufferedBatch(cursor));
        expect(takeBufferedBatch(cursor)).toEqual([]);
      }
      expect(batches.map((batch) => batch.length)).toEqual([10, 10, 5]);
      expect(batches.flat().map(hex)).toEqual(documents.map(hex));
    } finally {
      await cursor.close();
    }
  });
});
