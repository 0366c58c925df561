/**
 * The header document and the prelude's per-namespace documents: written with the exact key
 * order and BSON types mongodump uses, read as leniently as mongorestore reads them
 * (SPEC.md "Header", "Prelude").
 */
import { BSONSymbol, Int32, deserialize, serialize, type Document } from 'bson';
import { messageOf } from '../errors.js';
import { corruptArchive } from './format.js';
import type { ArchiveHeader, PreludeEntry } from './types.js';

export function encodeHeader(header: ArchiveHeader): Uint8Array {
  return serialize({
    concurrent_collections: new Int32(header.concurrentCollections),
    version: header.version,
    server_version: header.serverVersion,
    tool_version: header.toolVersion,
  });
}

export function encodePreludeEntry(entry: PreludeEntry): Uint8Array {
  return serialize({
    db: entry.db,
    collection: entry.collection,
    metadata: entry.metadata,
    // Always 0 in mongodump's archives; only a progress-bar total for mongorestore.
    size: new Int32(0),
    // Go writes its zero value "" when the type is unknown; absent keys are for pre-100.4.0 archives.
    type: entry.type ?? '',
  });
}

/** Decodes the header document at `offset`; unknown keys are ignored, missing ones are zero. */
export function decodeHeader(bytes: Uint8Array, offset: number): ArchiveHeader {
  const doc = decodeDocument(bytes, offset, 'header document');
  const field = (key: string): string => stringField(doc, key, 'header document', offset);
  return {
    concurrentCollections: int32Field(doc, 'concurrent_collections', offset),
    version: field('version'),
    serverVersion: field('server_version'),
    toolVersion: field('tool_version'),
  };
}

/** Decodes one prelude document; `type` stays undefined when the key is absent (old archives). */
export function decodePreludeEntry(bytes: Uint8Array, offset: number): PreludeEntry {
  const doc = decodeDocument(bytes, offset, 'prelude entry');
  const field = (key: string): string => stringField(doc, key, 'prelude entry', offset);
  const entry: PreludeEntry = { db: field('db'), collection: field('collection'), metadata: field('metadata') };
  if ('type' in doc) entry.type = field('type');
  return entry;
}

function decodeDocument(bytes: Uint8Array, offset: number, what: string): Document {
  try {
    return deserialize(bytes, { useBigInt64: true });
  } catch (error) {
    throw corruptArchive(`malformed ${what}: ${messageOf(error)}`, { offset }, undefined, { cause: error });
  }
}

/** Go's string decoder: strings, symbols and null (as ""); any other type fails the restore. */
function stringField(doc: Document, key: string, what: string, offset: number): string {
  const value: unknown = doc[key];
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (value instanceof BSONSymbol) return value.value;
  throw corruptArchive(`${what} field "${key}" is not a string`, { offset });
}

/** Go's int32 decoder: int32, integral int64/double in range, booleans, null. */
function int32Field(doc: Document, key: string, offset: number): number {
  const value: unknown = doc[key];
  if (value === undefined || value === null) return 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  const number = typeof value === 'bigint' ? Number(value) : value;
  if (typeof number === 'number' && Number.isInteger(number) && number >= -(2 ** 31) && number < 2 ** 31) return number;
  throw corruptArchive(`header field "${key}" is not a 32-bit integer`, { offset });
}
