import type { FindCursor, MongoClient } from 'mongodb';
import { MongosafeError } from '../errors.js';

export interface RawReadOptions {
  signal?: AbortSignal;
  /** Documents per server batch (the caller sizes it from the average document size). */
  batchSize?: number;
}

const DEFAULT_BATCH_SIZE = 1000;

/**
 * Reads a collection as raw BSON, one server batch at a time: the driver
 * never decodes the documents, so every BSON type passes through unchanged.
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

/**
 * The driver's buffered batch as views into its reply, taken whole. The public way,
 * `readBufferedDocuments()`, wraps every document in a parsed on-demand object only to
 * return its bytes: a third of the client's per-document work and most of its garbage. The
 * batch's element table, which the driver has already built to count the batch, gives each
 * document's place. Driver internals (pinned version; test/integration/raw-bson.test.ts
 * guards them), so a missing piece is an INTERNAL error, never a silent wrong read.
 */
function takeBufferedBatch(cursor: FindCursor): Uint8Array[] {
  const response = (cursor as unknown as { documents: BufferedResponse | null }).documents;
  if (response === null) return [];
  const batch = response.batch;
  if (!(batch?.bson instanceof Uint8Array) || !Array.isArray(batch.elements) || typeof response.iterated !== 'number') {
    throw new MongosafeError('INTERNAL', 'the MongoDB driver no longer buffers cursor batches as mongosafe expects', 'reinstall mongosafe\'s pinned dependencies (npm ci)');
  }
  const { bson, elements } = batch;
  const documents: Uint8Array[] = [];
  for (let i = response.iterated; i < elements.length; i++) {
    const element = elements[i];
    if (element === undefined) continue;
    const offset = element[ELEMENT_OFFSET];
    documents.push(bson.subarray(offset, offset + element[ELEMENT_LENGTH]));
  }
  response.iterated = elements.length;
  return documents;
}

/** The driver's CursorResponse, as far as it is read here: `batch` is the reply's batch array. */
interface BufferedResponse {
  iterated: number;
  readonly batch: { bson: Uint8Array; elements: Array<[number, number, number, number, number]> } | null;
}
/** Positions in an element of the driver's table: [type, name offset, name length, value offset, value length]. */
const ELEMENT_OFFSET = 3;
const ELEMENT_LENGTH = 4;
