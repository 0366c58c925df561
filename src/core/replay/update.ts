/**
 * Oplog update entries (`op: "u"`) applied to a document, as mongod's oplog applier does:
 * research/oplog-replay.md §2. (Contract for issue 19; implemented by the replay-update slice.)
 */

/** `o` has `_id`: a replacement; else `$v: 2`: a delta (`diff`); else classic `$set`/`$unset`. */
export type UpdateKind = 'replacement' | 'delta' | 'classic';

/** Which kind of update the entry's `o` (raw BSON) is. */
export function updateKind(o: Uint8Array): UpdateKind {
  void o;
  throw new Error('not implemented yet (issue 19)');
}

/**
 * The document (raw BSON) after the update entry's `o` (raw BSON) is applied to it, byte for
 * byte as mongod's applier would write it (field order included). Throws a MongosafeError
 * (code CORRUPT, details.kind 'invalid') for an `o` it cannot apply exactly, naming why.
 */
export function applyUpdate(document: Uint8Array, o: Uint8Array): Uint8Array {
  void document;
  void o;
  throw new Error('not implemented yet (issue 19)');
}
