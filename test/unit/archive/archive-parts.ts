// Builds archives piece by piece from the codec's own encoders, so tests can assemble
// malformed ones that the writer would refuse to produce.
import { Int32, serialize, type Document } from 'bson';
import { TERMINATOR_BYTES } from '../../../src/archive/format.js';
import { encodeNamespaceHeader } from '../../../src/archive/namespace-header.js';
import { encodeHeader, encodePreludeEntry } from '../../../src/archive/prelude.js';
import { crc64 } from '../../../src/archive/crc64.js';
import type { PreludeEntry } from '../../../src/archive/types.js';

export const MAGIC = new Uint8Array([0x6d, 0xe2, 0x99, 0x81]);
export const TERM = TERMINATOR_BYTES;

export function header(serverVersion = '8.0.0', concurrentCollections = 4): Uint8Array {
  return encodeHeader({ concurrentCollections, version: '0.1', serverVersion, toolVersion: 'test' });
}

export function entry(db: string, collection: string, type: string | undefined = 'collection'): Uint8Array {
  const value: PreludeEntry = { db, collection, metadata: '' };
  if (type !== undefined) value.type = type;
  return encodePreludeEntry(value);
}

export function dataHeader(db: string, collection: string): Uint8Array {
  return encodeNamespaceHeader({ db, collection, eof: false, crc: 0n });
}

export function eofHeader(db: string, collection: string, docs: Uint8Array[] = []): Uint8Array {
  return encodeNamespaceHeader({ db, collection, eof: true, crc: crc64(Buffer.concat(docs)) });
}

/** A whole valid namespace: one segment with `docs`, then its EOF block. */
export function namespaceBlocks(db: string, collection: string, docs: Uint8Array[]): Uint8Array[] {
  return [dataHeader(db, collection), ...docs, TERM, eofHeader(db, collection, docs), TERM];
}

/** Magic, header and a prelude of the given entries, terminated. */
export function start(entries: Uint8Array[], serverVersion = '8.0.0'): Uint8Array[] {
  return [MAGIC, header(serverVersion), ...entries, TERM];
}

export function join(parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

/** Any document, with BSON types chosen by the caller (bson wrappers) and keys in order. */
export function rawDoc(doc: Document): Uint8Array {
  return serialize(doc);
}

export const DOC_A = rawDoc({ _id: new Int32(1), name: 'a' });
export const DOC_B = rawDoc({ _id: new Int32(2), name: 'b' });
