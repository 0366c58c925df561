// README's "As a library" example, run as written: taken from README.md, imported as
// `mongosafe` resolves for a user (the package's exports, the built dist/), typechecked
// against the published .d.ts, and executed with only the environment it reads itself.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/services/paths.js';
import { testServices } from '../helpers/services.js';
import { freshDestination } from '../helpers/synthetic-backups.js';
import { tempDir } from '../helpers/temp-dir.js';

const run = promisify(execFile);
const services = testServices();
/** The databases the example names: it backs up `shop` and restores it beside itself as `shop_copy`. */
const SOURCE_DB = 'shop';
const COPY_DB = 'shop_copy';
const ORDERS = 250;
let client: MongoClient;

/** The ```ts block under "## As a library", exactly as README.md shows it. */
function readmeExample(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.indexOf('\n## As a library\n');
  const open = readme.indexOf('```ts\n', section);
  const close = readme.indexOf('\n```', open + 1);
  if (section === -1 || open === -1 || close === -1) throw new Error('README.md has no ```ts block under "## As a library"');
  return readme.slice(open + '```ts\n'.length, close + 1);
}

/** A folder where `import … from 'mongosafe'` resolves as after `npm install mongosafe`: to this checkout's package.json exports. */
async function userProject(example: string): Promise<string> {
  const dir = await tempDir('mongosafe-readme-');
  await mkdir(join(dir, 'node_modules'));
  await symlink(REPO_ROOT, join(dir, 'node_modules', 'mongosafe'), 'dir');
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'readme-example', private: true, type: 'module' }));
  await writeFile(join(dir, 'example.ts'), example);
  return dir;
}

beforeAll(async () => {
  client = await MongoClient.connect(services.mongodbUri);
  for (const name of [SOURCE_DB, COPY_DB]) await client.db(name).dropDatabase();
  await client.db(SOURCE_DB).collection<{ _id: number; item: string; total: number }>('orders').insertMany(Array.from({ length: ORDERS }, (_, i) => ({ _id: i, item: `item ${i}`, total: i * 3 })));
  await client.db(SOURCE_DB).collection('orders').createIndex({ item: 1 });
});

afterAll(async () => {
  for (const name of [SOURCE_DB, COPY_DB]) await client.db(name).dropDatabase();
  await client.close();
});

describe("README's library example", () => {
  it('typechecks against the built package and runs as written: backup to S3, verify, restore beside the original', async () => {
    const dir = await userProject(readmeExample());
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    await run(process.execPath, [tsc, '--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--typeRoots', join(REPO_ROOT, 'node_modules', '@types'), '--types', 'node', 'example.ts'], { cwd: dir }).catch((error: { stdout?: string; message?: string }) => {
      throw new Error(`README's example does not typecheck:\n${error.stdout ?? error.message ?? ''}`);
    });

    const destination = await freshDestination('s3');
    const tsx = join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const env = { ...process.env, MONGODB_URI: services.mongodbUri, RESTORE_URI: services.mongodbUri, MONGOSAFE_DESTINATION: destination.url };
    const { stdout } = await run(process.execPath, [tsx, 'example.ts'], { cwd: dir, env, timeout: 120_000 }).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`README's example failed:\n${error.stderr ?? ''}${error.stdout ?? ''}`);
    });

    expect(stdout).toMatch(new RegExp(`^backup \\d{8}T\\d{6}Z(-\\d+)?: ${ORDERS} documents$`, 'm'));
    expect(stdout).toContain(`restored ${ORDERS} documents into ${COPY_DB}`);
    const copied = await client.db(COPY_DB).collection('orders').find().sort({ _id: 1 }).toArray();
    const original = await client.db(SOURCE_DB).collection('orders').find().sort({ _id: 1 }).toArray();
    expect(copied).toEqual(original);
    expect((await client.db(COPY_DB).collection('orders').indexes()).map((index) => index.name)).toContain('item_1');
    // The backup it made is in the S3 destination, verified.
    const keys: string[] = [];
    for await (const object of destination.storage.list('manifests/')) keys.push(object.key);
    expect(keys.some((key) => /\.verified\..*\.full\.json$/.test(key))).toBe(true);
  });
});
