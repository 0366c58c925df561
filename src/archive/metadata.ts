/**
 * The prelude's `metadata` string (SPEC.md "Metadata"): canonical extended JSON that
 * mongorestore's canonical-only parser accepts, built and parsed without losing BSON types.
 */
import { EJSON, type Binary, type Document } from 'bson';
import { MongosafeError, messageOf } from '../errors.js';

export interface CollectionMetadata {
  /** listCollections `options`; `{}` when the metadata has none. */
  options: Document;
  /** listIndexes documents, verbatim. */
  indexes: Document[];
  /** 32 lowercase hex digits. */
  uuid?: string;
  collectionName?: string;
  type?: string;
}

export interface MetadataInput {
  /**
   * Values keep their BSON types only as bson wrapper objects (Int32, Long, Double…), as a
   * `promoteValues: false` read returns them: a plain JS number becomes int32, int64 or double
   * depending on its value.
   */
  options?: Document;
  indexes: Document[];
  /** Hex with or without dashes, or the binary subtype 4 value listCollections returns. */
  uuid?: string | Binary;
  collectionName: string;
  type?: string;
}

/** Canonical extended JSON, compact, keys in mongodump's order: options, indexes, uuid, collectionName, type. */
export function buildMetadataJson(input: MetadataInput): string {
  const doc: Document = {};
  if (input.options !== undefined && Object.keys(input.options).length > 0) doc.options = input.options;
  doc.indexes = input.indexes;
  const uuid = uuidHex(input.uuid);
  if (uuid !== undefined) doc.uuid = uuid;
  doc.collectionName = input.collectionName;
  if (input.type !== undefined && input.type !== '') doc.type = input.type;
  try {
    return EJSON.stringify(doc, { relaxed: false });
  } catch (error) {
    throw new MongosafeError('SOURCE', `metadata of collection ${input.collectionName} cannot be written as extended JSON: ${messageOf(error)}`, undefined, { cause: error });
  }
}

/**
 * Parses a prelude or `.metadata.json` string; numbers keep their BSON types (Int32, Long,
 * Double wrappers). Accepts legacy plain JSON numbers. Throws CORRUPT for anything that is not
 * a metadata object; `namespace` goes into its details, `where` (the namespace unless given)
 * names it in the message.
 */
export function parseMetadataJson(text: string, namespace?: string, where = namespace ?? 'collection'): CollectionMetadata {
  const details = { namespace, kind: 'invalid' as const };
  let parsed: unknown;
  try {
    parsed = EJSON.parse(text, { relaxed: false });
  } catch (error) {
    throw new MongosafeError('CORRUPT', `metadata of ${where} is not valid extended JSON: ${messageOf(error)}`, 'the archive\'s prelude is damaged', { cause: error, details });
  }
  if (!isDocument(parsed)) throw new MongosafeError('CORRUPT', `metadata of ${where} is not a JSON object`, undefined, { details });
  const { options, indexes, uuid, collectionName, type } = parsed;
  if (options !== undefined && !isDocument(options)) throw new MongosafeError('CORRUPT', `metadata of ${where}: "options" is not an object`, undefined, { details });
  if (indexes !== undefined && !(Array.isArray(indexes) && indexes.every(isDocument))) {
    throw new MongosafeError('CORRUPT', `metadata of ${where}: "indexes" is not an array of objects`, undefined, { details });
  }
  const metadata: CollectionMetadata = { options: options ?? {}, indexes: indexes ?? [] };
  if (typeof uuid === 'string' && uuid !== '') metadata.uuid = uuid.toLowerCase();
  if (typeof collectionName === 'string') metadata.collectionName = collectionName;
  if (typeof type === 'string' && type !== '') metadata.type = type;
  return metadata;
}

function uuidHex(uuid: string | Binary | undefined): string | undefined {
  if (uuid === undefined) return undefined;
  const hex = typeof uuid === 'string' ? uuid.replaceAll('-', '').toLowerCase() : Buffer.from(uuid.buffer).toString('hex');
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new MongosafeError('SOURCE', `collection UUID ${hex} is not 16 bytes of hex`);
  return hex;
}

function isDocument(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !('_bsontype' in value);
}
