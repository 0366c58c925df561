// Makes the real-mongodump archive fixtures in test/fixtures/ (see its README).
// Needs the test services: `npm run services:up`, then `npx tsx scripts/make-fixtures.ts`.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Binary, BSONRegExp, Double, Int32, Long, MongoClient, ObjectId, Timestamp } from 'mongodb';
import { testServices } from '../test/helpers/services.js';
import { REPO_ROOT } from './services/paths.js';

const run = promisify(execFile);
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');
const DB = 'mongosafe_fixture';

async function main(): Promise<void> {
  const services = testServices();
  const { mongodump } = services;
  if (mongodump === undefined) throw new Error(`mongodump is not available: ${services.mongoToolsUnavailable ?? 'unknown reason'}`);

  const client = new MongoClient(services.mongodbUri);
  try {
    await client.connect();
    const db = client.db(DB);
    await db.dropDatabase();
    // Fixed ids and values so that re-running yields the same documents; only UUIDs and order change.
    await db.collection('recipes').insertMany(
      Array.from({ length: 25 }, (_, i) => ({
        _id: new ObjectId(`65000000000000000000${i.toString(16).padStart(4, '0')}`),
        title: `Recipe ${i}`,
        servings: new Int32(i % 6 + 1),
        rating: new Double(i % 2 === 0 ? 4 : 3.5),
        views: Long.fromNumber(1_000_000_000_000 + i),
        createdAt: new Date(Date.UTC(2024, 0, 1 + i)),
        tags: ['dinner', i % 3 === 0 ? 'vegan' : 'meat'],
        ingredients: [{ name: 'salt', grams: new Int32(i) }, { name: 'flour', grams: new Double(250.5) }],
        photo: new Binary(Buffer.from([i, 1, 2, 3]), 0),
        pattern: new BSONRegExp(`^r${i}`, 'i'),
        stamp: new Timestamp({ t: 1_700_000_000 + i, i: 1 }),
        archived: i % 5 === 0,
        note: null,
      })),
    );
    await db.collection('recipes').createIndex({ title: 1 }, { unique: true, name: 'title_1' });
    await db.collection('recipes').createIndex({ servings: 1, rating: -1 }, { name: 'servings_1_rating_-1' });
    await db.collection<{ _id: string; order: Int32 }>('tags').insertMany(['dinner', 'vegan', 'meat', 'dessert'].map((name, i) => ({ _id: name, order: new Int32(i) })));
    await db.createCollection('drafts');

    const expected: Record<string, { documents: number }> = {};
    for (const name of ['recipes', 'tags', 'drafts']) expected[`${DB}.${name}`] = { documents: await db.collection(name).countDocuments() };

    await mkdir(FIXTURES, { recursive: true });
    const common = [`--uri=${services.mongodbUri}`, `--db=${DB}`];
    await run(mongodump, [...common, `--archive=${join(FIXTURES, 'ferretdb.archive')}`]);
    await run(mongodump, [...common, '--gzip', `--archive=${join(FIXTURES, 'ferretdb.archive.gz')}`]);
    const { stdout: version } = await run(mongodump, ['--version']);
    await writeFile(join(FIXTURES, 'ferretdb.expected.json'), `${JSON.stringify({ db: DB, namespaces: expected }, null, 2)}\n`);
    console.log(`wrote ferretdb.archive(.gz) with ${version.split('\n')[0] ?? 'mongodump'}`);
    await db.dropDatabase();
  } finally {
    await client.close();
  }
}

await main();
