// Small stream plumbing the archive tests share: bytes in, bytes or events out.
import { serialize, type Document } from 'bson';
import { readArchive, type ArchiveReadResult, type ReadArchiveOptions } from '../../../src/archive/reader.js';
import type { ArchiveBlock, ArchiveEvent, PreludeEntry } from '../../../src/archive/types.js';
import { encodeArchive } from '../../../src/archive/writer.js';

/** Concatenates everything an async iterable of byte chunks yields. */
export async function concatAll(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

/** An archive as the project's writer encodes it, from a source server of `serverVersion`. */
export function writtenArchive(serverVersion: string, prelude: PreludeEntry[], blocks: ArchiveBlock[]): Promise<Uint8Array> {
  return concatAll(encodeArchive({ concurrentCollections: 1, version: '0.1', serverVersion, toolVersion: 'mongosafe-test' }, prelude, blocks));
}

/** Each namespace in turn: its documents (none for a view), then its end. */
export function blocksOf(namespaces: Array<{ db: string; collection: string; documents: Uint8Array[] }>): ArchiveBlock[] {
  return namespaces.flatMap(({ db, collection, documents }): ArchiveBlock[] => [
    ...(documents.length > 0 ? [{ kind: 'documents' as const, db, collection, documents }] : []),
    { kind: 'end', db, collection },
  ]);
}

/** Yields `bytes` in pieces of `size` (the last may be shorter), asynchronously. */
export async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) {
    await Promise.resolve();
    yield bytes.subarray(at, Math.min(bytes.length, at + size));
  }
}

/** Reads a whole archive; returns every event and the reader's final result. */
export async function readEverything(
  bytes: Uint8Array,
  chunkSize = 64 * 1024,
  options?: ReadArchiveOptions,
): Promise<{ events: ArchiveEvent[]; result: ArchiveReadResult }> {
  const events: ArchiveEvent[] = [];
  const reader = readArchive(chunked(bytes, chunkSize), options);
  for (;;) {
    const step = await reader.next();
    if (step.done === true) return { events, result: step.value };
    events.push(step.value);
  }
}

/** The error a promise rejects with; fails the test if it resolves. */
export { rejectionOf } from '../../helpers/thrown.js';

export function bsonDoc(doc: Document): Uint8Array {
  return serialize(doc);
}

/** Documents per body namespace, as the reader delivered them. */
export function documentsByNamespace(events: ArchiveEvent[]): Map<string, Uint8Array[]> {
  const out = new Map<string, Uint8Array[]>();
  for (const event of events) {
    if (event.kind !== 'documents') continue;
    const name = `${event.db}.${event.collection}`;
    const list = out.get(name) ?? [];
    list.push(...event.documents);
    out.set(name, list);
  }
  return out;
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** A seeded PRNG (mulberry32), so a failing random case can be replayed from its seed. */
export function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
