import { MongosafeError } from '../../errors.js';

/**
 * An ordered, byte-exact view of a BSON document, for oplog replay: js-bson's objects reorder
 * integer-like keys ("129" before "a"), which an update applied to them would write back
 * reordered. Scalars stay as their raw bytes; documents and arrays keep their elements in order.
 * Read and written by hand from the BSON spec (bsonspec.org): int32 total length, elements of
 * type byte + cstring name + value, a 0x00 terminator.
 */
export type BsonValue = BsonDocument | BsonArray | BsonScalar;

export interface BsonDocument {
  kind: 'document';
  fields: BsonField[];
}

export interface BsonArray {
  kind: 'array';
  items: BsonValue[];
}

/** Any other element: its BSON type byte and its value's bytes exactly as stored. */
export interface BsonScalar {
  kind: 'scalar';
  type: number;
  bytes: Uint8Array;
}

export interface BsonField {
  name: string;
  value: BsonValue;
}

/** BSON element type bytes this project's replay code branches on. */
export const BSON_TYPE = {
  DOUBLE: 0x01,
  STRING: 0x02,
  DOCUMENT: 0x03,
  ARRAY: 0x04,
  BINARY: 0x05,
  NULL: 0x0a,
  BOOLEAN: 0x08,
  INT32: 0x10,
  INT64: 0x12,
} as const;

/** The BSON null, as array padding and "other type" sub-diff results are written. */
export function bsonNull(): BsonScalar {
  return { kind: 'scalar', type: BSON_TYPE.NULL, bytes: new Uint8Array(0) };
}

/** Value bytes of the fixed-size types; the others are measured by `valueEnd`. */
const FIXED_SIZE: Record<number, number> = {
  0x01: 8, // double
  0x06: 0, // undefined
  0x07: 12, // ObjectId
  0x08: 1, // boolean
  0x09: 8, // UTC datetime
  0x0a: 0, // null
  0x10: 4, // int32
  0x11: 8, // timestamp
  0x12: 8, // int64
  0x13: 16, // decimal128
  0xff: 0, // MinKey
  0x7f: 0, // MaxKey
};

/** Field names must survive a decode/encode round trip, so invalid UTF-8 is refused, not replaced. */
const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

function corrupt(message: string): MongosafeError {
  return new MongosafeError('CORRUPT', message, 'the oplog entry or document is not valid BSON; take a fresh backup', {
    details: { kind: 'invalid' },
  });
}

class Reader {
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  int32(at: number, end: number): number {
    if (at + 4 > end) throw corrupt(`BSON: a length at byte ${at} runs past its container's end (${end})`);
    return this.view.getInt32(at, true);
  }

  /** The offset just past the cstring's terminating 0x00. */
  cstringEnd(at: number, end: number): number {
    const zero = this.bytes.subarray(at, end).indexOf(0);
    if (zero < 0) throw corrupt(`BSON: a name or cstring at byte ${at} has no terminating 0x00 before byte ${end}`);
    return at + zero + 1;
  }

  text(from: number, to: number): string {
    try {
      return utf8.decode(this.bytes.subarray(from, to));
    } catch (error) {
      throw new MongosafeError('CORRUPT', `BSON: the name at byte ${from} is not valid UTF-8`, undefined, {
        cause: error,
        details: { kind: 'invalid' },
      });
    }
  }

  /** A BSON string (int32 length including the 0x00, bytes, 0x00): the offset past it. */
  stringEnd(at: number, end: number): number {
    const length = this.int32(at, end);
    const stop = at + 4 + length;
    if (length < 1 || stop > end) throw corrupt(`BSON: a string at byte ${at} declares ${length} bytes, beyond its container`);
    if (this.bytes[stop - 1] !== 0) throw corrupt(`BSON: the string at byte ${at} does not end with 0x00`);
    return stop;
  }

  /** Where the value of an element of `type` starting at `at` ends. */
  valueEnd(type: number, at: number, end: number): number {
    const fixed = FIXED_SIZE[type];
    if (fixed !== undefined) {
      if (at + fixed > end) throw corrupt(`BSON: a value of type 0x${hex(type)} at byte ${at} runs past its container`);
      return at + fixed;
    }
    switch (type) {
      case 0x02: // string
      case 0x0d: // JavaScript code
      case 0x0e: // symbol
        return this.stringEnd(at, end);
      case 0x05: {
        // binary: int32 length, subtype byte, bytes
        const length = this.int32(at, end);
        const stop = at + 5 + length;
        if (length < 0 || stop > end) throw corrupt(`BSON: binary data at byte ${at} declares ${length} bytes, beyond its container`);
        return stop;
      }
      case 0x0b: // regex: pattern and options cstrings
        return this.cstringEnd(this.cstringEnd(at, end), end);
      case 0x0c: {
        // DBPointer: string, then a 12-byte ObjectId
        const stop = this.stringEnd(at, end) + 12;
        if (stop > end) throw corrupt(`BSON: a DBPointer at byte ${at} runs past its container`);
        return stop;
      }
      case 0x0f: {
        // code with scope: int32 total length, string, document
        const total = this.int32(at, end);
        const stop = at + total;
        if (total < 14 || stop > end) throw corrupt(`BSON: code with scope at byte ${at} declares ${total} bytes, beyond its container`);
        const scope = this.stringEnd(at + 4, stop);
        if (scope + this.int32(scope, stop) !== stop) throw corrupt(`BSON: code with scope at byte ${at}: its scope does not end where its length says`);
        this.document(scope, stop);
        return stop;
      }
      default:
        throw corrupt(`BSON: unknown element type 0x${hex(type)} at byte ${at - 1}`);
    }
  }

  /** The elements of the document or array at `at`, which must end exactly at `end`. */
  elements(at: number, end: number): Array<[string, BsonValue]> {
    const length = this.int32(at, end);
    if (length < 5 || at + length !== end) {
      throw corrupt(`BSON: the document at byte ${at} declares ${length} bytes, its container leaves ${end - at}`);
    }
    const stop = at + length - 1;
    if (this.bytes[stop] !== 0) throw corrupt(`BSON: the document at byte ${at} does not end with 0x00`);
    const out: Array<[string, BsonValue]> = [];
    let offset = at + 4;
    while (offset < stop) {
      const type = this.bytes[offset] ?? 0;
      const nameEnd = this.cstringEnd(offset + 1, stop);
      const name = this.text(offset + 1, nameEnd - 1);
      const valueAt = nameEnd;
      if (type === 0x03 || type === 0x04) {
        const childEnd = valueAt + this.int32(valueAt, stop);
        if (childEnd > stop || childEnd <= valueAt) throw corrupt(`BSON: the embedded document "${name}" at byte ${valueAt} runs past its container`);
        out.push([name, type === 0x03 ? this.document(valueAt, childEnd) : this.array(valueAt, childEnd, name)]);
        offset = childEnd;
      } else {
        const valueStop = this.valueEnd(type, valueAt, stop);
        out.push([name, { kind: 'scalar', type, bytes: this.bytes.slice(valueAt, valueStop) }]);
        offset = valueStop;
      }
    }
    return out;
  }

  document(at: number, end: number): BsonDocument {
    return { kind: 'document', fields: this.elements(at, end).map(([name, value]) => ({ name, value })) };
  }

  array(at: number, end: number, name: string): BsonArray {
    const elements = this.elements(at, end);
    // Serializing re-keys arrays "0".."n-1"; any other keys would not round-trip, and the spec requires these.
    elements.forEach(([key], index) => {
      if (key !== String(index)) throw corrupt(`BSON: the array "${name}" at byte ${at} has key "${key}" at position ${index}`);
    });
    return { kind: 'array', items: elements.map(([, value]) => value) };
  }
}

function hex(type: number): string {
  return type.toString(16).padStart(2, '0');
}

/** Parses raw BSON into the ordered tree. CORRUPT on malformed bytes. */
export function parseDocument(bytes: Uint8Array): BsonDocument {
  return new Reader(bytes).document(0, bytes.byteLength);
}

/** Names encoded once: sizing and writing both need them. */
interface Encoded {
  size: number;
  names: Uint8Array[];
  children: Array<Encoded | undefined>;
}

function encodeName(name: string): Uint8Array {
  const bytes = encoder.encode(name);
  if (bytes.includes(0)) throw corrupt(`BSON: the field name ${JSON.stringify(name)} contains 0x00, which a cstring cannot hold`);
  return bytes;
}

function entriesOf(value: BsonDocument | BsonArray): Array<[string, BsonValue]> {
  return value.kind === 'document' ? value.fields.map((field) => [field.name, field.value]) : value.items.map((item, index) => [String(index), item]);
}

function measure(value: BsonDocument | BsonArray): Encoded {
  const names: Uint8Array[] = [];
  const children: Array<Encoded | undefined> = [];
  let size = 5;
  for (const [name, child] of entriesOf(value)) {
    const nameBytes = encodeName(name);
    names.push(nameBytes);
    const nested = child.kind === 'scalar' ? undefined : measure(child);
    children.push(nested);
    size += 1 + nameBytes.byteLength + 1 + (child.kind === 'scalar' ? child.bytes.byteLength : (nested?.size ?? 0));
  }
  return { size, names, children };
}

function write(value: BsonDocument | BsonArray, encoded: Encoded, out: Uint8Array, view: DataView, at: number): number {
  view.setInt32(at, encoded.size, true);
  let offset = at + 4;
  entriesOf(value).forEach(([, child], index) => {
    const name = encoded.names[index] ?? new Uint8Array(0);
    out[offset] = child.kind === 'document' ? 0x03 : child.kind === 'array' ? 0x04 : child.type;
    out.set(name, offset + 1);
    offset += 1 + name.byteLength;
    out[offset++] = 0;
    const nested = encoded.children[index];
    if (child.kind === 'scalar') {
      out.set(child.bytes, offset);
      offset += child.bytes.byteLength;
    } else if (nested !== undefined) {
      offset = write(child, nested, out, view, offset);
    }
  });
  out[offset++] = 0;
  return offset;
}

/** The tree back to BSON; arrays get keys "0", "1", … Byte-identical to the input of parseDocument when unchanged. */
export function serializeDocument(document: BsonDocument): Uint8Array {
  const encoded = measure(document);
  const out = new Uint8Array(encoded.size);
  write(document, encoded, out, new DataView(out.buffer), 0);
  return out;
}
