import { BSON, type Document } from 'mongodb';

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

export function decodeExact(bytes: Uint8Array): DecodedDocument {
  const document = BSON.deserialize(bytes, EXACT_DECODE);
  const again = BSON.serialize(document, EXACT_ENCODE);
  return { document, lossy: !Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).equals(again) };
}

/** A short, log-safe rendering of a document's _id. */
export function describeId(document: Document): string {
  const id: unknown = document._id;
  if (id === undefined) return '(no _id)';
  try {
    return BSON.EJSON.stringify(id as Document, { relaxed: false }).slice(0, 100);
  } catch {
    return String(id);
  }
}
