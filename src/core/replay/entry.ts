import { BSON, Timestamp, type Document } from 'bson';
import { MongosafeError, messageOf } from '../../errors.js';
import { BSON_TYPE } from './bson-tree.js';

/** An oplog timestamp: seconds (`t`, the high half) and ordinal within the second (`i`, the low half). */
export interface OplogTime {
  t: number;
  i: number;
}

/**
 * The fields of one oplog entry replay reads (research/oplog-replay.md §1). Payloads stay raw
 * BSON: an insert's `o` goes to the server as the bytes the source wrote, and js-bson objects
 * would reorder integer-like keys of an update's document.
 */
export interface OplogEntry {
  op: string;
  ns: string;
  ts: OplogTime;
  o: Uint8Array;
  o2?: Uint8Array;
  /** The session of a transaction or retryable write, raw: the grouping key compares bytes. */
  lsid?: Uint8Array;
  txnNumber?: bigint;
  /** 1: an `applyOps` whose inner ops are ordinary writes batched together, never a transaction. */
  multiOpType?: number;
  /** Legacy upsert flag of updates taken from an `applyOps`. */
  upsert: boolean;
}

/**
 * Reads an oplog entry. Inner ops of an `applyOps` carry no `ts`: `containerTs` is the one of
 * the entry holding them (mongo-tools does the same).
 */
export function readEntry(bytes: Uint8Array, containerTs?: OplogTime): OplogEntry {
  let op: string | undefined;
  let ns: string | undefined;
  let ts = containerTs;
  let o: Uint8Array | undefined;
  const entry: Partial<OplogEntry> = {};
  try {
    for (const [name, value, type] of rawElements(bytes)) {
      switch (name) {
        case 'op':
          op = String(decodeValue(value));
          break;
        case 'ns':
          ns = String(decodeValue(value));
          break;
        case 'ts': {
          const decoded = decodeValue(value);
          if (decoded instanceof Timestamp) ts = { t: decoded.high >>> 0, i: decoded.low >>> 0 };
          break;
        }
        case 'o':
          if (type === BSON_TYPE.DOCUMENT) o = documentBytes(value);
          break;
        case 'o2':
          if (type === BSON_TYPE.DOCUMENT) entry.o2 = documentBytes(value);
          break;
        case 'lsid':
          if (type === BSON_TYPE.DOCUMENT) entry.lsid = documentBytes(value);
          break;
        case 'txnNumber': {
          const decoded = decodeValue(value);
          if (typeof decoded === 'bigint' || typeof decoded === 'number') entry.txnNumber = BigInt(decoded);
          break;
        }
        case 'multiOpType':
          entry.multiOpType = Number(decodeValue(value));
          break;
        case 'b':
          entry.upsert = decodeValue(value) === true;
          break;
      }
    }
  } catch (error) {
    throw new MongosafeError('CORRUPT', `an oplog entry is not valid BSON: ${messageOf(error)}`, 'the oplog file is damaged; take a new dump', { cause: error, details: { kind: 'invalid' } });
  }
  if (op === undefined || ns === undefined || ts === undefined || o === undefined) {
    const missing = [op === undefined && 'op', ns === undefined && 'ns', ts === undefined && 'ts', o === undefined && 'o'].filter(Boolean).join(', ');
    throw new MongosafeError('CORRUPT', `an oplog entry${ts ? ` at ${ts.t}:${ts.i}` : ''} lacks ${missing}`, 'the oplog file is damaged or not an oplog', { details: { kind: 'invalid' } });
  }
  return { op, ns, ts, o, upsert: false, ...entry };
}

/** One element of a document: its name, a one-element document holding it, and its BSON type. */
type RawElement = [name: string, single: Uint8Array, type: number];

/**
 * The elements of a document in order, each as a one-element document, so single values can be
 * decoded (or sent back in a filter) without decoding or reordering the rest.
 */
function* rawElements(bytes: Uint8Array): Generator<RawElement> {
  for (const [type, nameOffset, nameLength, offset, length] of BSON.onDemand.parseToElements(bytes)) {
    const name = Buffer.from(bytes.buffer, bytes.byteOffset + nameOffset, nameLength).toString('utf8');
    const single = new Uint8Array(4 + 1 + nameLength + 1 + length + 1);
    new DataView(single.buffer).setInt32(0, single.length, true);
    single[4] = type;
    single.set(bytes.subarray(nameOffset, nameOffset + nameLength + 1), 5);
    single.set(bytes.subarray(offset, offset + length), 5 + nameLength + 1);
    yield [name, single, type];
  }
}

/** The value of a one-element document (an int64 as a bigint). */
function decodeValue(single: Uint8Array): unknown {
  return Object.values(BSON.deserialize(single, { useBigInt64: true }))[0];
}

/** The embedded document (or array) of a one-element document, as its own raw document. */
function documentBytes(single: Uint8Array): Uint8Array {
  const nameEnd = single.indexOf(0, 5);
  return single.subarray(nameEnd + 1, single.length - 1);
}

/** The first element of a command's `o`: the command name and its argument (usually the collection). */
export function commandOf(o: Uint8Array): { name: string; argument: unknown; command: Document } {
  const command = BSON.deserialize(o, { promoteLongs: false, promoteValues: false });
  const name = Object.keys(command)[0] ?? '';
  return { name, argument: command[name], command };
}

/** The top-level field `name` of a raw document (the first, if repeated) as a one-element document, and its type. */
function rawField(bytes: Uint8Array, name: string): { single: Uint8Array; type: number } | undefined {
  for (const [field, single, type] of rawElements(bytes)) {
    if (field === name) return { single, type };
  }
  return undefined;
}

/** The inner ops of an `applyOps` command's `o`, raw, in order. */
export function innerOps(o: Uint8Array): Uint8Array[] {
  const ops = rawField(o, 'applyOps');
  if (ops?.type === BSON_TYPE.ARRAY) return [...rawElements(documentBytes(ops.single))].map(([, item]) => documentBytes(item));
  throw new MongosafeError('CORRUPT', 'an applyOps oplog entry holds no array of operations', 'the oplog file is damaged', { details: { kind: 'invalid' } });
}

/** Whether the raw document has a top-level field `name` that is `true`. */
export function hasTrueField(bytes: Uint8Array, name: string): boolean {
  const field = rawField(bytes, name);
  return field !== undefined && decodeValue(field.single) === true;
}

/**
 * The `_id` of a raw document as a filter `{ _id: value }`, decoded without promotion so its
 * BSON type is the one sent back; undefined when there is none.
 */
export function idFilter(bytes: Uint8Array): Document | undefined {
  const id = rawField(bytes, '_id');
  return id && BSON.deserialize(id.single, { promoteValues: false, promoteLongs: false, useBigInt64: false });
}

/** `{ _id: … }` alone, raw, taken from a document key: what an upsert starts from. */
export function idDocument(bytes: Uint8Array): Uint8Array | undefined {
  return rawField(bytes, '_id')?.single;
}

export function formatTime(ts: OplogTime): string {
  return `${ts.t}:${ts.i}`;
}

/** a < b on the oplog's order. */
export function isBefore(a: OplogTime, b: OplogTime): boolean {
  return a.t < b.t || (a.t === b.t && a.i < b.i);
}
