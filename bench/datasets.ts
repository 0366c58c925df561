import { BSON, Binary, Double, Int32, Long, ObjectId, type Db } from 'mongodb';
import { encodeArchive } from '../src/archive/writer.js';
import type { ArchiveBlock, PreludeEntry } from '../src/archive/types.js';

/** Datasets the bench generates itself; sizes scale with --scale. */
export interface Dataset {
  name: string;
  description: string;
  collections: number;
  documentsPerCollection: number;
  /** Approximate BSON size of each document. */
  documentBytes: number;
  /** Scale of the default run (`npm run bench` without --dataset or --scale), if part of it. */
  defaultScale?: number;
}

export const DATASETS: Record<string, Dataset> = {
  typical: { name: 'typical', description: '200k documents of about 1 KB', collections: 1, documentsPerCollection: 200_000, documentBytes: 1024, defaultScale: 0.25 },
  small: { name: 'small', description: '1M documents of about 200 B', collections: 1, documentsPerCollection: 1_000_000, documentBytes: 200 },
  large: { name: 'large', description: '2k documents of about 500 KB', collections: 1, documentsPerCollection: 2_000, documentBytes: 500 * 1024, defaultScale: 0.25 },
  many: { name: 'many', description: '300 collections of 1k documents', collections: 300, documentsPerCollection: 1_000, documentBytes: 1024, defaultScale: 0.2 },
  gigabyte: { name: 'gigabyte', description: 'one 1 GB database (1M documents of about 1 KB)', collections: 4, documentsPerCollection: 256_000, documentBytes: 1024 },
};

/** What `--dataset all` means: every dataset but the 1 GB one, which is run only when named. */
export const ALL_DATASETS = ['typical', 'small', 'large', 'many'];

/** The datasets of a run and the scale of each: `--scale` for all when given, else 1 (default run: each its defaultScale). */
export function selectDatasets(names: string | undefined, scale: number | undefined): Array<{ dataset: Dataset; scale: number }> {
  if (names === undefined) {
    return Object.values(DATASETS).flatMap((dataset) => (dataset.defaultScale === undefined ? [] : [{ dataset, scale: scale ?? dataset.defaultScale }]));
  }
  const expanded = names.split(',').flatMap((name) => (name.trim() === 'all' ? ALL_DATASETS : [name.trim()]));
  return [...new Set(expanded)].map((name) => {
    const dataset = DATASETS[name];
    if (!dataset) throw new Error(`unknown dataset ${name}; have all, ${Object.keys(DATASETS).join(', ')}`);
    return { dataset, scale: scale ?? 1 };
  });
}

/** Deterministic, varied documents: strings compress about as well as real data, numbers keep their types. */
function makeDocument(i: number, bytes: number): Record<string, unknown> {
  const words = ['flour', 'sugar', 'butter', 'eggs', 'milk', 'salt', 'onion', 'garlic', 'tomato', 'cinnamon'];
  let text = '';
  let x = i * 2654435761;
  while (text.length < bytes - 160) {
    x = (x * 1103515245 + 12345) >>> 0;
    text += `${words[x % words.length]} ${x % 1000} `;
  }
  return {
    _id: new ObjectId(),
    n: new Int32(i),
    big: Long.fromNumber(i * 1_000_003),
    price: new Double(i / 100),
    at: new Date(1_700_000_000_000 + i * 1000),
    tag: new Binary(Buffer.from([i & 255, (i >> 8) & 255])),
    text,
  };
}

/**
 * FerretDB 1.24 does not cap a query batch at 16 MiB: mongodump's first batch of 101 documents
 * of 500 KB is about 50 MB, over the 48 MB wire message limit, and mongodump fails with "length
 * of read message too large". On FerretDB, collections are therefore split so that 101 of their
 * documents stay under 40 MB (the large dataset: at most 80 documents per collection).
 */
const FERRETDB_BATCH_BYTES = 40 * 1024 * 1024;

/** How many collections of how many documents a dataset has at a scale, on a server. */
export function layoutOf(dataset: Dataset, scale: number, server: string): { collections: number; perCollection: number } {
  const perCollection = Math.max(1, Math.round(dataset.documentsPerCollection * scale));
  const cap = server === 'ferretdb' ? Math.max(1, Math.floor(FERRETDB_BATCH_BYTES / dataset.documentBytes)) : Number.POSITIVE_INFINITY;
  if (perCollection <= cap) return { collections: dataset.collections, perCollection };
  const split = Math.ceil(perCollection / cap);
  return { collections: dataset.collections * split, perCollection: Math.ceil(perCollection / split) };
}

export async function loadDataset(db: Db, dataset: Dataset, layout: { collections: number; perCollection: number }, log: (line: string) => void): Promise<number> {
  await db.dropDatabase();
  const { collections, perCollection } = layout;
  const batchSize = Math.max(1, Math.min(1000, Math.floor((8 * 1024 * 1024) / dataset.documentBytes)));
  let total = 0;
  for (let c = 0; c < collections; c++) {
    const collection = db.collection(`c${String(c).padStart(3, '0')}`);
    const batches: number[] = [];
    for (let start = 0; start < perCollection; start += batchSize) batches.push(start);
    await Promise.all(
      [0, 1, 2, 3].map(async (worker) => {
        for (let b = worker; b < batches.length; b += 4) {
          const start = batches[b] ?? 0;
          const docs = Array.from({ length: Math.min(batchSize, perCollection - start) }, (_, k) => makeDocument(start + k, dataset.documentBytes));
          await collection.insertMany(docs, { ordered: false });
        }
      }),
    );
    total += perCollection;
    if (collections > 1 && c % 50 === 49) log(`  loaded ${c + 1}/${collections} collections`);
  }
  return total;
}

/**
 * About `bytes` of archive as mongosafe writes it (1 MiB chunks from encodeArchive over raw
 * BSON of the typical documents, four collections interleaved), for the gzip and S3 benches.
 */
export async function sampleArchive(bytes: number): Promise<Uint8Array[]> {
  const collections = ['c0', 'c1', 'c2', 'c3'];
  const perBatch = 1000;
  const batches = Math.max(1, Math.ceil(bytes / (perBatch * 1024)));
  function* blocks(): Generator<ArchiveBlock> {
    for (let b = 0; b < batches; b++) {
      const documents = Array.from({ length: perBatch }, (_, k) => BSON.serialize(makeDocument(b * perBatch + k, 1024)));
      yield { kind: 'documents', db: 'bench', collection: collections[b % collections.length] ?? 'c0', documents };
    }
    for (const collection of collections) yield { kind: 'end', db: 'bench', collection };
  }
  const prelude: PreludeEntry[] = collections.map((collection) => ({ db: 'bench', collection, metadata: '', type: 'collection' }));
  const chunks: Uint8Array[] = [];
  const header = { concurrentCollections: collections.length, version: '0.1', serverVersion: '7.0.0', toolVersion: 'mongosafe-bench' };
  for await (const chunk of encodeArchive(header, prelude, blocks())) chunks.push(chunk);
  return chunks;
}

/** Total length of byte chunks. */
export function byteLength(chunks: readonly Uint8Array[]): number {
  return chunks.reduce((sum, chunk) => sum + chunk.length, 0);
}
