import { Readable, pipeline, type Duplex } from 'node:stream';
import { BSON, type MongoClient } from 'mongodb';
import { createCompressor } from '../archive/compression.js';
import type { EncryptionKey } from '../crypto/keys.js';
import { buildMetadataJson } from '../archive/metadata.js';
import { crc64Hex } from '../archive/crc64.js';
import { namespaceOf, type Compression, type NamespaceSummary, type PreludeEntry } from '../archive/types.js';
import { encodeArchive, type ArchiveBlock } from '../archive/writer.js';
import { MongosafeError, isMongosafeError, withDetails } from '../errors.js';
import { readCatalog as readSourceCatalog, type SourceNamespace } from '../source/catalog.js';
import { connectSource } from '../source/connect.js';
import { readRawBatches } from '../source/read.js';
import { readServerInfo } from '../source/server-info.js';
import type { ObjectLock, Storage } from '../storage/storage.js';
import { createDigestStream } from '../util/digest-stream.js';
import { mergeLimited } from '../util/merge.js';
import { redactUri } from '../util/redact.js';
import { archiveKey, idForTime, manifestKey, startedMarkerKey, type BackupTrigger, type Manifest, type ManifestEncryption, type ManifestNamespace } from './manifest.js';
import { requestedRetention } from './object-lock.js';
import { SILENT_LOGGER, type Logger, type ProgressListener } from './progress.js';
import { TOOL_VERSION } from './version.js';

export interface BackupOptions {
  uri: string;
  storage: Storage;
  /** Databases to back up; empty = all user databases (never local/config; admin only when named). */
  databases?: readonly string[];
  /** mongorestore-style `db.collection` patterns with `*`. */
  include?: readonly string[];
  exclude?: readonly string[];
  compression?: Compression;
  /** gzip 1–9 (default DEFAULT_GZIP_LEVEL, 2) or zstd 1–22 (default 3). */
  compressionLevel?: number;
  /**
   * Client-side encryption (docs/encryption.md): `kms:KEY_ID|ALIAS|ARN`, `key-file:PATH` (32 random
   * bytes) or `public-key:PEM` (RSA, 3072 bits or more; a path or the PEM itself). The key is
   * loaded and proven usable before anything is written.
   */
  encrypt?: string;
  /**
   * S3 Object Lock: keep every object of the backup for this many days (never fewer than the
   * bucket's default retention), in the bucket's default mode, else GOVERNANCE. USAGE where the
   * destination has no Object Lock. Without it, a bucket's default retention still applies.
   */
  lockDays?: number;
  /** Collections read at once, interleaved in one archive. Default 4. */
  parallel?: number;
  connectTimeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  logger?: Logger;
  /** The clock, for tests and for ids; default `new Date()`. */
  now?: () => Date;
  /** Recorded in the manifest, so that a retried scheduled run can find its backup. */
  trigger?: BackupTrigger;
}

export interface BackupResult {
  id: string;
  destination: string;
  manifest: Manifest;
  durationMs: number;
}

const DEFAULT_PARALLEL = 4;
const MAX_ID_ATTEMPTS = 1000;

/**
 * Backs up a MongoDB deployment into one mongodump-format archive, then writes
 * the manifest. Crash-safe order: the id is reserved, the archive is written
 * (never overwriting), and the manifest comes last, so a manifest always
 * describes complete data. Any failure or abort leaves no manifest.
 *
 * @throws MongosafeError SOURCE/AUTH/USAGE for connection problems, STORAGE
 *   for the destination, NOT_FOUND for a missing --db, ABORTED when the signal fires.
 * @example
 * const storage = await openStorage('s3://my-bucket/prod');
 * const { id, manifest } = await backup({ uri, storage, databases: ['shop'] });
 * // manifest.archive.bytes: stored bytes; result.durationMs: milliseconds
 */
export async function backup(options: BackupOptions): Promise<BackupResult> {
  const now = options.now ?? (() => new Date());
  const logger = options.logger ?? SILENT_LOGGER;
  const startedAt = now();
  const compression = options.compression ?? 'gzip';
  const parallel = Math.max(1, options.parallel ?? DEFAULT_PARALLEL);
  const { storage, signal } = options;
  // Before the source is even contacted: an encryption asked for and impossible writes nothing. The
  // Encryption SDK and KMS client are loaded only then: some 150 ms that a plain backup is spared.
  const encryption = options.encrypt === undefined ? undefined : await (await import('../crypto/keys.js')).loadEncryptionKey(options.encrypt, signal);
  const lock = options.lockDays === undefined ? undefined : await requestedRetention(storage, options.lockDays, startedAt, signal);

  const client = await connectSource(options.uri, { connectTimeoutMs: options.connectTimeoutMs, signal: options.signal });
  try {
    const server = await readServerInfo(client);
    const namespaces = await readSourceCatalog(client, {
      databases: options.databases,
      include: options.include,
      exclude: options.exclude,
      // The archive's readers place timeseries data by the header's version: read it by the same rule.
      serverVersion: server.version,
      signal,
    });
    const warnings: string[] = [];
    if (namespaces.length === 0) warnings.push('no collections matched: the backup is empty');
    // Filled in by each collection's reader as it starts (collStats is slow on some servers: not up front).
    const expected = new Map<string, number>();
    options.onProgress?.({ kind: 'plan', namespaces: namespaces.map((ns) => ({ namespace: namespaceOf(ns) })) });

    signal?.throwIfAborted();
    const id = await reserveId(storage, startedAt, signal);
    logger.info('backup started', { id, destination: storage.displayUrl, namespaces: namespaces.length });
    const key = archiveKey(id, compression, encryption !== undefined);
    const summaries = new Map<string, NamespaceSummary>();
    let stored: StoredArchive;
    try {
      stored = await writeArchive({ client, storage, key, compression, parallel, namespaces, serverVersion: server.version, summaries, options, expected, lock, encryption: encryption && { key: encryption, backupId: id } });
    } catch (error) {
      await storage.delete(startedMarkerKey(id)).catch(() => undefined);
      throw withDetails(asAbort(error, signal), { backupId: id });
    }

    for (const ns of namespaces) {
      const name = namespaceOf(ns);
      const read = summaries.get(namespaceOf({ db: ns.db, collection: ns.dataCollection }))?.documents ?? 0;
      const before = expected.get(name);
      if (before !== undefined && before !== read) {
        warnings.push(`${name}: read ${read} documents, the server counted ${before} at the start (the collection changed during the backup)`);
      }
    }
    const manifest = buildManifest({ id, key, compression, startedAt, finishedAt: now(), uri: options.uri, server, namespaces, summaries, stored, warnings, trigger: options.trigger });
    signal?.throwIfAborted();
    await storage.put(manifestKey(id), Readable.from([Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)]), {
      ifAbsent: true,
      contentType: 'application/json',
      lock,
      signal,
    });
    await storage.delete(startedMarkerKey(id)).catch(() => undefined);
    for (const warning of warnings) logger.warn(warning, { id });
    logger.info('backup complete', { id, bytes: stored.archive.bytes, documents: manifest.totals.documents, ...(stored.encryption ? { encrypted: stored.encryption.keyring } : {}) });
    return { id, destination: storage.displayUrl, manifest, durationMs: now().getTime() - startedAt.getTime() };
  } finally {
    await client.close().catch(() => undefined);
  }
}

interface WriteArchiveInput {
  client: MongoClient;
  storage: Storage;
  key: string;
  compression: Compression;
  parallel: number;
  namespaces: SourceNamespace[];
  serverVersion: string;
  summaries: Map<string, NamespaceSummary>;
  options: BackupOptions;
  /** Documents each collection held when its read started, by namespace. */
  expected: Map<string, number>;
  encryption?: { key: EncryptionKey; backupId: string };
  lock: ObjectLock | undefined;
}

interface StoredArchive {
  /** The archive's size and SHA-256 (before encryption). */
  archive: { bytes: number; sha256: string };
  encryption?: ManifestEncryption;
  /** Its retention as the store applied it (explicit, or the bucket's default). */
  lock?: ObjectLock;
}

/**
 * Streams collections → archive framing → compression → sha256 → [encryption → sha256] →
 * storage, all with backpressure. Encryption sits after compression (ciphertext does not compress).
 */
async function writeArchive(input: WriteArchiveInput): Promise<StoredArchive> {
  const { client, namespaces, options, summaries } = input;
  const { signal, onProgress } = options;
  const prelude: PreludeEntry[] = namespaces.map((ns) => ({
    db: ns.db,
    collection: ns.collection,
    metadata: buildMetadataJson({ options: ns.options, indexes: ns.indexes, uuid: ns.uuid, collectionName: ns.collection, type: ns.type }),
    type: ns.type,
  }));
  const sources = namespaces.map((ns) => () => namespaceBlocks(client, ns, input.expected, options, input.parallel));
  const blocks = mergeLimited(sources, input.parallel);
  const archive = encodeArchive(
    { concurrentCollections: input.parallel, version: '0.1', serverVersion: input.serverVersion, toolVersion: `mongosafe-${TOOL_VERSION}` },
    prelude,
    blocks,
    {
      onNamespaceEnd: (summary) => {
        summaries.set(namespaceOf(summary), summary);
        onProgress?.({ kind: 'namespace-done', namespace: namespaceOf(summary), documents: summary.documents, bsonBytes: summary.bsonBytes });
      },
    },
  );

  const reportStored = (bytes: number) => onProgress?.({ kind: 'stored-bytes', bytes });
  const { encryption } = input;
  const digest = createDigestStream(encryption ? undefined : reportStored);
  const cipherDigest = encryption && createDigestStream(reportStored);
  const encrypted = encryption && cipherDigest ? [(await import('../crypto/streams.js')).encryptingStream(encryption.key, encryption.backupId), cipherDigest.stream] : [];

  let streamError: unknown;
  const stages = [Readable.from(archive, { objectMode: false, highWaterMark: 1 }), createCompressor(input.compression, { level: options.compressionLevel }), digest.stream, ...encrypted];
  const body = pipeline(stages, (error) => {
    // A premature close is what a storage that gave up on the body leaves here: its error is the one to report.
    if (error && error.code !== 'ERR_STREAM_PREMATURE_CLOSE') streamError = error;
  }) as unknown as Duplex;
  try {
    await input.storage.put(input.key, body, { ifAbsent: true, contentType: 'application/octet-stream', lock: input.lock, signal });
  } catch (error) {
    body.destroy();
    // The stream's own failure (a server error mid-read) explains more than the storage's view of it.
    throw streamError instanceof Error ? streamError : error;
  }
  if (streamError instanceof Error) throw streamError;
  const ciphertext = cipherDigest?.result();
  // Only a store that can lock (S3) is asked: the object says what retention it got, the bucket's default included.
  const applied = input.storage.objectLock ? (await input.storage.head(input.key, { signal }))?.lock : undefined;
  return {
    lock: applied,
    archive: digest.result(),
    encryption: encryption && ciphertext && { scheme: 'aws-encryption-sdk', ...encryption.key.description, ciphertextBytes: ciphertext.bytes, ciphertextSha256: ciphertext.sha256 },
  };
}

async function* namespaceBlocks(
  client: MongoClient,
  ns: SourceNamespace,
  expected: Map<string, number>,
  options: BackupOptions,
  parallel: number,
): AsyncGenerator<ArchiveBlock> {
  const size = ns.type === 'view' ? undefined : await collectionSize(client, ns);
  const expectedDocuments = size?.documents;
  if (expectedDocuments !== undefined) expected.set(namespaceOf(ns), expectedDocuments);
  const body = { db: ns.db, collection: ns.dataCollection };
  const name = namespaceOf(ns);
  let documents = 0;
  let bsonBytes = 0;
  if (ns.type !== 'view') {
    try {
      for await (const batch of readRawBatches(client, ns.db, ns.dataCollection, { signal: options.signal, batchSize: batchSizeFor(size, parallel) })) {
        documents += batch.length;
        for (const doc of batch) bsonBytes += doc.byteLength;
        options.onProgress?.({ kind: 'documents', namespace: name, documents, bsonBytes, expectedDocuments });
        yield { kind: 'documents', ...body, documents: batch };
      }
    } catch (error) {
      if (isMongosafeError(error)) throw withDetails(error, { namespace: name });
      throw new MongosafeError('SOURCE', `reading ${name} failed after ${documents} documents: ${error instanceof Error ? error.message : String(error)}`, 'the backup was not completed; run it again when the server is healthy', {
        cause: error,
        details: { namespace: name },
      });
    }
  }
  yield { kind: 'end', ...body };
}

interface CollectionSize {
  documents: number;
  /** Average BSON size of a document, when the server says. */
  averageBytes?: number;
}

/** Count and average size from collStats: for progress, the consistency check, and batch sizing. */
async function collectionSize(client: MongoClient, ns: SourceNamespace): Promise<CollectionSize | undefined> {
  try {
    const stats = await client.db(ns.db).command({ collStats: ns.dataCollection });
    const averageBytes = Number(stats.avgObjSize);
    return { documents: Number(stats.count), averageBytes: averageBytes > 0 ? averageBytes : undefined };
  } catch {
    // Only used for progress, a consistency warning and batch sizing: a server that cannot say is still backed up.
    return undefined;
  }
}

/**
 * Documents per server batch: 4 MiB shared by the cursors open at once (2 MiB
 * each at 2, 1 MiB at 4, at least 256 KiB), so the batches in memory stay near
 * 4 MiB whatever `--parallel` (each is held in the reply and again in the
 * archive chunk): a 1.3 GB backup peaked at 144 MB RSS at 4 and 138 MB at 8.
 * Still few round trips (Atlas shared tiers allow about 100 operations per
 * second), and bounded on servers that do not cap batches at 16 MiB (FerretDB).
 */
function batchSizeFor(size: CollectionSize | undefined, parallel: number): number {
  const targetBytes = Math.max(256 * 1024, Math.floor((4 * 1024 * 1024) / parallel));
  if (!size?.averageBytes) return 1000;
  return Math.max(1, Math.min(100_000, Math.floor(targetBytes / size.averageBytes)));
}

/**
 * Reserves the backup id by creating `data/<id>/started.json` if absent: two
 * backups started in the same second get `<id>` and `<id>-2`, and prune can
 * tell an interrupted backup (marker, no manifest) by the marker's age.
 */
async function reserveId(storage: Storage, startedAt: Date, signal?: AbortSignal): Promise<string> {
  for (let attempt = 1; attempt <= MAX_ID_ATTEMPTS; attempt++) {
    const id = idForTime(startedAt, attempt);
    if (await storage.head(manifestKey(id), { signal })) continue;
    try {
      const marker = JSON.stringify({ id, startedAt: startedAt.toISOString(), tool: `mongosafe ${TOOL_VERSION}` });
      await storage.put(startedMarkerKey(id), Readable.from([Buffer.from(marker)]), { ifAbsent: true, contentType: 'application/json', signal });
      return id;
    } catch (error) {
      if (!isMongosafeError(error, 'ALREADY_EXISTS')) throw error;
    }
  }
  throw new MongosafeError('STORAGE', `could not reserve a backup id in ${storage.displayUrl}`, 'too many backups started in the same second');
}

/**
 * Whatever failed once the signal fired failed because of it: ABORTED, with the reason's hint.
 * The message does not repeat the reason's: whoever aborted says why (the CLI's
 * Ctrl-C, the Lambda's deadline), and would otherwise say it twice.
 */
function asAbort(error: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted && !isMongosafeError(error, 'ABORTED')) {
    const reason: unknown = signal.reason;
    return new MongosafeError('ABORTED', 'the backup was interrupted; no manifest was written', reason instanceof MongosafeError ? reason.hint : undefined, {
      cause: error,
      details: { kind: 'aborted' },
    });
  }
  return error;
}

interface ManifestInput {
  id: string;
  key: string;
  compression: Compression;
  startedAt: Date;
  finishedAt: Date;
  uri: string;
  server: { version: string; topology: string };
  namespaces: SourceNamespace[];
  summaries: Map<string, NamespaceSummary>;
  stored: StoredArchive;
  warnings: string[];
  trigger?: BackupTrigger;
}

function buildManifest(input: ManifestInput): Manifest {
  const namespaces: ManifestNamespace[] = input.namespaces.map((ns) => {
    const summary = input.summaries.get(namespaceOf({ db: ns.db, collection: ns.dataCollection }));
    return {
      db: ns.db,
      collection: ns.collection,
      type: ns.type,
      documents: summary?.documents ?? 0,
      bsonBytes: summary?.bsonBytes ?? 0,
      crc64: crc64Hex(summary?.crc64 ?? 0n),
      indexes: ns.indexes.map((index) => ({ name: String(index.name), key: toPlainJson(index.key) as Record<string, unknown> })),
      options: toPlainJson(ns.options) as Record<string, unknown>,
    };
  });
  return {
    schemaVersion: 1,
    id: input.id,
    status: 'complete',
    tool: { name: 'mongosafe', version: TOOL_VERSION },
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    source: { uri: redactUri(input.uri), serverVersion: input.server.version, topology: input.server.topology },
    archive: {
      key: input.key,
      format: 'mongodump-archive',
      compression: input.compression,
      bytes: input.stored.archive.bytes,
      sha256: input.stored.archive.sha256,
      mongorestoreCompatible: input.compression !== 'zstd',
    },
    ...(input.stored.encryption ? { encryption: input.stored.encryption } : {}),
    ...(input.stored.lock ? { lock: { mode: input.stored.lock.mode, retainUntil: input.stored.lock.retainUntil.toISOString() } } : {}),
    namespaces,
    totals: {
      namespaces: namespaces.length,
      documents: namespaces.reduce((sum, ns) => sum + ns.documents, 0),
      bsonBytes: namespaces.reduce((sum, ns) => sum + ns.bsonBytes, 0),
    },
    warnings: input.warnings,
    ...(input.trigger ? { trigger: input.trigger } : {}),
  };
}

/** For people reading the manifest: relaxed extended JSON (exact types live in the archive). */
function toPlainJson(value: unknown): unknown {
  return BSON.EJSON.serialize({ value }, { relaxed: true }).value;
}
