import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { entriesByBodyNamespace } from '../archive/body-namespace.js';
import { crc64Hex } from '../archive/crc64.js';
import { decompressAuto, detectCompression } from '../archive/compression.js';
import { readCollectionFile, readDirectoryDump } from '../archive/directory-reader.js';
import { dumpFileName } from '../archive/dump-file-names.js';
import { readArchive } from '../archive/reader.js';
import { namespaceOf, type ArchiveEvent } from '../archive/types.js';
import type { DecryptionKey } from '../crypto/keys.js';
import { MongosafeError, withDetails } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import { createDigestStream } from '../util/digest-stream.js';
import { READ_CHUNK_BYTES } from '../util/bytes.js';
import { readFileStart } from '../util/file-start.js';
import { joinStreams } from '../util/join-streams.js';
import { readManifest, resolveBackupId } from './catalog.js';
import { ArchiveSpool, type SpoolOptions } from './archive-spool.js';
import { ensureReadable, type ReadableOptions } from './cold-archive.js';
import type { Manifest } from './manifest.js';

/**
 * Something restore, verify and inspect can read: a backup in a destination
 * (with its manifest), a mongodump archive file, or a mongodump directory.
 * `events()` may be called more than once: restore reads twice (check, then write).
 */
export interface BackupSource {
  /** 'directory' also for one collection file of a directory dump (`<c>.bson`). */
  kind: 'backup' | 'archive' | 'directory';
  /** For people: "backup 20261126T030000Z in s3://…" or the file path. */
  description: string;
  id?: string;
  manifest?: Manifest;
  /**
   * The archive's events. Every namespace's CRC and count is checked by the
   * reader; with a manifest, also the object's size and sha256 (after the last
   * event) and each namespace against its manifest entry. Problems throw CORRUPT.
   */
  events(signal?: AbortSignal): AsyncGenerator<ArchiveEvent>;
  /**
   * Backups with a manifest: proves the stored object is exactly what the
   * backup wrote (size and SHA-256; decrypted, when encrypted), without decompressing or parsing it.
   */
  checkStoredObject?(signal?: AbortSignal, options?: { decrypt?: boolean }): Promise<void>;
  /** Backups with a manifest: the archive as the backup wrote it (decrypted), and its checks. */
  archiveBytes?(signal?: AbortSignal): Promise<ArchiveBytes>;
  /** Lets go of what reading it kept (the local copy of a remote backup: `OpenOptions.spool`). */
  close?(): Promise<void>;
}

export interface OpenOptions extends Omit<ReadableOptions, 'signal'> {
  /** The key of an encrypted backup (`key-file:`, `private-key:`; KMS needs none): see `BackupRef.decryptKey`. */
  decryptKey?: string;
  /**
   * Keep a local copy of a backup in a remote destination from its first whole read on, so that
   * the passes after it (restore's writes, the oplog's replay) download nothing: for readers that
   * read a backup more than once. `close()` deletes it.
   */
  spool?: SpoolOptions;
}

/**
 * Documents per event: restore inserts each event as one batch and keeps a few
 * in flight, each held as read and again as the insert message, so 4 MiB (not
 * the 16 MiB an insert may carry) keeps restores of large documents in bounded memory.
 */
const READ_BATCHES = { batchDocuments: 1000, batchBytes: 4 * 1024 * 1024 };

/** An argument that names an existing path, or contains "/", is a file; otherwise an id or "latest". */
async function isPathArgument(ref: string): Promise<boolean> {
  if (ref.includes('/')) return true;
  try {
    await stat(ref);
    return true;
  } catch {
    return false;
  }
}

/**
 * Opens what `ref` names (a `BackupRef`'s `backup`). For a stored backup the archive must be
 * readable: one in S3 Glacier gets a restore request first (`readable.wait` polls). `storage`
 * is called only when `ref` is not a path. Internal: restore, verify and inspect take a
 * `BackupRef` and open it here; docs/design.md ("Library API") says why this stays unexported.
 */
export async function openBackupSource(ref: string, storage: () => Promise<Storage>, signal?: AbortSignal, options: OpenOptions = {}): Promise<BackupSource> {
  if (await isPathArgument(ref)) return openPath(resolve(ref));
  const store = await storage();
  const id = await resolveBackupId(store, ref, signal);
  const manifest = await readManifest(store, id, signal);
  const { decryptKey, ...readable } = options;
  await ensureReadable(store, manifest.archive.key, `backup ${id}`, { ...readable, signal });
  const { encryption } = manifest;
  // Loaded when the archive is first read, so that inspect needs no key (nor the Encryption SDK, some 150 ms to load).
  let key: Promise<DecryptionKey> | undefined;
  const spool = options.spool && !store.local ? new ArchiveSpool(`backup ${id}`, options.spool) : undefined;
  const stored: StoredArchive = {
    store,
    manifest,
    spool,
    key: encryption && (() => (key ??= import('../crypto/keys.js').then(({ loadDecryptionKey }) => loadDecryptionKey(decryptKey, encryption, `backup ${id}`)))),
  };
  return {
    kind: 'backup',
    description: `backup ${id} in ${store.displayUrl}`,
    id,
    manifest,
    events: (sig) => checkedAgainstManifest(stored, sig),
    checkStoredObject: (sig, check) => withBackupId(id, () => checkStoredObject(stored, sig, check?.decrypt !== false)),
    archiveBytes: (sig) => withBackupId(id, () => openArchiveBytes(stored, sig)),
    ...(spool ? { close: () => spool.close() } : {}),
  };
}

async function withBackupId<T>(backupId: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw withDetails(error, { backupId });
  }
}

async function openPath(path: string): Promise<BackupSource> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new MongosafeError('NOT_FOUND', `${path} does not exist`, 'give a mongodump archive file, a mongodump directory or .bson file, a backup id or "latest"', {
      cause: error,
      details: { key: path, kind: 'not-found' },
    });
  }
  if (info.isDirectory()) {
    return { kind: 'directory', description: `mongodump directory ${path}`, events: (signal) => readDirectoryDump(path, { signal }) };
  }
  const dumpFile = dumpFileName(basename(path));
  if (dumpFile?.kind === 'data') {
    return { kind: 'directory', description: `mongodump collection file ${path}`, events: (signal) => readCollectionFile(path, { signal }) };
  }
  if (dumpFile?.kind === 'metadata') {
    throw new MongosafeError('USAGE', `${path} is a collection's metadata file, which holds no documents`, 'give the .bson file beside it, or the dump folder', {
      details: { key: path, kind: 'invalid' },
    });
  }
  await refuseNonArchive(path);
  return {
    kind: 'archive',
    description: `archive ${path}`,
    events: async function* (signal) {
      const { stream } = await decompressAuto(createReadStream(path, { signal, highWaterMark: READ_CHUNK_BYTES }));
      yield* readArchive(stream, READ_BATCHES);
    },
  };
}

/** A file that starts as no archive (plain, gzip or zstd) does: said at once, naming the file. */
async function refuseNonArchive(path: string): Promise<void> {
  const head = await readFileStart(path, 4);
  // Shorter files are left to the reader, which says "the archive is empty" or truncated.
  if (head.length < 4 || detectCompression(head) !== 'unknown') return;
  throw new MongosafeError(
    'CORRUPT',
    `${path} is not a mongodump archive, .bson file or dump folder (first bytes ${head.toString('hex').replace(/(..)(?!$)/g, '$1 ')})`,
    'give a mongodump --archive file (plain or gzip-compressed), a <collection>.bson file or a folder mongodump --out wrote',
    { details: { key: path, kind: 'invalid' } },
  );
}

/**
 * Reads a stored backup while checking it against its manifest: object size
 * and sha256 over the stored bytes, and per namespace the document count, BSON
 * bytes and CRC-64. The reader itself checks each namespace's CRC against the archive.
 */
async function* checkedAgainstManifest(source: StoredArchive, signal?: AbortSignal): AsyncGenerator<ArchiveEvent> {
  const { manifest } = source;
  const where = `backup ${manifest.id}`;
  const about = { backupId: manifest.id, key: manifest.archive.key };
  let archive: ArchiveBytes | undefined;
  try {
    archive = await openArchiveBytes(source, signal);
    const { stream } = await decompressAuto(archive.stream);
    const expected = new Map(manifest.namespaces.map((ns) => [namespaceOf(ns), ns]));
    const seen = new Set<string>();
    let serverVersion = '';
    // The body names a timeseries collection's data by its body namespace; the manifest names the collection.
    let collectionOfBody = new Map<string, { db: string; collection: string }>();
    for await (const event of readArchive(stream, READ_BATCHES)) {
      signal?.throwIfAborted();
      if (event.kind === 'header') serverVersion = event.header.serverVersion;
      else if (event.kind === 'prelude') collectionOfBody = entriesByBodyNamespace(event.entries, serverVersion);
      else if (event.kind === 'end-of-namespace') {
        const name = namespaceOf(event);
        const entry = expected.get(namespaceOf(collectionOfBody.get(name) ?? event));
        if (!entry) {
          throw new MongosafeError('CORRUPT', `${where}: namespace ${name} is in the archive but not in the manifest`, 'the archive does not belong to this manifest', {
            details: { ...about, namespace: name, kind: 'checksum' },
          });
        }
        if (entry.documents !== event.documents || entry.bsonBytes !== event.bsonBytes || entry.crc64 !== crc64Hex(event.crc64)) {
          throw new MongosafeError(
            'CORRUPT',
            `${where}: namespace ${name} has ${event.documents} documents of ${event.bsonBytes} bytes (CRC ${crc64Hex(event.crc64)}), the manifest says ${entry.documents} of ${entry.bsonBytes} (CRC ${entry.crc64})`,
            'the archive does not match its manifest; restore an older backup',
            // A different count says documents were lost or added; the same count, that bytes changed.
            { details: { ...about, namespace: name, kind: entry.documents === event.documents ? 'checksum' : 'count' } },
          );
        }
        seen.add(namespaceOf(entry));
      }
      yield event;
    }
    const missing = manifest.namespaces.map(namespaceOf).filter((name) => !seen.has(name));
    if (missing.length > 0) {
      // details name the first: the message names them all.
      throw new MongosafeError('CORRUPT', `${where}: namespaces missing from the archive: ${missing.join(', ')}`, 'the archive does not match its manifest', {
        details: { ...about, namespace: missing[0], kind: 'count' },
      });
    }
    archive.assertWhole();
  } catch (error) {
    // The reader's and the storage's errors know the namespace or key, not the backup.
    throw withDetails(archive ? archive.explain(error) : error, { backupId: manifest.id });
  } finally {
    // A consumer may stop early (restore reads only the prelude after checkStoredObject): let go of the object.
    archive?.stream.destroy();
  }
}

/**
 * Reads the stored object once without decompressing it: its size and SHA-256
 * must be the manifest's. Cheap (native hashing), and enough to prove the
 * archive is byte for byte what the backup wrote, CRCs and counts included.
 * An encrypted one is decrypted on the way, so a wrong key or an altered
 * frame is found here, before a restore writes anything.
 */
async function checkStoredObject(source: StoredArchive, signal: AbortSignal | undefined, decrypt: boolean): Promise<void> {
  const archive = decrypt ? await openArchiveBytes(source, signal) : await openStoredBytes(source, signal);
  try {
    await pipeline(archive.stream, new Writable({ write: (_chunk, _encoding, done) => done() }), { signal });
  } catch (error) {
    throw archive.explain(error);
  }
  archive.assertWhole();
}

/** A backup in a destination, as its readers need it: where, its manifest, and its decryption key when encrypted. */
interface StoredArchive {
  store: Storage;
  manifest: Manifest;
  /** The decryption key, for an encrypted backup. */
  key: (() => Promise<DecryptionKey>) | undefined;
  /** The local copy of a remote object, when the reader asked for one. */
  spool?: ArchiveSpool;
}

export interface ArchiveBytes {
  /** The archive's bytes (decrypted), as the backup wrote them; close it when done. */
  stream: Readable;
  /** Once the stream has ended: its size and SHA-256 (and the ciphertext's) are the manifest's, or CORRUPT. */
  assertWhole: () => void;
  /** A failure of the stream, said as what it means (a decryption failure as damage or a refused key). */
  explain: (error: unknown) => unknown;
}

/** What the stored object must be, as the manifest records it: the archive, or its ciphertext when encrypted. */
function storedAsWritten({ archive, encryption }: Manifest): { what: string; expected: { bytes: number; sha256: string } } {
  return encryption ? { what: 'encrypted archive', expected: { bytes: encryption.ciphertextBytes, sha256: encryption.ciphertextSha256 } } : { what: 'archive', expected: archive };
}

/**
 * The stored object as it is (ciphertext, when encrypted), with the digests that prove it is what
 * the backup wrote: from the local copy once one is kept, else downloaded (and copied, when asked).
 */
async function openStoredBytes({ store, manifest, spool }: StoredArchive, signal?: AbortSignal): Promise<ArchiveBytes> {
  const { what, expected } = storedAsWritten(manifest);
  const digest = createDigestStream();
  const kept = spool?.readKept(signal);
  const copy = kept ? undefined : await spool?.startCopy(expected.bytes);
  let body;
  try {
    body = kept ?? (await store.get(manifest.archive.key, { signal }));
  } catch (error) {
    await copy?.finish(false);
    throw error;
  }
  // Joined at once: the object may fail before its first byte, while a reader still waits for it.
  const stream = copy ? joinStreams(body, copy.stream, digest.stream) : joinStreams(body, digest.stream);
  return {
    stream,
    assertWhole: () => {
      let proven = false;
      try {
        assertDigest(manifest, what, digest.result(), expected);
        proven = true;
      } finally {
        void copy?.finish(proven);
      }
    },
    explain: (error) => error,
  };
}

/** The archive as the backup wrote it: the stored object, decrypted when encrypted, with the digests that prove it whole. */
async function openArchiveBytes(source: StoredArchive, signal?: AbortSignal): Promise<ArchiveBytes> {
  const { store, manifest, key } = source;
  if (!manifest.encryption) return openStoredBytes(source, signal);
  const where = `backup ${manifest.id}`;
  const { what, expected } = storedAsWritten(manifest);
  // A short object is said as such before decryption meets its end.
  const info = await store.head(manifest.archive.key, { signal });
  if (info && info.bytes !== expected.bytes) assertDigest(manifest, what, { bytes: info.bytes, sha256: '' }, expected);
  if (!key) throw new MongosafeError('INTERNAL', `${where} is encrypted and was opened without its key`);
  const { decryptingStream } = await import('../crypto/streams.js');
  const decryption = decryptingStream(await key(), manifest.id, where);
  const stored = await openStoredBytes(source, signal);
  const plain = createDigestStream();
  return {
    stream: joinStreams(stored.stream, decryption.stream, plain.stream),
    assertWhole: () => {
      stored.assertWhole();
      assertDigest(manifest, 'decrypted archive', plain.result(), manifest.archive);
    },
    explain: decryption.explain,
  };
}

/** `actual` (what was read as `what`) must be `expected`'s size and SHA-256, else CORRUPT naming both. */
function assertDigest(manifest: Manifest, what: string, actual: { bytes: number; sha256: string }, expected: { bytes: number; sha256: string }): void {
  const where = `backup ${manifest.id}`;
  const details = { backupId: manifest.id, key: manifest.archive.key, kind: 'checksum' as const };
  const name = `the ${what} ${manifest.archive.key}`;
  if (actual.bytes !== expected.bytes) {
    throw new MongosafeError('CORRUPT', `${where}: ${name} has ${actual.bytes} bytes, the manifest says ${expected.bytes}`, 'the stored object was truncated or replaced', { details });
  }
  if (actual.sha256 !== expected.sha256) {
    throw new MongosafeError('CORRUPT', `${where}: sha256 of ${name} is ${actual.sha256}, the manifest says ${expected.sha256}`, 'the stored object was changed after the backup', { details });
  }
}
