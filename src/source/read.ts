import type { MongoClient } from 'mongodb';
import { takeBufferedBatch } from './driver-internals.js';

export interface RawReadOptions {
  signal?: AbortSignal;
  /** Documents per server batch (the caller sizes it from the average document size). */
  batchSize?: number;
}

const DEFAULT_BATCH_SIZE = 1000;

/**
 * Reads a collection as raw BSON, one server batch at a time: the driver
 * never decodes the documents, so every BSON type passes through unchanged,
 * and each batch is taken whole (src/source/driver-internals.ts).
 * Pull-based (hasNext drives getMore), so a slow consumer stalls the cursor,
 * and a server error surfaces as an exception, never as an early end.
 */
export async function* readRawBatches(client: MongoClient, db: string, collection: string, options: RawReadOptions = {}): AsyncGenerator<Uint8Array[]> {
  const cursor = client
    .db(db)
    .collection(collection)
    .find({}, { raw: true, batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE, signal: options.signal });
  try {
    while (await cursor.hasNext()) {
      const documents = takeBufferedBatch(cursor);
      if (documents.length > 0) yield documents;
    }
  } finally {
    await cursor.close();
  }
}
