import { BSON, type Db } from 'mongodb';
import { ConnectionString } from 'mongodb-connection-string-url';
import { MongosafeError, messageOf } from '../errors.js';
import { createWithOptions, dropIfExists } from '../source/collections.js';
import { connectSource } from '../source/connect.js';
import { insertRawBatch } from '../source/write.js';
import { throwIfAborted } from '../util/abort.js';
import { splitJsonArray } from './json-array.js';
import { inferBsonTypes, type InferredCounts } from './legacy-types.js';
import { openLegacyZip, type LegacyEntry, type LegacyZip } from './legacy-zip.js';
import { SILENT_LOGGER, type Logger, type ProgressListener } from './progress.js';

export interface ImportLegacyOptions {
  /** The seed Lambda's `mongodb-backup-<time>.zip`. */
  zipPath: string;
  /** Where to import; its password never appears in results or errors. */
  uri: string;
  /**
   * Target database. Default: the database named in the URI's path (as
   * mongoimport, which the seed's own restore steps used, does); the zip
   * itself does not record it. Neither given → USAGE.
   */
  db?: string;
  /** Turn 24-hex id strings back into ObjectIds and Date.toJSON() strings into Dates (legacy-types.ts). */
  inferTypes?: boolean;
  /** Drop each collection found in the zip before importing it (only those). */
  drop?: boolean;
  connectTimeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  logger?: Logger;
}

export interface ImportedCollection {
  collection: string;
  /** Documents in its JSON file. */
  documents: number;
  inserted: number;
  /** Documents whose _id was already there: counted, not fatal (mongorestore's rule). */
  duplicates: number;
}

export interface ImportLegacyResult {
  db: string;
  collections: ImportedCollection[];
  /** Values turned back into BSON types; zeros without inferTypes. */
  inferred: InferredCounts;
  /** Always says what JSON lost and what inference did or did not do; plus entries skipped. */
  warnings: string[];
  durationMs: number;
}

// Unordered batches of at most 1000 documents and 16 MiB (DESIGN.md §5), one insert at a time.
const BATCH_DOCUMENTS = 1000;
const BATCH_BYTES = 16 * 1024 * 1024;

/**
 * Restores the zip of JSON arrays that the seed's Lambda wrote: one
 * `<collection>.json` per collection, each `JSON.stringify(documents, null, 2)`.
 * Every file is read twice, streaming, never whole: first to check that it
 * is a complete array of documents (so a damaged zip changes nothing, not
 * even a --drop), then to insert in unordered batches.
 *
 * @throws MongosafeError USAGE without a database name; NOT_FOUND/CORRUPT for
 *   the zip; AUTH/SOURCE from MongoDB; ABORTED when the signal fires.
 * @example await importLegacy({ zipPath: 'mongodb-backup-2025-01-01T03-00-00-000Z.zip', uri, db: 'momsrecipebox', inferTypes: true })
 */
export async function importLegacy(options: ImportLegacyOptions): Promise<ImportLegacyResult> {
  const started = Date.now();
  const { signal } = options;
  const logger = options.logger ?? SILENT_LOGGER;
  const dbName = options.db ?? databaseOfUri(options.uri);
  if (!dbName) {
    throw new MongosafeError('USAGE', 'import-legacy needs a database name: the zip does not record one', "pass --db NAME (the seed's was momsrecipebox), or name the database in the URI: mongodb://host/NAME");
  }
  const zip = await openLegacyZip(options.zipPath);
  try {
    if (zip.entries.length === 0) {
      throw new MongosafeError('CORRUPT', `${options.zipPath} holds no <collection>.json file`, "import-legacy reads the seed Lambda's mongodb-backup-<time>.zip");
    }
    options.onProgress?.({ kind: 'phase', phase: `checking ${options.zipPath}` });
    const planned: Array<{ entry: LegacyEntry; documents: number }> = [];
    for (const entry of zip.entries) {
      let documents = 0;
      const reader = readDocuments(zip, entry, options.zipPath, signal);
      while (!(await reader.next()).done) documents++;
      planned.push({ entry, documents });
    }
    options.onProgress?.({ kind: 'plan', namespaces: planned.map((p) => ({ namespace: `${dbName}.${p.entry.collection}`, expectedDocuments: p.documents })) });

    const inferred: InferredCounts = { objectIds: 0, dates: 0 };
    const collections: ImportedCollection[] = [];
    const client = await connectSource(options.uri, { connectTimeoutMs: options.connectTimeoutMs, signal: options.signal });
    try {
      const db = client.db(dbName);
      for (const { entry, documents } of planned) {
        options.onProgress?.({ kind: 'phase', phase: `importing ${dbName}.${entry.collection}` });
        const result = await importCollection(db, zip, entry, documents, options, inferred);
        collections.push(result);
        logger.info('collection imported', { ...result });
      }
    } finally {
      await client.close();
    }
    return { db: dbName, collections, inferred, warnings: [typesWarning(options.inferTypes === true, inferred), ...zip.skipped], durationMs: Date.now() - started };
  } finally {
    zip.close();
  }
}

async function importCollection(db: Db, zip: LegacyZip, entry: LegacyEntry, documents: number, options: ImportLegacyOptions, inferred: InferredCounts): Promise<ImportedCollection> {
  const namespace = `${db.databaseName}.${entry.collection}`;
  if (options.drop) await dropIfExists(db, entry.collection);
  // An empty array was an existing, empty collection: create it, so the import has it too.
  if (documents === 0) await createWithOptions(db, entry.collection, {});
  const result: ImportedCollection = { collection: entry.collection, documents: 0, inserted: 0, duplicates: 0 };
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    throwIfAborted(options.signal, `importing ${namespace}`);
    // The one place that decides what a duplicate is; it takes BSON, as restore's batches are.
    const outcome = await insertRawBatch(db, entry.collection, batch, namespace);
    result.inserted += outcome.inserted;
    result.duplicates += outcome.duplicates;
    batch = [];
    batchBytes = 0;
    options.onProgress?.({ kind: 'documents', namespace, documents: result.inserted + result.duplicates, bsonBytes: 0, expectedDocuments: documents });
  };
  for await (const document of readDocuments(zip, entry, options.zipPath, options.signal)) {
    if (options.inferTypes) inferBsonTypes(document, inferred);
    const bytes = BSON.serialize(document, { checkKeys: false, ignoreUndefined: false });
    if (batch.length === BATCH_DOCUMENTS || (batch.length > 0 && batchBytes + bytes.byteLength > BATCH_BYTES)) await flush();
    batch.push(bytes);
    batchBytes += bytes.byteLength;
    result.documents++;
  }
  await flush();
  options.onProgress?.({ kind: 'namespace-done', namespace, documents: result.documents, bsonBytes: 0 });
  return result;
}

/** The documents of one collection file, parsed one at a time. */
async function* readDocuments(zip: LegacyZip, entry: LegacyEntry, zipPath: string, signal?: AbortSignal): AsyncGenerator<Record<string, unknown>> {
  const where = `${entry.name} in ${zipPath}`;
  const stream = await zip.open(entry, signal);
  let index = 0;
  try {
    for await (const text of splitJsonArray(stream, { where })) {
      index++;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new MongosafeError('CORRUPT', `${where}: document ${index} is not valid JSON (${messageOf(error)})`, 'the file is damaged; nothing was imported from this zip', { cause: error });
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new MongosafeError('CORRUPT', `${where}: element ${index} of the array is not a document`, "import-legacy reads the seed's JSON arrays of documents");
      }
      yield value as Record<string, unknown>;
    }
  } catch (error) {
    if (error instanceof MongosafeError) throw error;
    throw signal?.aborted
      ? new MongosafeError('ABORTED', `importing ${where} was interrupted`, undefined, { cause: error, details: { kind: 'aborted' } })
      : new MongosafeError('CORRUPT', `${where} cannot be read: ${messageOf(error)}`, 'the zip is damaged; download it again', { cause: error });
  }
}

/** The database in a connection string's path, as mongoimport reads it; undefined when there is none. */
function databaseOfUri(uri: string): string | undefined {
  try {
    const name = decodeURIComponent(new ConnectionString(uri).pathname.replace(/^\//, ''));
    return name === '' ? undefined : name;
  } catch (error) {
    // A malformed URI: connecting reports it properly (with the password scrubbed).
    if (error instanceof Error) return undefined;
    throw error;
  }
}

function typesWarning(inferTypes: boolean, inferred: InferredCounts): string {
  const rest = 'other types JSON cannot hold were not recovered: 64-bit integers and doubles are int32 or double by value, Decimal128 is a {"$numberDecimal": …} object, binary data a base64 string';
  return inferTypes
    ? `the seed's JSON lost the BSON types; --infer-types restored ${inferred.objectIds} ObjectIds (24-hex strings in _id and *Id/*_id fields) and ${inferred.dates} dates (strings exactly like 2024-01-31T12:00:00.000Z); ${rest}`
    : `the seed's JSON lost the BSON types: ObjectIds and dates were imported as strings (--infer-types turns 24-hex _id strings into ObjectIds and ISO-8601 date strings into dates); ${rest}`;
}
