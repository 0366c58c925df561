/**
 * Every use mongosafe makes of the MongoDB driver's private members, and only here: the two
 * that the measurements pay for, on the hot paths of backup and restore. Each says what the
 * public alternative is and what it cost when measured. The driver is pinned to an exact
 * version (package.json); test/integration/driver-internals.test.ts runs each function here
 * against a real server, so an upgrade that moves one fails there, loudly. At run time a piece
 * gone missing is an INTERNAL error or a failed import, never a silently wrong read or write.
 * Nothing else in src/ may import `mongodb/lib/…` (eslint.config.js).
 */
import type { Document, FindCursor } from 'mongodb';
import { DocumentSequence } from 'mongodb/lib/cmap/commands.js';
import { MongosafeError } from '../errors.js';

/**
 * An `insert` command whose documents go to the server as the bytes given, in an OP_MSG kind-1
 * section (a document sequence, what mongorestore's Go driver sends), unordered.
 *
 * Internal: `DocumentSequence` (mongodb/lib/cmap/commands.js, typed in
 * src/types/mongodb-internals.d.ts). Public alternative: `insertMany` of documents decoded with
 * `BSON.deserialize`, which the driver encodes again: restore of 200k × 1 KB took 5.3 instead of
 * 3.5 CPU-seconds and 187 instead of 131 MB peak RSS (commit 23f562e), and the round trip loses
 * what js-bson cannot write back (undefined, DBPointer, duplicate field names).
 *
 * One sequence entry per document, as `insertMany` builds it: command monitoring
 * (`monitorCommands: true`) reports the entries as the command's `documents`, so a monitor sees
 * one raw document per document inserted. Pushing runs of adjacent documents instead (one entry
 * per run) spares the driver joining a thousand pieces per batch: 0.06 to 0.08 ms per 1000 × 1 KB
 * batch in a micro-benchmark, under 1% of a restore's client CPU; restore of 40k × 1 KB took
 * 0.79 CPU-seconds with one entry per document against 0.82 with runs (median of 5, FerretDB),
 * within the noise. Not worth a wrong count.
 */
export function rawInsertCommand(collection: string, documents: readonly Uint8Array[]): Document {
  const sequence = new DocumentSequence('documents');
  for (const document of documents) sequence.push(document, document);
  return { insert: collection, documents: sequence, ordered: false };
}

/**
 * The documents of the cursor's buffered server batch not yet taken, as views into the
 * server's reply, taken whole; empty before the first batch arrives. Meant for a `raw: true`
 * cursor, after `hasNext()` has filled the buffer.
 *
 * Internal: the cursor's `documents` (a `CursorResponse`): its `batch` (the reply's batch
 * array: `bson` and the element table the driver builds anyway to count the batch) and
 * `iterated`. Public alternative: `readBufferedDocuments()`, which wraps each document in a
 * parsed on-demand object only to hand back its bytes: 0.3 of the 1.73 client CPU-seconds of a
 * 50k × 1 KB backup, and most of its garbage per document (commit 0c06b6a).
 */
export function takeBufferedBatch(cursor: FindCursor): Uint8Array[] {
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
