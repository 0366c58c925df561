// import-legacy against the real server, with zips built the way the seed's
// Lambda built them: documents read by the driver, JSON.stringify(docs, null, 2)
// per collection, zipped (deflate, one top-level <collection>.json each).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MongoClient, ObjectId, type Db, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLegacy } from '../../src/core/import-legacy.js';
import type { ProgressEvent } from '../../src/core/progress.js';
import { runCli } from '../helpers/cli.js';
import { seedJson, writeZip } from '../helpers/legacy-zip.js';
import { testServices, uniqueName } from '../helpers/services.js';
import { tempDir } from '../helpers/temp-dir.js';

const services = testServices();
let client: MongoClient;
let work: string;
const databases: Db[] = [];
/** The seed data as the driver returned it (ObjectIds, Dates), per collection. */
const seed: Record<string, Document[]> = {};
let seedZipPath: string;

function freshDb(): Db {
  const db = client.db(uniqueName('legacy'));
  databases.push(db);
  return db;
}

async function collectionNames(db: Db): Promise<string[]> {
  return (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
}

beforeAll(async () => {
  client = await MongoClient.connect(services.mongodbUri);
  work = await tempDir();
  const source = freshDb();
  const users = [
    { _id: new ObjectId(), name: 'mom', joinedAt: new Date('2023-05-01T10:00:00.123Z'), favoriteRecipeIds: [] as ObjectId[] },
    { _id: new ObjectId(), name: 'dad', joinedAt: new Date('2024-02-29T23:59:59.000Z'), favoriteRecipeIds: [] as ObjectId[] },
  ];
  const recipes = Array.from({ length: 25 }, (_, i) => ({
    _id: new ObjectId(),
    title: `recipe ${i} with "quotes", [brackets] and {braces} — crème 🍰`,
    authorId: users[i % 2]?._id,
    createdAt: new Date(Date.UTC(2024, 0, 1 + i, 12)),
    servings: i + 1,
    rating: 4.5,
    ingredients: [{ ingredient_id: new ObjectId(), name: 'flour', grams: 250 }],
    // Look like an id or a date, but are not where inference looks: they stay strings.
    checksum: 'abcdef0123456789abcdef01',
    day: '2024-02-29',
    localTime: '2024-02-29T12:00:00+02:00',
  }));
  for (const user of users) user.favoriteRecipeIds = recipes.slice(0, 3).map((r) => r._id);
  await source.collection('users').insertMany(users);
  await source.collection('recipes').insertMany(recipes);
  await source.createCollection('comments');
  for (const name of ['recipes', 'users', 'comments']) seed[name] = await source.collection(name).find({}).toArray();
  seedZipPath = await writeZip(work, 'mongodb-backup-2025-01-01T03-00-00-000Z.zip', Object.entries(seed).map(([name, docs]) => [`${name}.json`, seedJson(docs)]));
});

afterAll(async () => {
  for (const db of databases) await db.dropDatabase();
  await client.close();
});

describe('import-legacy', () => {
  it('without --infer-types: every document, ids and dates as strings, and a warning that says so', async () => {
    const db = freshDb();
    const result = await importLegacy({ zipPath: seedZipPath, uri: services.mongodbUri, db: db.databaseName });
    expect(result.db).toBe(db.databaseName);
    expect(result.collections).toEqual([
      { collection: 'recipes', documents: 25, inserted: 25, duplicates: 0 },
      { collection: 'users', documents: 2, inserted: 2, duplicates: 0 },
      { collection: 'comments', documents: 0, inserted: 0, duplicates: 0 },
    ]);
    expect(result.inferred).toEqual({ objectIds: 0, dates: 0 });
    expect(result.warnings).toEqual([expect.stringContaining('ObjectIds and dates were imported as strings') as unknown]);
    expect(await collectionNames(db)).toEqual(['comments', 'recipes', 'users']);
    const original = seed.recipes?.[0];
    const hex = (original?._id as ObjectId).toHexString();
    const imported = await db.collection<{ _id: string; createdAt?: unknown }>('recipes').findOne({ _id: hex });
    expect(imported).toEqual(JSON.parse(JSON.stringify(original)));
    expect(typeof imported?.createdAt).toBe('string');
  });

  it('with --infer-types: ObjectIds and dates come back where the seed had them, nothing else changes', async () => {
    const db = freshDb();
    const result = await importLegacy({ zipPath: seedZipPath, uri: services.mongodbUri, db: db.databaseName, inferTypes: true });
    // recipes: _id, authorId, ingredients[0].ingredient_id; users: _id and 3 favoriteRecipeIds.
    expect(result.inferred).toEqual({ objectIds: 25 * 3 + 2 * 4, dates: 25 + 2 });
    expect(result.warnings).toEqual([expect.stringContaining(`--infer-types restored ${25 * 3 + 2 * 4} ObjectIds`) as unknown]);
    for (const name of ['recipes', 'users']) {
      const imported = await db.collection(name).find({}).sort({ _id: 1 }).toArray();
      const original = [...(seed[name] ?? [])].sort((a, b) => String(a._id).localeCompare(String(b._id)));
      // Exactly the driver's documents: ObjectId, Date, int32 and double alike.
      expect(imported, name).toEqual(original);
    }
    const recipe = await db.collection('recipes').findOne({});
    expect(recipe?._id).toBeInstanceOf(ObjectId);
    expect(recipe?.createdAt).toBeInstanceOf(Date);
    expect(recipe).toMatchObject({ checksum: 'abcdef0123456789abcdef01', day: '2024-02-29', localTime: '2024-02-29T12:00:00+02:00' });
  });

  it('counts documents already there as duplicates; --drop replaces them', async () => {
    const db = freshDb();
    await importLegacy({ zipPath: seedZipPath, uri: services.mongodbUri, db: db.databaseName, inferTypes: true });
    const again = await importLegacy({ zipPath: seedZipPath, uri: services.mongodbUri, db: db.databaseName, inferTypes: true });
    expect(again.collections.map((c) => [c.collection, c.inserted, c.duplicates])).toEqual([['recipes', 0, 25], ['users', 0, 2], ['comments', 0, 0]]);
    await db.collection('recipes').insertOne({ _id: new ObjectId(), title: 'added after the backup' });
    const dropped = await importLegacy({ zipPath: seedZipPath, uri: services.mongodbUri, db: db.databaseName, inferTypes: true, drop: true });
    expect(dropped.collections.map((c) => [c.collection, c.inserted, c.duplicates])).toEqual([['recipes', 25, 0], ['users', 2, 0], ['comments', 0, 0]]);
    expect(await db.collection('recipes').countDocuments()).toBe(25);
  });

  it('streams a large array in batches of at most 1000 documents', async () => {
    const documents = Array.from({ length: 20_000 }, (_, i) => ({ _id: new ObjectId(), n: i, at: new Date(Date.UTC(2024, 0, 1) + i * 60_000), text: `line ${i} ${'x'.repeat(100)}` }));
    const path = await writeZip(work, 'large.zip', [['lines.json', seedJson(documents)]]);
    const db = freshDb();
    const events: ProgressEvent[] = [];
    const result = await importLegacy({ zipPath: path, uri: services.mongodbUri, db: db.databaseName, inferTypes: true, onProgress: (e) => events.push(e) });
    expect(result.collections).toEqual([{ collection: 'lines', documents: 20_000, inserted: 20_000, duplicates: 0 }]);
    expect(events[1]).toEqual({ kind: 'plan', namespaces: [{ namespace: `${db.databaseName}.lines`, expectedDocuments: 20_000 }] });
    const progress = events.flatMap((e) => (e.kind === 'documents' ? [e.documents] : []));
    expect(progress).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 1000));
    expect(await db.collection('lines').countDocuments()).toBe(20_000);
    expect(await db.collection('lines').findOne({ n: 19_999 })).toEqual(documents[19_999]);
  });

  it('skips anything but top-level <collection>.json entries, with a reason each (zip-slip safe)', async () => {
    const docs = seedJson([{ _id: new ObjectId(), ok: true }]);
    // yazl refuses to write "../evil.json", so the name is patched in afterwards, in both headers.
    const path = await writeZip(work, 'odd.zip', [['ok.json', docs], ['xx/evil.json', docs], ['sub/nested.json', docs], ['README.txt', 'hello'], ['system.views.json', '[]']]);
    const bytes = await readFile(path);
    let at = bytes.indexOf('xx/evil.json');
    while (at !== -1) {
      bytes.write('../evil.json', at);
      at = bytes.indexOf('xx/evil.json', at);
    }
    await writeFile(path, bytes);

    const db = freshDb();
    const result = await importLegacy({ zipPath: path, uri: services.mongodbUri, db: db.databaseName });
    expect(result.collections.map((c) => c.collection)).toEqual(['ok']);
    expect(result.warnings.slice(1)).toEqual([
      'skipped "../evil.json" in the zip: a nested or unsafe path; only top-level <collection>.json files are imported',
      'skipped "sub/nested.json" in the zip: a nested or unsafe path; only top-level <collection>.json files are imported',
      'skipped "README.txt" in the zip: not a .json file',
      'skipped "system.views.json" in the zip: system collections are not imported',
    ]);
    expect(await collectionNames(db)).toEqual(['ok']);
  });

  it('refuses a damaged zip before writing anything, not even a --drop', async () => {
    const good = seedJson([{ _id: new ObjectId(), n: 1 }]);
    const truncated = seedJson([{ _id: new ObjectId(), n: 1 }, { _id: new ObjectId(), n: 2 }]).slice(0, -10);
    const db = freshDb();
    await db.collection('a').insertOne({ keep: true });
    const path = await writeZip(work, 'truncated.zip', [['a.json', good], ['b.json', truncated]]);
    await expect(importLegacy({ zipPath: path, uri: services.mongodbUri, db: db.databaseName, drop: true })).rejects.toMatchObject({
      code: 'CORRUPT',
      message: expect.stringMatching(/^b\.json in .*truncated\.zip is not a JSON array of documents: the input ends before the array is closed/) as unknown,
    });
    expect(await collectionNames(db)).toEqual(['a']);
    expect(await db.collection('a').countDocuments({ keep: true })).toBe(1);

    // A flipped bit in a stored entry: yauzl reads it happily; the CRC-32 check does not.
    const stored = await writeZip(work, 'flipped.zip', [['c.json', '[{"_id": "x", "text": "hello"}]']], { compress: false });
    const bytes = await readFile(stored);
    bytes.write('j', bytes.indexOf('hello'));
    await writeFile(stored, bytes);
    await expect(importLegacy({ zipPath: stored, uri: services.mongodbUri, db: db.databaseName })).rejects.toMatchObject({ code: 'CORRUPT', message: expect.stringContaining('c.json in') as unknown });
    await expect(importLegacy({ zipPath: stored, uri: services.mongodbUri, db: db.databaseName })).rejects.toThrow(/fails its CRC-32 check/);
    expect(await collectionNames(db)).toEqual(['a']);

    await expect(importLegacy({ zipPath: join(work, 'missing.zip'), uri: services.mongodbUri, db: db.databaseName })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const notZip = join(work, 'not-a.zip');
    await writeFile(notZip, good);
    await expect(importLegacy({ zipPath: notZip, uri: services.mongodbUri, db: db.databaseName })).rejects.toMatchObject({ code: 'CORRUPT', message: expect.stringContaining('is not a readable zip file') as unknown });
  });

  it('through the CLI: the database defaults to the one in the URI; without either it is a usage error', async () => {
    const db = freshDb();
    const uri = `${services.mongodbUri.replace(/\/?$/, '/')}${db.databaseName}`;
    const run = await runCli(['import-legacy', seedZipPath, '--uri', uri, '--infer-types', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ db: db.databaseName, collections: [{ collection: 'recipes', inserted: 25 }, { collection: 'users', inserted: 2 }, { collection: 'comments' }] });
    expect(run.stderr).toMatch(/^mongosafe: warning: the seed's JSON lost the BSON types; --infer-types restored 83 ObjectIds/);

    const human = await runCli(['import-legacy', seedZipPath, '--uri', uri, '--db', db.databaseName]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^COLLECTION\s+DOCUMENTS\s+INSERTED\s+ALREADY PRESENT\nrecipes\s+25\s+0\s+25\n/);
    expect(human.stdout).toMatch(new RegExp(`imported .* into ${db.databaseName}: 3 collections, 0 documents inserted, 27 already present`));

    const noDb = await runCli(['import-legacy', seedZipPath, '--uri', services.mongodbUri.replace(/\/?$/, '/')]);
    expect(noDb.code).toBe(2);
    expect(noDb.stderr).toMatch(/^mongosafe: import-legacy needs a database name/);
  });
});
