/**
 * Shapes shared by the archive writer and reader. Byte layout: SPEC.md beside this file.
 */

/** The header document after the magic bytes. */
export interface ArchiveHeader {
  /** How many namespaces may be open (interleaved) at once; mongorestore sizes its workers by it. */
  concurrentCollections: number;
  /** Archive format version; always "0.1". */
  version: string;
  /** The source server's version, "X.Y.Z[-suffix]" (mongorestore refuses anything else). */
  serverVersion: string;
  toolVersion: string;
}

/** One prelude entry: a collection, view or timeseries collection in the archive. */
export interface PreludeEntry {
  db: string;
  collection: string;
  /** Canonical extended JSON `{options, indexes, uuid, collectionName, type}`, or "" for none. */
  metadata: string;
  /** "collection", "view", "timeseries"; absent in archives older than mongodump 100.4.0. */
  type?: string;
}

/** A run of whole raw BSON documents of one namespace, in stream order. */
export interface DocumentBatch {
  db: string;
  collection: string;
  /** Each element is one complete BSON document (length prefix through trailing NUL). */
  documents: Uint8Array[];
}

/** Per-namespace totals as written or as read and checked. */
export interface NamespaceSummary {
  db: string;
  collection: string;
  documents: number;
  /** Sum of the documents' BSON lengths. */
  bsonBytes: number;
  /** CRC-64/XZ over the namespace's document bytes, as the unsigned 64-bit value. */
  crc64: bigint;
}

/** What the reader yields, in stream order. */
export type ArchiveEvent =
  | { kind: 'header'; header: ArchiveHeader }
  | { kind: 'prelude'; entries: PreludeEntry[] }
  | ({ kind: 'documents' } & DocumentBatch)
  /** A namespace's EOF block, after its CRC and totals were checked. */
  | ({ kind: 'end-of-namespace' } & NamespaceSummary)
  /** Something the source holds that is not read as data, said once for people: a stray file in a dump folder, say. */
  | { kind: 'notice'; message: string };

export type Compression = 'gzip' | 'zstd' | 'none';

/** Canonical "db.collection". */
export function namespaceOf(item: { db: string; collection: string }): string {
  return `${item.db}.${item.collection}`;
}

/**
 * What the writer consumes: runs of raw documents of one namespace, and the signal that a
 * namespace is complete. Both name the *body* namespace (old-style timeseries data travels
 * as `system.buckets.X`, see SPEC.md "Prelude").
 */
export type ArchiveBlock =
  | ({ kind: 'documents' } & DocumentBatch)
  | { kind: 'end'; db: string; collection: string };
