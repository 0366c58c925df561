// `npm pack`, then `npm install -g` of that tarball into a temporary prefix:
// the CLI a user gets from npm, run from its own bin link, outside the checkout.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdir, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/services/paths.js';
import { testServices, uniqueName } from '../helpers/services.js';
import { tempDir } from '../helpers/temp-dir.js';

const run = promisify(execFile);
const services = testServices();
const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
let client: MongoClient;
let db: Db;

/** npm, quiet and from the cache first: the install needs only the registry, and only on a cold cache. */
function npm(args: string[], cwd: string) {
  return run('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  });
}

beforeAll(async () => {
  client = await MongoClient.connect(services.mongodbUri);
  db = client.db(uniqueName('install'));
  await db.collection('recipes').insertMany(Array.from({ length: 20 }, (_, i) => ({ title: `recipe ${i}` })));
});

afterAll(async () => {
  await db.dropDatabase();
  await client.close();
});

describe('the npm package', () => {
  it('packs the built CLI and library and nothing else; installed globally, mongosafe runs a backup', async () => {
    const work = await tempDir();
    // A fresh clone's files, without dist/: what gets built must come from npm pack itself.
    const clone = join(work, 'clone');
    await mkdir(clone);
    for (const name of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'bin', 'scripts', 'src']) {
      await cp(join(REPO_ROOT, name), join(clone, name), { recursive: true });
    }
    await symlink(join(REPO_ROOT, 'node_modules'), join(clone, 'node_modules'));
    const packed = await npm(['pack', '--json', '--pack-destination', work], clone);
    // The scripts' banners come first on stdout, then the JSON report.
    const [tarball] = JSON.parse(packed.stdout.slice(packed.stdout.search(/^\[/m))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = (tarball?.files ?? []).map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['bin/mongosafe.js', 'dist/cli-bundle/main.js', 'dist/index.js', 'dist/index.d.ts', 'package.json', 'README.md']));
    // The CLI's chunks, which its commands load on demand, come along.
    expect(files.some((f) => /^dist\/cli-bundle\/chunks\/backup-\w+\.js$/.test(f))).toBe(true);
    expect(files.filter((f) => !/^(bin\/mongosafe\.js|dist\/.+\.(js|d\.ts)|package\.json|README\.md|LICENSE)$/.test(f))).toEqual([]);
    // Neither the Lambda's bundle nor tsc's build of the CLI, which bin/mongosafe.js does not load.
    expect(files.filter((f) => /^dist\/(lambda|cli)\//.test(f))).toEqual([]);

    const prefix = join(work, 'prefix');
    await npm(['install', '--global', '--prefix', prefix, join(work, tarball?.filename ?? '')], work);
    const bin = join(prefix, 'bin', 'mongosafe');

    const shown = await run(bin, ['--version'], { cwd: work });
    expect(shown.stdout.trim()).toBe(`mongosafe ${version}`);

    const backups = join(work, 'backups');
    const env = { ...process.env, MONGODB_URI: services.mongodbUri, MONGOSAFE_DESTINATION: undefined };
    const backup = await run(bin, ['backup', '--db', db.databaseName, '--to', backups, '--json'], { cwd: work, env, timeout: 120_000 });
    expect(JSON.parse(backup.stdout)).toMatchObject({ manifest: { totals: { documents: 20 } } });
    expect(await readdir(join(backups, 'manifests'))).toHaveLength(1);
  }, 300_000);
});
