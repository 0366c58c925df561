import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backup } from '../../src/core/backup.js';
import { restore } from '../../src/core/restore.js';
import { openStorage } from '../../src/storage/registry.js';
import { collectionInfos, indexDefinitions, loadFidelityData, rawDocuments } from '../helpers/fidelity-data.js';
import { testServices, uniqueName } from '../helpers/services.js';
import { tempDir } from '../helpers/temp-dir.js';

const run = promisify(execFile);
const services = testServices();
const tools = services.mongodump && services.mongorestore ? { mongodump: services.mongodump, mongorestore: services.mongorestore } : undefined;
const ferretDb = services.serverKind === 'ferretdb';
const skipReason = services.mongoToolsUnavailable ?? 'mongodump/mongorestore not found';

let client: MongoClient;
let sourceDb: Db;
let collections: string[];

/** Asserts a restored database equals the source: raw bytes of every document and the index definitions. */
async function expectSameData(target: Db, options: { indexes: boolean } = { indexes: true }): Promise<void> {
  for (const name of collections) {
    const [before, after] = [await rawDocuments(sourceDb, name), await rawDocuments(target, name)];
    expect(after.length, `${target.databaseName}.${name} count`).toBe(before.length);
    expect(after.every((doc, i) => doc.equals(before[i] ?? Buffer.alloc(0))), `${target.databaseName}.${name} bytes`).toBe(true);
    if (options.indexes) expect(await indexDefinitions(target, name), `${target.databaseName}.${name} indexes`).toEqual(await indexDefinitions(sourceDb, name));
  }
}

describe.skipIf(!tools)(`interoperability with mongodump/mongorestore${tools ? '' : ` (skipped: ${skipReason})`}`, () => {
  beforeAll(async () => {
    client = await MongoClient.connect(services.mongodbUri);
    sourceDb = client.db(uniqueName('interop'));
    await loadFidelityData(sourceDb, services.serverKind);
    collections = (await collectionInfos(sourceDb)).filter((i) => i.type !== 'view').map((i) => String(i.name));
  });

  afterAll(async () => {
    await sourceDb.dropDatabase();
    await client.close();
  });

  it('mongorestore --archive --gzip restores a mongosafe backup identically', async () => {
    const dir = await tempDir();
    const storage = await openStorage(dir);
    const result = await backup({ uri: services.mongodbUri, storage, databases: [sourceDb.databaseName] });
    const target = uniqueName('from_mongosafe');
    await run(tools?.mongorestore ?? '', [
      `--uri=${services.mongodbUri}`,
      `--archive=${join(dir, result.manifest.archive.key)}`,
      '--gzip',
      `--nsFrom=${sourceDb.databaseName}.*`,
      `--nsTo=${target}.*`,
      // mongorestore adds `ns` to every index spec, an option FerretDB refuses: index
      // interop is checked on a real mongod; FerretDB still checks every document.
      ...(ferretDb ? ['--noIndexRestore'] : []),
    ]);
    await expectSameData(client.db(target), { indexes: !ferretDb });
    await client.db(target).dropDatabase();
  });

  it.each([
    ['a gzip archive', ['--gzip'], true],
    ['a plain archive', [], true],
    ['a directory dump', [], false],
    ['a gzip directory dump', ['--gzip'], false],
  ])('mongosafe restores %s from mongodump identically', async (_name, flags, archive) => {
    const dir = await tempDir();
    const output = archive ? join(dir, 'dump.archive') : join(dir, 'dump');
    await run(tools?.mongodump ?? '', [`--uri=${services.mongodbUri}`, `--db=${sourceDb.databaseName}`, archive ? `--archive=${output}` : `--out=${output}`, ...flags]);
    const target = uniqueName('from_mongodump');
    const result = await restore({ backup: output, uri: services.mongodbUri, renames: [{ from: `${sourceDb.databaseName}.*`, to: `${target}.*` }] });
    expect(result.totals.duplicates).toBe(0);
    await expectSameData(client.db(target));
    await client.db(target).dropDatabase();
  });
});
