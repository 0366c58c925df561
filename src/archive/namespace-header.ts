/**
 * The document that opens a data segment or an EOF block (SPEC.md "Namespace headers").
 * Built byte by byte so that `CRC` is always an int64 (a JS number would serialise as int32,
 * which mongorestore rejects), and read as strictly as mongorestore reads it.
 */
import { corruptArchive, readInt32 } from './format.js';

export interface NamespaceHeader {
  db: string;
  collection: string;
  eof: boolean;
  /** The stored checksum as the unsigned 64-bit value; 0 in data headers. */
  crc: bigint;
}

const TYPE_STRING = 0x02;
const TYPE_BOOLEAN = 0x08;
const TYPE_INT64 = 0x12;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const KEY_DB = encoder.encode('db\0');
const KEY_COLLECTION = encoder.encode('collection\0');
const KEY_EOF = encoder.encode('EOF\0');
const KEY_CRC = encoder.encode('CRC\0');

export function encodeNamespaceHeader(header: NamespaceHeader): Uint8Array {
  const db = encoder.encode(header.db);
  const collection = encoder.encode(header.collection);
  const size =
    4 +
    (1 + KEY_DB.length + 4 + db.length + 1) +
    (1 + KEY_COLLECTION.length + 4 + collection.length + 1) +
    (1 + KEY_EOF.length + 1) +
    (1 + KEY_CRC.length + 8) +
    1;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  view.setInt32(at, size, true);
  at += 4;
  for (const [key, value] of [
    [KEY_DB, db],
    [KEY_COLLECTION, collection],
  ] as const) {
    out[at++] = TYPE_STRING;
    out.set(key, at);
    at += key.length;
    view.setInt32(at, value.length + 1, true);
    at += 4;
    out.set(value, at);
    at += value.length + 1; // the string's NUL is already 0 in the fresh buffer
  }
  out[at++] = TYPE_BOOLEAN;
  out.set(KEY_EOF, at);
  at += KEY_EOF.length;
  out[at++] = header.eof ? 1 : 0;
  out[at++] = TYPE_INT64;
  out.set(KEY_CRC, at);
  at += KEY_CRC.length;
  // The uint64 bit pattern: as a signed int64 it may read back negative, which is what mongodump writes.
  view.setBigUint64(at, BigInt.asUintN(64, header.crc), true);
  return out;
}

/**
 * Decodes a namespace header: only the four keys, each with its exact type, any order;
 * a missing key takes the zero value, an empty collection name is an error.
 */
export function decodeNamespaceHeader(bytes: Uint8Array, offset: number): NamespaceHeader {
  const fail = (problem: string, cause?: unknown): Error => corruptArchive(`bad namespace header: ${problem}`, { offset }, undefined, { cause });
  const header: NamespaceHeader = { db: '', collection: '', eof: false, crc: 0n };
  const end = bytes.length - 1; // the document's trailing NUL
  let at = 4;
  while (at < end) {
    const type = bytes[at++];
    const keyEnd = bytes.indexOf(0, at);
    if (keyEnd < 0 || keyEnd >= end) throw fail('element name runs past the end of the document');
    const key = decodeUtf8(bytes.subarray(at, keyEnd), fail);
    at = keyEnd + 1;
    if (key === 'db' || key === 'collection') {
      if (type !== TYPE_STRING) throw fail(`"${key}" is not a string`);
      if (at + 4 > end) throw fail(`"${key}" runs past the end of the document`);
      const length = readInt32(bytes, at);
      at += 4;
      if (length < 1 || at + length > end || bytes[at + length - 1] !== 0) throw fail(`"${key}" has a bad string length`);
      header[key] = decodeUtf8(bytes.subarray(at, at + length - 1), fail);
      at += length;
    } else if (key === 'EOF') {
      if (type !== TYPE_BOOLEAN) throw fail('"EOF" is not a boolean');
      const value = bytes[at++];
      if (at > end || (value !== 0 && value !== 1)) throw fail('"EOF" is not a valid boolean');
      header.eof = value === 1;
    } else if (key === 'CRC') {
      if (type !== TYPE_INT64) throw fail('"CRC" is not an int64');
      if (at + 8 > end) throw fail('"CRC" runs past the end of the document');
      header.crc = new DataView(bytes.buffer, bytes.byteOffset + at, 8).getBigUint64(0, true);
      at += 8;
    } else {
      throw fail(`unknown key "${key}" (only db, collection, EOF and CRC are allowed)`);
    }
  }
  if (at !== end) throw fail('elements run past the end of the document');
  if (header.collection === '') throw fail('no collection name');
  return header;
}

function decodeUtf8(bytes: Uint8Array, fail: (problem: string, cause?: unknown) => Error): string {
  try {
    return decoder.decode(bytes);
  } catch (error) {
    throw fail('a name is not valid UTF-8', error);
  }
}
