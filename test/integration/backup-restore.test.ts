import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backup } from '../../src/core/backup.js';
import { restore } from '../../src/core/restore.js';
import { verify } from '../../src/core/verify.js';
import { openStorage } from '../../src/storage/registry.js';
import type { Storage } from '../../src/storage/storage.js';
import { collectionInfos, indexDefinitions, loadFidelityData, rawDocuments } from '../helpers/fidelity-data.js';
import { testServices, uniqueName } from '../helpers/services.js';
import { tempDir } from '../helpers/temp-dir.js';

const services = testServices();
let client: MongoClient;
let storage: Storage;
let sourceDb: Db;
let snapshot: Map<string, Buffer[]>;
let dataCollections: string[];

beforeAll(async () => {
  client = await MongoClient.connect(services.mongodbUri);
  sourceDb = client.db(uniqueName('fidelity'));
  const { ferretDbRefused } = await loadFidelityData(sourceDb, services.serverKind);
  if (ferretDbRefused.length) console.info(`FerretDB refuses: ${ferretDbRefused.join(', ')} (proven by unit tests instead)`);
  storage = await openStorage(await tempDir());
  const infos = await collectionInfos(sourceDb);
  dataCollections = infos.filter((i) => i.type !== 'view').map((i) => String(i.name));
  snapshot = new Map();
  for (const name of dataCollections) snapshot.set(name, await rawDocuments(sourceDb, name));
});

afterAll(async () => {
  await sourceDb.dropDatabase();
  await client.close();
});

describe('backup → drop → restore', () => {
  it('gives back every document byte for byte, with the same indexes and options', async () => {
    const indexesBefore = new Map<string, unknown>();
    for (const name of dataCollections) indexesBefore.set(name, await indexDefinitions(sourceDb, name));
    const infosBefore = await collectionInfos(sourceDb);

    const result = await backup({ uri: services.mongodbUri, storage, databases: [sourceDb.databaseName] });
    expect(result.manifest.totals.documents).toBe([...snapshot.values()].reduce((n, docs) => n + docs.length, 0));
    expect(result.manifest.namespaces.find((ns) => ns.collection === 'empty')?.documents).toBe(0);

    await sourceDb.dropDatabase();
    const restored = await restore({ backup: result.id, storage, uri: services.mongodbUri });
    expect(restored.totals.duplicates).toBe(0);

    for (const name of dataCollections) {
      const after = await rawDocuments(sourceDb, name);
      expect(after.length, name).toBe(snapshot.get(name)?.length);
      expect(after.every((doc, i) => doc.equals(snapshot.get(name)?.[i] ?? Buffer.alloc(0))), `${name} byte-identical`).toBe(true);
      expect(await indexDefinitions(sourceDb, name), `${name} indexes`).toEqual(indexesBefore.get(name));
    }
    const infosAfter = await collectionInfos(sourceDb);
    expect(infosAfter.map(({ name, type, options }) => ({ name, type, options }))).toEqual(infosBefore.map(({ name, type, options }) => ({ name, type, options })));
  });

  it('verifies the backup and records the verification', async () => {
    const result = await verify({ backup: 'latest', storage });
    expect(result.ok).toBe(true);
    expect(result.backups[0]?.documents).toBeGreaterThan(0);
  });

  it('restores into renamed namespaces and counts duplicates without failing', async () => {
    const copy = uniqueName('copy');
    const source = { backup: 'latest', storage };
    const renames = [{ from: `${sourceDb.databaseName}.*`, to: `${copy}.*` }];
    const first = await restore({ ...source, uri: services.mongodbUri, renames, include: [`${sourceDb.databaseName}.plain`] });
    expect(first.namespaces.map((ns) => ns.target)).toEqual([`${copy}.plain`]);
    expect(first.totals.inserted).toBe(2500);
    const second = await restore({ ...source, uri: services.mongodbUri, renames, include: [`${sourceDb.databaseName}.plain`] });
    expect(second.totals.inserted).toBe(0);
    expect(second.totals.duplicates).toBe(2500);
    expect(second.warnings.join('\n')).toMatch(/already existed/);
    const dropped = await restore({ ...source, uri: services.mongodbUri, renames, include: [`${sourceDb.databaseName}.plain`], drop: true });
    expect(dropped.totals.inserted).toBe(2500);
    await client.db(copy).dropDatabase();
  });

  it('a dry run checks the backup and changes nothing', async () => {
    const target = uniqueName('dry');
    const result = await restore({ backup: 'latest', storage, dryRun: true, renames: [{ from: `${sourceDb.databaseName}.*`, to: `${target}.*` }] });
    expect(result.dryRun).toBe(true);
    expect(result.namespaces.length).toBeGreaterThan(0);
    const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
    expect(databases.map((d) => d.name)).not.toContain(target);
  });
});
