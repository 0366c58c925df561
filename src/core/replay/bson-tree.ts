/**
 * An ordered, byte-exact view of a BSON document, for oplog replay: js-bson's objects reorder
 * integer-like keys ("129" before "a"), which an update applied to them would write back
 * reordered. Scalars stay as their raw bytes; documents and arrays keep their elements in order.
 * (Contract for issue 19; implemented by the replay-update slice.)
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

/** Parses raw BSON into the ordered tree. CORRUPT on malformed bytes. */
export function parseDocument(bytes: Uint8Array): BsonDocument {
  void bytes;
  throw new Error('not implemented yet (issue 19)');
}

/** The tree back to BSON; arrays get keys "0", "1", … Byte-identical to the input of parseDocument when unchanged. */
export function serializeDocument(document: BsonDocument): Uint8Array {
  void document;
  throw new Error('not implemented yet (issue 19)');
}
