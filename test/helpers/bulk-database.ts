// A scratch database of documents padded with random bytes, loaded before a
// test file's tests and dropped after them. The noise does not compress, so a
// few tens of thousands of documents make a backup that takes seconds and an
// archive that needs a multipart upload on S3.
import { randomBytes } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll } from 'vitest';
import { testServices, uniqueName } from './services.js';

export interface BulkDatabase {
  client: MongoClient;
  db: Db;
}

/**
 * Registers the file's beforeAll (load) and afterAll (drop). The returned
 * object is filled in by the time tests run.
 *
 * @param collections documents per collection, e.g. `{ recipes: 36_000 }`
 * @param noiseBytes random bytes in each document (about its size)
 */
export function bulkDatabase(prefix: string, collections: Record<string, number>, noiseBytes = 600): BulkDatabase {
  const bulk = {} as BulkDatabase;
  beforeAll(async () => {
    bulk.client = await MongoClient.connect(testServices().mongodbUri);
    bulk.db = bulk.client.db(uniqueName(prefix));
    for (const [name, count] of Object.entries(collections)) {
      const batches = Array.from({ length: Math.ceil(count / 1000) }, (_, b) => b * 1000);
      // Four inserts in flight: loading takes a fraction of what the tests then do with it.
      for (let at = 0; at < batches.length; at += 4) {
        await Promise.all(
          batches.slice(at, at + 4).map((start) =>
            bulk.db.collection(name).insertMany(Array.from({ length: Math.min(1000, count - start) }, (_, k) => ({ n: start + k, title: `recipe ${start + k}`, noise: randomBytes(noiseBytes) }))),
          ),
        );
      }
    }
  });
  afterAll(async () => {
    await bulk.db.dropDatabase();
    await bulk.client.close();
  });
  return bulk;
}
