import { Binary, Double, Int32, Long, ObjectId, type Db } from 'mongodb';

/** Datasets the bench generates itself; sizes scale with --scale. */
export interface Dataset {
  name: string;
  description: string;
  collections: number;
  documentsPerCollection: number;
  /** Approximate BSON size of each document. */
  documentBytes: number;
}

export const DATASETS: Record<string, Dataset> = {
  typical: { name: 'typical', description: '200k documents of about 1 KB', collections: 1, documentsPerCollection: 200_000, documentBytes: 1024 },
  small: { name: 'small', description: '1M documents of about 200 B', collections: 1, documentsPerCollection: 1_000_000, documentBytes: 200 },
  large: { name: 'large', description: '2k documents of about 500 KB', collections: 1, documentsPerCollection: 2_000, documentBytes: 500 * 1024 },
  many: { name: 'many', description: '300 collections of 1k documents', collections: 300, documentsPerCollection: 1_000, documentBytes: 1024 },
  gigabyte: { name: 'gigabyte', description: 'one 1 GB database (1M documents of about 1 KB)', collections: 4, documentsPerCollection: 256_000, documentBytes: 1024 },
};

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

export async function loadDataset(db: Db, dataset: Dataset, scale: number, log: (line: string) => void): Promise<number> {
  await db.dropDatabase();
  const perCollection = Math.max(1, Math.round(dataset.documentsPerCollection * scale));
  const batchSize = Math.max(1, Math.min(1000, Math.floor((8 * 1024 * 1024) / dataset.documentBytes)));
  let total = 0;
  for (let c = 0; c < dataset.collections; c++) {
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
    if (dataset.collections > 1 && c % 50 === 49) log(`  loaded ${c + 1}/${dataset.collections} collections`);
  }
  return total;
}
