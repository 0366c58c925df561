/**
 * Every use mongosafe makes of the MongoDB driver's private members, and only here: the two
 * that the measurements pay for, on the hot paths of backup and restore. Each says what the
 * public alternative is and what it cost when measured. The driver is pinned to an exact
 * version (package.json); test/integration/driver-internals.test.ts runs each function here
 * against a real server, so an upgrade that moves one fails there, loudly. At run time a piece
 * gone missing is an INTERNAL error or a failed import, never a silently wrong read or write.
 * The raw insert wraps two driver functions for the whole process, on first use; they change
 * nothing for any message but the inserts built here (see `sendPrebuiltMessages`).
 * Nothing else in src/ may import `mongodb/lib/…` (eslint.config.js).
 */
import type { Document, FindCursor } from 'mongodb';
import { ByteUtils } from 'mongodb/lib/bson.js';
import { DocumentSequence, OpMsgRequest } from 'mongodb/lib/cmap/commands.js';
import { MongosafeError } from '../errors.js';
import { BufferPool } from '../util/buffer-pool.js';

/** An insert command ready for `db.command`, and the hand-back of the buffer its message is built in. */
export interface RawInsert {
  command: Document;
  /**
   * Call once the server has replied to the command (and only then: the socket may still be
   * sending from the buffer before). The buffer goes back to the pool for the next insert.
   * Not calling it is safe, the buffer is then left to the garbage collector.
   */
  release(): void;
}

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
 * The whole message is built once, in one pooled buffer: the documents are copied in here,
 * after room for the message header and the command document, which `OpMsgRequest.toBin`
 * (wrapped by `sendPrebuiltMessages`) writes in front of them once the driver has added its
 * fields (`$db`, `lsid`, `$clusterTime`). The driver's own path copies a batch three more
 * times, each into a fresh buffer (DocumentSequence.toBin joins the documents,
 * extractDocumentSequences joins the sections, Connection.writeCommand joins the message):
 * 16 MiB of allocations per 4 MiB batch that V8 counts as external memory and collects with
 * full garbage collections (issue 21; the figures are in the commit that made this change).
 *
 * Command monitoring (`monitorCommands: true`) still reports one raw document per document
 * inserted, the views given here, as `insertMany` does: not views into the pooled buffer,
 * which a later insert overwrites.
 */
export function rawInsertCommand(collection: string, documents: readonly Uint8Array[]): RawInsert {
  sendPrebuiltMessages();
  const sequence = new PrebuiltSequence(documents);
  return { command: { insert: collection, documents: sequence, ordered: false }, release: () => sequence.release() };
}

/** The field the documents of an insert go in (the OP_MSG section's identifier). */
const DOCUMENTS_FIELD = 'documents';
/** Bytes before the kind-1 section for the message header (16), flag bits (4), kind byte and command document. */
const HEADROOM_BYTES = 2048;
/** OP_MSG's opCode in the message header (MongoDB wire protocol). */
const OP_MSG = 2013;
const MESSAGE_HEADER_BYTES = 16;

/**
 * Send buffers of insert messages: a restore keeps a few batches of up to 4 MiB in flight
 * (src/core/restore.ts), most of about 1 MB (a thousand typical documents, or one segment of
 * large ones); replays send single documents, which the pool does not keep.
 */
const SEND_BUFFERS = new BufferPool(64 * 1024, 256 * 1024, 24 * 1024 * 1024);
/** Messages built here, which the wrapped `ByteUtils.concat` hands to the socket as they are. */
const PREBUILT_MESSAGES = new WeakSet<Uint8Array>();

/**
 * A document sequence laid out once, at the end of a pooled buffer: [headroom][kind 1, size,
 * "documents\0", documents...]. `toBin` (the driver's path, when the message cannot be built
 * in place) returns the section as a view, copying nothing.
 */
class PrebuiltSequence extends DocumentSequence {
  private buffer: Buffer | undefined;
  readonly end: number;

  constructor(documents: readonly Uint8Array[]) {
    super(DOCUMENTS_FIELD);
    // What command monitoring reports, as `push` would have recorded it.
    this.documents = [...documents];
    let documentBytes = 0;
    for (const document of documents) documentBytes += document.byteLength;
    const sectionBytes = 1 + 4 + DOCUMENTS_FIELD.length + 1 + documentBytes;
    const buffer = SEND_BUFFERS.take(HEADROOM_BYTES + sectionBytes);
    let at = HEADROOM_BYTES;
    buffer[at++] = 1;
    at = buffer.writeInt32LE(sectionBytes - 1, at);
    at += buffer.write(`${DOCUMENTS_FIELD}\0`, at, 'latin1');
    for (const document of documents) {
      buffer.set(document, at);
      at += document.byteLength;
    }
    this.buffer = buffer;
    this.end = at;
  }

  override toBin(): Uint8Array {
    return this.bytes().subarray(HEADROOM_BYTES, this.end);
  }

  /**
   * The whole OP_MSG: `prefix` (header, flags, kind-0 section) written into the headroom, in
   * front of the section; undefined when it does not fit.
   */
  message(prefix: { requestId: number; body: Uint8Array }): Uint8Array | undefined {
    const buffer = this.bytes();
    const start = HEADROOM_BYTES - (MESSAGE_HEADER_BYTES + 4 + 1 + prefix.body.byteLength);
    if (start < 0) return undefined;
    let at = buffer.writeInt32LE(this.end - start, start);
    at = buffer.writeInt32LE(prefix.requestId, at);
    at = buffer.writeInt32LE(0, at); // responseTo
    at = buffer.writeInt32LE(OP_MSG, at);
    at = buffer.writeUInt32LE(0, at); // flag bits: no checksum, a reply expected
    buffer[at++] = 0;
    buffer.set(prefix.body, at);
    const message = buffer.subarray(start, this.end);
    PREBUILT_MESSAGES.add(message);
    return message;
  }

  release(): void {
    if (this.buffer !== undefined) SEND_BUFFERS.give(this.buffer);
    this.buffer = undefined;
  }

  private bytes(): Buffer {
    if (this.buffer === undefined) throw new MongosafeError('INTERNAL', 'an insert message was sent after its buffer was given back', 'report this as a bug in mongosafe');
    return this.buffer;
  }
}

let wrapped = false;

/**
 * Makes the driver send an insert built by `rawInsertCommand` from its buffer, as it is: wraps
 * `OpMsgRequest.prototype.toBin` (which then returns the one prebuilt message instead of the
 * header, command and joined sections) and `ByteUtils.concat` (which `Connection.writeCommand`
 * and the compressor call on that list: for a prebuilt message it returns the message instead
 * of a copy). Every other message takes the driver's own path unchanged, and so does an insert
 * whose message cannot be built in place (flags the driver sets for other commands, several
 * sequences, a command document larger than the headroom): then the driver copies, as before.
 *
 * Internal: `OpMsgRequest` (its `command`, `requestId`, flag fields, `serializeBson`, `toBin`),
 * bson's `ByteUtils.concat` as the driver's writeCommand uses it (mongodb/lib/bson.js).
 * test/integration/driver-internals.test.ts checks that the socket is handed the pooled buffer.
 */
function sendPrebuiltMessages(): void {
  if (wrapped) return;
  const toBin = OpMsgRequest.prototype.toBin;
  const concat = ByteUtils.concat;
  if (typeof toBin !== 'function' || typeof concat !== 'function') {
    throw new MongosafeError('INTERNAL', 'the MongoDB driver no longer builds OP_MSG requests as mongosafe expects', 'reinstall mongosafe\'s pinned dependencies (npm ci)');
  }
  OpMsgRequest.prototype.toBin = function (this: OpMsgRequest): Uint8Array[] {
    const message = prebuiltMessage(this);
    return message === undefined ? toBin.call(this) : [message];
  };
  ByteUtils.concat = function (this: unknown, list: Uint8Array[]): Uint8Array {
    const only = list.length === 1 ? list[0] : undefined;
    return only !== undefined && PREBUILT_MESSAGES.has(only) ? only : concat.call(this, list);
  };
  wrapped = true;
}

/** The request as one message in its sequence's buffer, when it is an insert built here that fits. */
function prebuiltMessage(request: OpMsgRequest): Uint8Array | undefined {
  if (request.checksumPresent || request.moreToCome || request.exhaustAllowed) return undefined;
  let sequence: PrebuiltSequence | undefined;
  const rest: Document = {};
  for (const [key, value] of Object.entries(request.command)) {
    if (value instanceof PrebuiltSequence && sequence === undefined) sequence = value;
    else if (value instanceof DocumentSequence) return undefined;
    else rest[key] = value;
  }
  if (sequence === undefined) return undefined;
  return sequence.message({ requestId: request.requestId, body: request.serializeBson(rest) });
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
