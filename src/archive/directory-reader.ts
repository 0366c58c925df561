import { createReadStream } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { MongosafeError } from '../errors.js';
import { READ_CHUNK_BYTES } from '../util/bytes.js';
import { joinStreams } from '../util/join-streams.js';
import { bodyNamespaceOf } from './body-namespace.js';
import { createDecompressor } from './compression.js';
import { NamespaceTally } from './namespace-tally.js';
import type { ArchiveEvent, PreludeEntry } from './types.js';

/**
 * Reads a mongodump directory dump (`<dir>/<db>/<collection>.bson[.gz]` and
 * `.metadata.json[.gz]`) as the same events the archive reader yields, so
 * restore, verify and inspect treat both alike. SPEC.md "Directory layout".
 * A directory that holds .bson files itself is read as one database.
 */
export async function* readDirectoryDump(root: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<ArchiveEvent> {
  const databases = await findDatabases(root);
  // Where timeseries data sits depends on the source server (SPEC.md "Prelude"); no prelude.json counts as 0.0.0.
  const serverVersion = (await readServerVersion(root)) ?? '0.0.0';
  const namespaces: DumpNamespace[] = [];
  for (const { db, dir } of databases) namespaces.push(...(await readDatabaseDir(db, dir, serverVersion)));
  if (namespaces.length === 0) {
    throw new MongosafeError('CORRUPT', `${root} holds no mongodump output (no <db>/<collection>.bson or .metadata.json files)`, 'give the folder mongodump --out wrote, or an archive file');
  }
  yield {
    kind: 'header',
    header: { concurrentCollections: 1, version: '0.1', serverVersion, toolVersion: 'mongodump-directory' },
  };
  yield { kind: 'prelude', entries: namespaces.map((ns) => ns.entry) };
  for (const ns of namespaces) {
    options.signal?.throwIfAborted();
    const tally = new NamespaceTally(ns.entry.db, ns.bodyCollection);
    if (ns.dataFile) {
      for await (const batch of readBsonFile(ns.dataFile, options.signal)) {
        tally.addAll(batch);
        yield { kind: 'documents', db: ns.entry.db, collection: ns.bodyCollection, documents: batch };
      }
    }
    yield { kind: 'end-of-namespace', ...tally.summary() };
  }
}

interface DumpNamespace {
  entry: PreludeEntry;
  /** The body namespace of the entry's documents: `bodyNamespaceOf`. */
  bodyCollection: string;
  dataFile?: string;
}

async function findDatabases(root: string): Promise<Array<{ db: string; dir: string }>> {
  const entries = await readdir(root, { withFileTypes: true }).catch((error: unknown) => {
    throw new MongosafeError('NOT_FOUND', `cannot read the directory ${root}`, undefined, { cause: error });
  });
  if (entries.some((e) => e.isFile() && /\.(bson|metadata\.json)(\.gz)?$/.test(e.name))) return [{ db: basename(root), dir: root }];
  return entries.filter((e) => e.isDirectory()).map((e) => ({ db: e.name, dir: join(root, e.name) })).sort((a, b) => a.db.localeCompare(b.db));
}

async function readDatabaseDir(db: string, dir: string, serverVersion: string): Promise<DumpNamespace[]> {
  const files = (await readdir(dir)).sort();
  const byName = new Map<string, { data?: string; metadata?: string }>();
  for (const file of files) {
    const match = /^(.*)\.(bson|metadata\.json)(\.gz)?$/.exec(file);
    if (!match?.[1] || match[1].startsWith('$admin.')) continue;
    const name = unescapeCollection(match[1]);
    const slot = byName.get(name) ?? {};
    if (match[2] === 'bson') slot.data = join(dir, file);
    else slot.metadata = join(dir, file);
    byName.set(name, slot);
  }
  const found: Array<{ name: string; dataStem: string; namespace: DumpNamespace }> = [];
  for (const [name, files] of byName) {
    const metadata = files.metadata ? await readMaybeGzip(files.metadata) : '';
    const parsed = metadata ? (JSON.parse(metadata) as { collectionName?: string; type?: string; options?: { viewOn?: string; timeseries?: unknown } }) : {};
    const collection = parsed.collectionName ?? name;
    const type = parsed.type ?? (parsed.options?.viewOn ? 'view' : parsed.options?.timeseries ? 'timeseries' : 'collection');
    const entry = { db, collection, metadata, type };
    // Long names are shortened in file names: the data file follows the rule applied to the file's own name.
    const dataStem = bodyNamespaceOf({ db, collection: name, type }, serverVersion).collection;
    found.push({ name, dataStem, namespace: { entry, bodyCollection: bodyNamespaceOf(entry, serverVersion).collection, dataFile: byName.get(dataStem)?.data } });
  }
  // An old-style timeseries collection's system.buckets.X.bson is its data, not a collection of its own.
  const dataOfOthers = new Set(found.filter((ns) => ns.dataStem !== ns.name).map((ns) => ns.dataStem));
  return found.filter((ns) => !dataOfOthers.has(ns.name)).map((ns) => ns.namespace);
}

async function readServerVersion(root: string): Promise<string | undefined> {
  for (const file of ['prelude.json', 'prelude.json.gz']) {
    try {
      const parsed = JSON.parse(await readMaybeGzip(join(root, file))) as { ServerVersion?: unknown };
      if (typeof parsed.ServerVersion === 'string' && /^\d+\.\d+\.\d+/.test(parsed.ServerVersion)) return parsed.ServerVersion;
    } catch {
      // prelude.json is optional (mongodump writes it since 100.12.0).
    }
  }
  return undefined;
}

async function readMaybeGzip(path: string): Promise<string> {
  const bytes = await readFile(path);
  return (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}

/** Go's url.QueryUnescape, which mongodump's file names use: "+" is a space. */
function unescapeCollection(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024 + 16 * 1024;
const BATCH_DOCUMENTS = 1000;
const BATCH_BYTES = 4 * 1024 * 1024;

/** Splits a concatenation of BSON documents into bounded batches, streaming. */
async function* readBsonFile(path: string, signal?: AbortSignal): AsyncGenerator<Uint8Array[]> {
  const size = (await stat(path)).size;
  let stream: Readable = createReadStream(path, { signal, highWaterMark: READ_CHUNK_BYTES });
  // The archive's decompressor: 1 MiB output chunks, and damage reported as CORRUPT. Joined,
  // not piped, so that failing to read the file also ends the loop below.
  if (path.endsWith('.gz')) stream = joinStreams(stream, createDecompressor('gzip', path));
  let pending: Buffer = Buffer.alloc(0);
  let offset = 0;
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let position = 0;
    while (pending.length - position >= 4) {
      const length = pending.readInt32LE(position);
      if (length < 5 || length > MAX_DOCUMENT_BYTES) {
        throw new MongosafeError('CORRUPT', `${path}: invalid BSON length ${length} at byte ${offset + position}`, 'the dump file is damaged');
      }
      if (pending.length - position < length) break;
      const doc = pending.subarray(position, position + length);
      if (doc[length - 1] !== 0) throw new MongosafeError('CORRUPT', `${path}: the document at byte ${offset + position} does not end with a NUL byte`, 'the dump file is damaged');
      batch.push(doc);
      batchBytes += length;
      position += length;
      if (batch.length >= BATCH_DOCUMENTS || batchBytes >= BATCH_BYTES) {
        yield batch;
        batch = [];
        batchBytes = 0;
      }
    }
    offset += position;
    pending = pending.subarray(position);
  }
  if (pending.length > 0) throw new MongosafeError('CORRUPT', `${path}: truncated document at byte ${offset} of ${size}`, 'the dump file is damaged');
  if (batch.length > 0) yield batch;
}
