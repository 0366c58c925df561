/**
 * Streaming archive reader: checks framing, namespace headers, each namespace's CRC-64 and
 * completeness, and yields raw documents in bounded batches. Follows the reader state machine
 * of the research note (Appendix A); byte layout in SPEC.md.
 *
 * Any malformed input ends in a MongosafeError('CORRUPT') that names the problem, the
 * namespace when known, and the offset in the uncompressed stream.
 */
import { bodyNamespaceOf } from './body-namespace.js';
import { ByteQueue, NEED_MORE, TERMINATOR_ITEM, type Item } from './byte-queue.js';
import { crc64Hex } from './crc64.js';
import { ARCHIVE_MAGIC, corruptArchive } from './format.js';
import { decodeNamespaceHeader } from './namespace-header.js';
import { NamespaceTally } from './namespace-tally.js';
import { decodeHeader, decodePreludeEntry } from './prelude.js';
import { namespaceOf, type ArchiveEvent, type ArchiveHeader, type NamespaceSummary, type PreludeEntry } from './types.js';

export interface ReadArchiveOptions {
  /** Most documents per `documents` event (default 1000, mongorestore's insert batch). */
  batchDocuments?: number;
  /** Most document bytes per `documents` event (default 16 MiB); a larger single document gets its own. */
  batchBytes?: number;
}

/** What the generator returns once the whole archive has been read and checked. */
export interface ArchiveReadResult {
  header: ArchiveHeader;
  prelude: PreludeEntry[];
  /** Completed namespaces in the order their EOF blocks appeared. */
  namespaces: NamespaceSummary[];
  /** Length of the uncompressed archive. */
  bytes: number;
}

const DEFAULT_BATCH_DOCUMENTS = 1000;
const DEFAULT_BATCH_BYTES = 16 * 1024 * 1024;

/**
 * Reads a mongodump archive (uncompressed; see decompressAuto in compression.ts).
 * Events come in stream order; `end-of-namespace` only after that namespace's CRC and
 * framing were checked. Documents are views into the source's chunks: copy them to keep them
 * past the next chunk if the source reuses its buffers (Node streams do not).
 */
export async function* readArchive(
  source: AsyncIterable<Uint8Array>,
  options: ReadArchiveOptions = {},
): AsyncGenerator<ArchiveEvent, ArchiveReadResult, undefined> {
  const batchDocuments = options.batchDocuments ?? DEFAULT_BATCH_DOCUMENTS;
  const batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
  const iterator = source[Symbol.asyncIterator]();
  const queue = new ByteQueue(iterator);
  try {
    const header = await readHeader(queue);
    yield { kind: 'header', header };
    const prelude = await readPrelude(queue);
    yield { kind: 'prelude', entries: prelude };

    /** Body namespaces the prelude announces, and which of them are open or done. */
    const expected = new Set(prelude.map((entry) => namespaceOf(bodyNamespaceOf(entry, header.serverVersion))));
    const open = new Map<string, NamespaceTally>();
    const done = new Map<string, NamespaceSummary>();

    for (;;) {
      const offset = queue.position;
      if (done.size === expected.size) {
        // Every namespace is complete: the stream must end here (SPEC.md "Framing").
        if (queue.available > 0 || (await queue.fill())) {
          throw corruptArchive('trailing bytes after the last namespace was complete', { offset }, 'archives cannot be concatenated or padded; the file was damaged or appended to');
        }
        break;
      }
      const item = await nextItem(queue);
      if (item === undefined) break;
      if (item === TERMINATOR_ITEM) {
        throw corruptArchive('a terminator where a namespace header should be (consecutive terminators)', { offset });
      }
      const nsHeader = decodeNamespaceHeader(item, offset);
      const name = namespaceOf(nsHeader);
      const at = { offset, namespace: name };
      if (!expected.has(name)) {
        throw corruptArchive('the body names a namespace that is not in the prelude', at);
      }
      if (done.has(name)) {
        throw corruptArchive('a namespace header after that namespace\'s EOF block', at);
      }
      let state = open.get(name);
      if (!nsHeader.eof) {
        if (state === undefined) {
          state = new NamespaceTally(nsHeader.db, nsHeader.collection);
          open.set(name, state);
        }
        // A data segment: documents up to the terminator, in batches that never span segments.
        let batch: Uint8Array[] = [];
        let batchSize = 0;
        for (;;) {
          const docOffset = queue.position;
          // Most documents are already buffered: await only when the queue needs more input.
          const ready = queue.tryReadItem(name);
          const doc = ready === NEED_MORE ? await nextItem(queue, name) : ready;
          if (doc === TERMINATOR_ITEM) break;
          if (doc === undefined) throw corruptArchive('the archive ends inside a data segment', { offset: docOffset, namespace: name });
          if (batch.length > 0 && (batch.length >= batchDocuments || batchSize + doc.length > batchBytes)) {
            state.addAll(batch);
            yield { kind: 'documents', db: state.db, collection: state.collection, documents: batch };
            batch = [];
            batchSize = 0;
          }
          batch.push(doc);
          batchSize += doc.length;
        }
        if (batch.length > 0) {
          state.addAll(batch);
          yield { kind: 'documents', db: state.db, collection: state.collection, documents: batch };
        }
        continue;
      }

      // An EOF block: the header, then a terminator and nothing else.
      const afterOffset = queue.position;
      const after = await nextItem(queue, name);
      if (after === undefined) throw corruptArchive('the archive ends right after an EOF header', { offset: afterOffset, namespace: name });
      if (after !== TERMINATOR_ITEM) throw corruptArchive('a document after an EOF header', { offset: afterOffset, namespace: name });
      const summary = (state ?? new NamespaceTally(nsHeader.db, nsHeader.collection)).summary();
      const computed = summary.crc64;
      if (computed !== nsHeader.crc) {
        throw corruptArchive(
          `CRC mismatch: the EOF block says ${crc64Hex(nsHeader.crc)}, the documents hash to ${crc64Hex(computed)}`,
          at,
          'documents of this namespace were altered or lost; restore from another backup',
          { kind: 'checksum' },
        );
      }
      open.delete(name);
      done.set(name, summary);
      yield { kind: 'end-of-namespace', ...summary };
    }

    const end = { offset: queue.position };
    if (open.size > 0) {
      throw corruptArchive(`the archive ends before the EOF block of ${[...open.keys()].join(', ')}`, end, 'the archive is truncated');
    }
    const missing = [...expected].filter((name) => !done.has(name));
    if (missing.length > 0) {
      throw corruptArchive(`the archive ends without any block of ${missing.join(', ')} (listed in the prelude)`, end, 'the archive is truncated');
    }
    return { header, prelude, namespaces: [...done.values()], bytes: queue.position };
  } finally {
    // Stop the source when the consumer stops early or we fail, so its file or socket closes.
    await iterator.return?.();
  }
}

async function readHeader(queue: ByteQueue): Promise<ArchiveHeader> {
  if (!(await queue.ensure(ARCHIVE_MAGIC.length))) {
    throw corruptArchive(
      queue.available === 0 ? 'the stream is empty' : 'the stream is shorter than the archive magic',
      { offset: queue.position + queue.available },
      'this is not a mongodump archive',
    );
  }
  const magic = queue.take(ARCHIVE_MAGIC.length);
  if (!ARCHIVE_MAGIC.every((byte, i) => magic[i] === byte)) {
    const seen = [...magic].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
    const gzip = magic[0] === 0x1f && magic[1] === 0x8b;
    throw corruptArchive(
      `wrong magic bytes ${seen}, expected 6d e2 99 81`,
      { offset: 0 },
      gzip ? 'the input is gzip-compressed: decompress it first' : 'this is not a mongodump --archive stream (or it is compressed)',
    );
  }
  const offset = queue.position;
  const item = await nextItem(queue);
  if (item === undefined || item === TERMINATOR_ITEM) throw corruptArchive('no header document after the magic bytes', { offset });
  return decodeHeader(item, offset);
}

async function readPrelude(queue: ByteQueue): Promise<PreludeEntry[]> {
  const entries: PreludeEntry[] = [];
  for (;;) {
    const offset = queue.position;
    const item = await nextItem(queue);
    if (item === TERMINATOR_ITEM) return entries;
    if (item === undefined) throw corruptArchive('the archive ends inside the prelude', { offset });
    entries.push(decodePreludeEntry(item, offset));
  }
}

/**
 * The next item, waiting for the source only when it is not wholly buffered; undefined at a
 * clean end of stream (between items), a CORRUPT error for an end inside an item.
 */
async function nextItem(queue: ByteQueue, namespace?: string): Promise<Item | undefined> {
  for (;;) {
    const item = queue.tryReadItem(namespace);
    if (item !== NEED_MORE) return item;
    if (await queue.fill()) continue;
    if (queue.available === 0) return undefined;
    const length = queue.pendingLength();
    const problem =
      length === undefined
        ? `the archive ends inside a length prefix (${queue.available} of 4 bytes)`
        : `the archive ends inside a ${length}-byte document (${queue.available} bytes present)`;
    throw corruptArchive(problem, { offset: queue.position, namespace }, 'the archive is truncated');
  }
}
