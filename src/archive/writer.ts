/**
 * Streaming archive writer: frames raw BSON documents into a mongodump archive that
 * mongorestore accepts (SPEC.md "Layout", "Body rules"), computing each namespace's CRC-64
 * and totals on the way. Documents pass through as bytes and are never decoded.
 *
 * The writer enforces the rules whose violation mongorestore reports late or never (an
 * unknown namespace, a namespace never ended, more open namespaces than announced, which
 * makes mongorestore hang): a broken archive is never produced silently.
 */
import { Buffer } from 'node:buffer';
import { MongosafeError } from '../errors.js';
import { bodyNamespaceOf } from './body-namespace.js';
import {
  ARCHIVE_FORMAT_VERSION,
  ARCHIVE_MAGIC,
  MAX_WRITE_DOCUMENT_BYTES,
  MIN_DOCUMENT_BYTES,
  TERMINATOR_BYTES,
  readInt32,
} from './format.js';
import { encodeNamespaceHeader } from './namespace-header.js';
import { NamespaceTally } from './namespace-tally.js';
import { encodeHeader, encodePreludeEntry } from './prelude.js';
import { parseServerVersion } from './server-version.js';
import { namespaceOf, type ArchiveBlock, type ArchiveHeader, type NamespaceSummary, type PreludeEntry } from './types.js';

export type { ArchiveBlock } from './types.js';

export interface EncodeArchiveOptions {
  /** Called once per namespace, right after its EOF block was written. */
  onNamespaceEnd?: (summary: NamespaceSummary) => void;
  /** Largest chunk the generator yields, except single documents larger than it (default 1 MiB). */
  chunkBytes?: number;
}

/**
 * 1 MiB chunks: large enough that per-chunk costs (stream bookkeeping, gzip member
 * boundaries downstream) vanish, small enough to keep memory flat.
 */
const DEFAULT_CHUNK_BYTES = 1024 * 1024;

/** A prelude namespace's totals, and whether its first header and its EOF block were written. */
interface NamespaceState {
  tally: NamespaceTally;
  opened: boolean;
  ended: boolean;
}

/**
 * Encodes an archive, pulling blocks on demand: memory stays at one block plus one chunk.
 * Blocks name body namespaces (see ArchiveBlock). Returns the namespaces' summaries in the
 * order they ended. Yielded chunks are fresh buffers, except that a document at least as large
 * as a chunk is yielded as the caller's own buffer.
 *
 * Throws MongosafeError: USAGE for a bad `concurrentCollections`, SOURCE for a server version
 * mongorestore cannot parse or a document that is not one whole BSON document of at most
 * 16 MiB, INTERNAL when blocks break the archive's rules (caller bugs).
 */
export async function* encodeArchive(
  header: ArchiveHeader,
  prelude: PreludeEntry[],
  blocks: AsyncIterable<ArchiveBlock> | Iterable<ArchiveBlock>,
  options: EncodeArchiveOptions = {},
): AsyncGenerator<Uint8Array, NamespaceSummary[], undefined> {
  checkHeader(header);
  const namespaces = namespacesOf(prelude, header.serverVersion);
  const out = new ChunkBuilder(options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  const summaries: NamespaceSummary[] = [];

  out.write(new Uint8Array(ARCHIVE_MAGIC));
  out.write(encodeHeader(header));
  for (const entry of prelude) out.write(encodePreludeEntry(entry));
  out.write(TERMINATOR_BYTES);

  let openCount = 0;
  /** The namespace whose data segment is open (header written, terminator not yet). */
  let segment: NamespaceState | undefined;

  const openSegment = (state: NamespaceState): void => {
    if (segment === state) return;
    closeSegment();
    if (!state.opened) {
      if (openCount >= header.concurrentCollections) {
        const open = [...namespaces.entries()].filter(([, ns]) => ns.opened && !ns.ended).map(([name]) => name);
        throw new MongosafeError(
          'INTERNAL',
          `archive writer: opening ${namespaceOf(state.tally)} would make ${openCount + 1} namespaces open at once, more than concurrent_collections ${header.concurrentCollections} (open: ${open.join(', ')}); mongorestore would hang`,
        );
      }
      state.opened = true;
      openCount++;
    }
    out.write(encodeNamespaceHeader({ db: state.tally.db, collection: state.tally.collection, eof: false, crc: 0n }));
    segment = state;
  };
  const closeSegment = (): void => {
    if (segment === undefined) return;
    out.write(TERMINATOR_BYTES);
    segment = undefined;
  };

  for await (const block of blocks) {
    const name = namespaceOf(block);
    const state = namespaces.get(name);
    if (state === undefined) {
      throw new MongosafeError('INTERNAL', `archive writer: block for ${name}, which is not in the prelude (blocks name the body namespace)`);
    }
    if (state.ended) throw new MongosafeError('INTERNAL', `archive writer: block for ${name} after its end`);

    if (block.kind === 'documents') {
      openSegment(state);
      block.documents.forEach((doc, index) => checkDocument(doc, state.tally, index));
      state.tally.addAll(block.documents);
      for (const doc of block.documents) {
        out.write(doc);
        if (out.ready.length > 0) yield* out.takeReady();
      }
    } else {
      // An empty namespace still gets an (empty) data segment before its EOF block, as mongodump writes it.
      if (!state.opened) openSegment(state);
      closeSegment();
      const summary = state.tally.summary();
      out.write(encodeNamespaceHeader({ db: summary.db, collection: summary.collection, eof: true, crc: summary.crc64 }));
      out.write(TERMINATOR_BYTES);
      state.ended = true;
      openCount--;
      summaries.push(summary);
      options.onNamespaceEnd?.(summary);
    }
    if (out.ready.length > 0) yield* out.takeReady();
  }

  const unfinished = [...namespaces.entries()].filter(([, ns]) => !ns.ended).map(([name]) => name);
  if (unfinished.length > 0) {
    throw new MongosafeError('INTERNAL', `archive writer: blocks ended without an end for ${unfinished.join(', ')}; mongorestore would reject the archive`);
  }
  out.flush();
  yield* out.takeReady();
  return summaries;
}

function checkHeader(header: ArchiveHeader): void {
  const cc = header.concurrentCollections;
  if (!Number.isInteger(cc) || cc < 1 || cc > 2 ** 31 - 1) {
    throw new MongosafeError('USAGE', `concurrent collections must be a whole number from 1, got ${cc}`);
  }
  if (header.version !== ARCHIVE_FORMAT_VERSION) {
    throw new MongosafeError('INTERNAL', `archive writer: format version must be "${ARCHIVE_FORMAT_VERSION}", got "${header.version}"`);
  }
  if (parseServerVersion(header.serverVersion) === undefined) {
    throw new MongosafeError(
      'SOURCE',
      `server version "${header.serverVersion}" is not of the form X.Y.Z[-suffix]`,
      'mongorestore 100.16.0 and later refuse such archives; check what buildInfo reports for the source',
    );
  }
}

/** Per body namespace of the prelude, its running state; rejects entries mongorestore cannot place. */
function namespacesOf(prelude: PreludeEntry[], serverVersion: string): Map<string, NamespaceState> {
  const namespaces = new Map<string, NamespaceState>();
  for (const entry of prelude) {
    if (entry.collection === '') throw new MongosafeError('INTERNAL', `archive writer: prelude entry in db "${entry.db}" has no collection name`);
    // Only the oplog may have an empty db: mongorestore skips other top-level entries (SPEC.md "Prelude").
    if (entry.db === '' && entry.collection !== 'oplog') {
      throw new MongosafeError('INTERNAL', `archive writer: prelude entry "${entry.collection}" has no database name`);
    }
    const body = bodyNamespaceOf(entry, serverVersion);
    const name = namespaceOf(body);
    if (namespaces.has(name)) throw new MongosafeError('INTERNAL', `archive writer: ${name} appears twice in the prelude`);
    namespaces.set(name, { tally: new NamespaceTally(body.db, body.collection), opened: false, ended: false });
  }
  return namespaces;
}

/** `index`: the document's place in its block, which follows the `tally.documents` already counted. */
function checkDocument(doc: Uint8Array, tally: NamespaceTally, index: number): void {
  const problem = documentProblem(doc);
  if (problem === undefined) return;
  throw new MongosafeError('SOURCE', `document ${tally.documents + index + 1} of ${namespaceOf(tally)} ${problem}`, 'documents are passed through as raw BSON and must be whole documents');
}

/** What is wrong with a document's framing, if anything; runs once per document, so no allocations. */
function documentProblem(doc: Uint8Array): string | undefined {
  if (!(doc instanceof Uint8Array)) return 'is not a byte array';
  const length = doc.length;
  if (length < MIN_DOCUMENT_BYTES) return `is only ${length} bytes long`;
  if (length > MAX_WRITE_DOCUMENT_BYTES) return `is ${length} bytes, more than the 16 MiB mongorestore can read from an archive`;
  const prefix = readInt32(doc, 0);
  if (prefix !== length) return `has length prefix ${prefix} but ${length} bytes`;
  if (doc[length - 1] !== 0) return 'does not end with a NUL byte';
  return undefined;
}

/** Packs small writes into chunks of a fixed size, so consumers see few, large buffers. */
class ChunkBuilder {
  private buffer: Buffer;
  private used = 0;
  /** Complete chunks waiting to be yielded. */
  readonly ready: Uint8Array[] = [];

  constructor(private readonly size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  write(bytes: Uint8Array): void {
    if (bytes.length <= this.size - this.used) {
      this.buffer.set(bytes, this.used);
      this.used += bytes.length;
      if (this.used === this.size) this.flush();
      return;
    }
    if (bytes.length >= this.size) {
      // A document as big as a chunk goes out as it is: copying it would gain nothing.
      this.flush();
      this.ready.push(bytes);
      return;
    }
    const head = this.size - this.used;
    this.buffer.set(bytes.subarray(0, head), this.used);
    this.used = this.size;
    this.flush();
    this.buffer.set(bytes.subarray(head), 0);
    this.used = bytes.length - head;
  }

  flush(): void {
    if (this.used === 0) return;
    this.ready.push(this.buffer.subarray(0, this.used));
    // Yielded chunks belong to the consumer from then on: never reuse their memory.
    this.buffer = Buffer.allocUnsafe(this.size);
    this.used = 0;
  }

  takeReady(): Uint8Array[] {
    return this.ready.splice(0);
  }
}
