// Random archives through writer and reader: random interleavings within concurrent_collections,
// empty namespaces, many namespaces, random document shapes and random input chunking.
import { Binary, Double, Int32, Long, serialize } from 'bson';
import { describe, expect, it } from 'vitest';
import { crc64 } from '../../../src/archive/crc64.js';
import { encodeArchive } from '../../../src/archive/writer.js';
import type { ArchiveBlock, NamespaceSummary, PreludeEntry } from '../../../src/archive/types.js';
import { concatAll, documentsByNamespace, hex, randomSource, readEverything } from './archive-io.js';

interface Plan {
  concurrentCollections: number;
  prelude: PreludeEntry[];
  blocks: ArchiveBlock[];
  documents: Map<string, Uint8Array[]>;
}

function randomDocument(random: () => number, id: number): Uint8Array {
  const doc: Record<string, unknown> = { _id: new Int32(id) };
  const fields = Math.floor(random() * 6);
  for (let i = 0; i < fields; i++) {
    const pick = Math.floor(random() * 5);
    const key = `f${i}`;
    if (pick === 0) doc[key] = 'x'.repeat(Math.floor(random() * (random() < 0.05 ? 5000 : 80)));
    else if (pick === 1) doc[key] = new Double(random() * 1e6);
    else if (pick === 2) doc[key] = Long.fromNumber(Math.floor(random() * 2 ** 50));
    else if (pick === 3) doc[key] = new Binary(new Uint8Array(Math.floor(random() * 40)).map(() => Math.floor(random() * 256)));
    else doc[key] = { nested: [new Int32(i), 'y', null, random() < 0.5] };
  }
  return serialize(doc);
}

/** A random schedule that respects concurrent_collections, as a parallel dump would produce. */
function randomPlan(seed: number): Plan {
  const random = randomSource(seed);
  const namespaceCount = 1 + Math.floor(random() * (random() < 0.2 ? 60 : 8));
  const concurrentCollections = 1 + Math.floor(random() * 5);
  const prelude: PreludeEntry[] = [];
  const remaining = new Map<string, Uint8Array[]>();
  const documents = new Map<string, Uint8Array[]>();
  for (let i = 0; i < namespaceCount; i++) {
    const db = `db${Math.floor(random() * 3)}`;
    const collection = `c${i}${random() < 0.1 ? '.with.dots' : ''}`;
    prelude.push({ db, collection, metadata: '', type: 'collection' });
    const count = random() < 0.25 ? 0 : Math.floor(random() * 300);
    const docs = Array.from({ length: count }, (_, id) => randomDocument(random, id));
    remaining.set(`${db}.${collection}`, [...docs]);
    documents.set(`${db}.${collection}`, docs);
  }
  const blocks: ArchiveBlock[] = [];
  const waiting = [...remaining.keys()];
  const open: string[] = [];
  while (waiting.length > 0 || open.length > 0) {
    if (open.length < concurrentCollections && waiting.length > 0 && (open.length === 0 || random() < 0.3)) {
      open.push(...waiting.splice(Math.floor(random() * waiting.length), 1));
      continue;
    }
    const index = Math.floor(random() * open.length);
    const name = open[index] ?? '';
    const [db = '', collection = ''] = name.split(/\.(.*)/s);
    const left = remaining.get(name) ?? [];
    if (left.length === 0 || random() < 0.05) {
      if (left.length === 0) {
        blocks.push({ kind: 'end', db, collection });
        open.splice(index, 1);
      } else {
        blocks.push({ kind: 'documents', db, collection, documents: [] });
      }
      continue;
    }
    blocks.push({ kind: 'documents', db, collection, documents: left.splice(0, 1 + Math.floor(random() * 120)) });
  }
  return { concurrentCollections, prelude, blocks, documents };
}

describe('writer → reader round trips', () => {
  it('200 random archives come back byte for byte, with matching summaries', async () => {
    for (let seed = 1; seed <= 200; seed++) {
      const plan = randomPlan(seed);
      const written: NamespaceSummary[] = [];
      const bytes = await concatAll(
        encodeArchive(
          { concurrentCollections: plan.concurrentCollections, version: '0.1', serverVersion: '8.0.4', toolVersion: 'test' },
          plan.prelude,
          plan.blocks,
          { onNamespaceEnd: (summary) => written.push(summary), chunkBytes: 1024 + seed * 97 },
        ),
      );
      const chunkSize = 1 + ((seed * 7919) % 9000);
      const { events, result } = await readEverything(bytes, chunkSize, { batchDocuments: 1 + (seed % 200) });
      expect(result.prelude, `seed ${seed}`).toEqual(plan.prelude);
      expect(result.namespaces, `seed ${seed}`).toEqual(written);
      const read = documentsByNamespace(events);
      for (const [name, docs] of plan.documents) {
        expect((read.get(name) ?? []).map(hex), `seed ${seed} ${name}`).toEqual(docs.map(hex));
        const summary = written.find((ns) => `${ns.db}.${ns.collection}` === name);
        expect(summary?.crc64, `seed ${seed} ${name}`).toBe(crc64(Buffer.concat(docs)));
        expect(summary?.documents).toBe(docs.length);
      }
      expect(result.bytes).toBe(bytes.length);
    }
  });
});
