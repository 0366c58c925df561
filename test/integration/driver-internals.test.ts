import { Socket } from 'node:net';
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

/**
 * `count` documents serialized side by side in one buffer, as views: what the archive reader
 * yields. Their `_id`s count from `first`; their text is `textBytes` long, or 0 to 49 bytes.
 */
function adjacentDocuments(count: number, { first = 0, textBytes }: { first?: number; textBytes?: number } = {}): Uint8Array[] {
  const serialized = Array.from({ length: count }, (_, i) => BSON.serialize({ _id: new Int32(first + i), text: 'x'.repeat(textBytes ?? i % 50) }));
  const joined = Buffer.concat(serialized);
  let offset = 0;
  return serialized.map((document) => {
    const view = joined.subarray(offset, offset + document.byteLength);
    offset += document.byteLength;
    return view;
  });
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Stored documents of a collection, as hex, sorted. */
async function storedHex(collection: string): Promise<string[]> {
  const stored = (await db.collection(collection).find({}, { raw: true }).toArray()) as unknown as Uint8Array[];
  return stored.map(hex).sort();
}

/** A write the driver handed a socket: the buffer itself, and its bytes at the time. */
interface SocketWrite {
  chunk: Uint8Array;
  bytes: Buffer;
}

/** Every buffer written to a socket while `run` runs (observed on net.Socket, passed on unchanged). */
async function socketWrites(run: () => Promise<unknown>): Promise<SocketWrite[]> {
  const writes: SocketWrite[] = [];
  const write = Object.getOwnPropertyDescriptor(Socket.prototype, 'write');
  const inherited = Reflect.get(Socket.prototype, 'write') as (...args: unknown[]) => boolean;
  Socket.prototype.write = function (this: Socket, chunk: unknown, ...rest: unknown[]): boolean {
    if (chunk instanceof Uint8Array) writes.push({ chunk, bytes: Buffer.from(chunk) });
    return inherited.call(this, chunk, ...rest);
  };
  try {
    await run();
  } finally {
    if (write) Object.defineProperty(Socket.prototype, 'write', write);
    else delete (Socket.prototype as Partial<Socket>).write;
  }
  return writes;
}

/** The insert messages among the writes: those that carry at least `bytes`. */
const messagesOver = (writes: SocketWrite[], bytes: number): SocketWrite[] => writes.filter((write) => write.chunk.byteLength >= bytes);
const joined = (documents: Uint8Array[]): Buffer => Buffer.concat(documents);

/** About 1.2 MB of documents, over the size the send buffers are pooled from. */
const LARGE_BATCH = { count: 300, textBytes: 4000 };

describe('rawInsertCommand', () => {
  it('builds an insert the server takes, byte for byte', async () => {
    const documents = adjacentDocuments(5);
    const insert = rawInsertCommand('direct', documents);
    const reply = await db.command(insert.command);
    insert.release();
    expect(reply).toMatchObject({ ok: 1, n: 5 });
    expect(await storedHex('direct')).toEqual(documents.map(hex).sort());
  });

  it('hands the socket each insert as one message built once, in a buffer reused after the reply', async () => {
    const first = adjacentDocuments(LARGE_BATCH.count, { textBytes: LARGE_BATCH.textBytes });
    const second = adjacentDocuments(LARGE_BATCH.count, { first: LARGE_BATCH.count, textBytes: LARGE_BATCH.textBytes });
    const bytes = joined(first).byteLength;
    const [sent] = messagesOver(await socketWrites(() => insertRawBatch(db, 'pooled', first, 'pooled')), bytes);
    const [sentAgain] = messagesOver(await socketWrites(() => insertRawBatch(db, 'pooled', second, 'pooled')), bytes);
    // Each insert reaches the socket as one write that ends with the batch as given...
    expect(sent?.bytes.subarray(-bytes).equals(joined(first))).toBe(true);
    expect(sentAgain?.bytes.subarray(-joined(second).byteLength).equals(joined(second))).toBe(true);
    // ...and it is the pooled buffer itself, not a copy of it: the second insert reuses the first's.
    expect(sentAgain?.chunk.buffer).toBe(sent?.chunk.buffer);
    expect(await storedHex('pooled')).toEqual([...first, ...second].map(hex).sort());
  });

  it("takes the driver's own path, byte for byte, when the command document does not fit in front of the documents", async () => {
    const documents = adjacentDocuments(LARGE_BATCH.count, { textBytes: LARGE_BATCH.textBytes });
    const insert = rawInsertCommand('fallback', documents);
    // A comment larger than the room the message keeps for the command document.
    insert.command.comment = 'c'.repeat(8192);
    const reply = await db.command(insert.command);
    insert.release();
    expect(reply).toMatchObject({ ok: 1, n: documents.length });
    expect(await storedHex('fallback')).toEqual(documents.map(hex).sort());
  });

  it('gives inserts in flight at once buffers of their own', async () => {
    const batches = [0, 1, 2].map((b) => adjacentDocuments(LARGE_BATCH.count, { first: b * LARGE_BATCH.count, textBytes: LARGE_BATCH.textBytes }));
    const bytes = joined(batches[0] ?? []).byteLength;
    const sent = messagesOver(await socketWrites(() => Promise.all(batches.map((batch) => insertRawBatch(db, 'concurrent', batch, 'concurrent')))), bytes);
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((write) => write.chunk.buffer)).size).toBe(3);
    expect(await storedHex('concurrent')).toEqual(batches.flat().map(hex).sort());
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
