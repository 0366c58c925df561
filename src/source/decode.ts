import { BSON, type Document } from 'mongodb';
import { hasLegacyBson } from './legacy-bson.js';

/**
 * Decode options that keep every BSON value as its own type, so that the
 * driver re-encodes a document to the same bytes: Int32 stays Int32, a
 * whole Double stays Double, Int64 stays Long, binary stays Binary.
 */
export const EXACT_DECODE = {
  promoteValues: false,
  promoteLongs: false,
  promoteBuffers: false,
  bsonRegExp: true,
  useBigInt64: false,
} as const satisfies BSON.DeserializeOptions;

export const EXACT_ENCODE = { checkKeys: false, serializeFunctions: false, ignoreUndefined: false } as const satisfies BSON.SerializeOptions;

export interface DecodedDocument {
  document: Document;
  /**
   * True when re-encoding does not give back the same bytes: js-bson cannot
   * represent the deprecated undefined (0x06) and DBPointer (0x0C) types, or
   * duplicate keys. Such documents are counted and reported, never silently changed.
   */
  lossy: boolean;
}

/**
 * Decodes for re-encoding by the driver. Every other type round-trips
 * byte for byte (test/unit/source/decode.test.ts proves it), so only the
 * legacy forms need looking for, on the raw bytes.
 */
export function decodeExact(bytes: Uint8Array): DecodedDocument {
  return { document: BSON.deserialize(bytes, EXACT_DECODE), lossy: hasLegacyBson(bytes) };
}

/** A short, log-safe rendering of a document's _id. */
export function describeId(document: Document): string {
  if (!('_id' in document)) return '(no _id)';
  try {
    return BSON.EJSON.stringify({ _id: document._id as unknown }, { relaxed: false }).slice(8, -1).slice(0, 100);
  } catch {
    return '(an _id extended JSON cannot show)';
  }
}
