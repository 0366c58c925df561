import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Metafile } from 'esbuild';
import { MongoClient } from 'mongodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/services/paths.js';
import { runCli } from '../helpers/cli.js';
import { testServices, uniqueName } from '../helpers/services.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * Start-up is most of what a small command costs (issue 21), and what it loads is most of
 * start-up: a backup to a folder has no use for the AWS SDK (S3, Secrets Manager, KMS), the
 * Encryption SDK, yauzl or the replay engine. Checked in the CLI's own process: an ESM resolve
 * hook logs every module imported, and require's cache at exit adds the CommonJS ones. The CLI
 * is a bundle split in chunks (scripts/build-cli.ts): the build's metafile says which sources
 * (ours under src/, packages under node_modules/) each chunk that loaded holds.
 */
const services = testServices();
const node22 = services.node22;
const noNode22 = node22 ? '' : ` (skipped: no Node 22: ${services.node22Unavailable ?? 'NODE22 is unset'})`;
const dbName = uniqueName('startup');
let work: string;

const HOOKS = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.MONGOSAFE_TEST_MODULE_LOG, resolved.url + '\\n');
  return resolved;
}`;
const PRELOAD = `
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});
process.on('exit', () => {
  const cached = Object.keys(createRequire(process.argv[1]).cache).map((path) => pathToFileURL(path).href);
  appendFileSync(process.env.MONGOSAFE_TEST_MODULE_LOG, cached.join('\\n') + '\\n');
});`;

/**
 * What one run of the CLI loaded, and how it ended: `files`, the paths (from the repository) of
 * the files Node loaded; `modules`, the sources in them: a bundle chunk stands for the inputs the
 * metafile lists for it, any other file for itself.
 */
async function loadedModules(args: readonly string[]): Promise<{ code: number | null; stderr: string; files: string[]; modules: string[] }> {
  const log = join(work, `modules-${uniqueName('run')}.log`);
  const run = await runCli(args, { MONGOSAFE_TEST_MODULE_LOG: log }, { cwd: work, nodeArgs: ['--import', `data:text/javascript,${encodeURIComponent(PRELOAD)}`] });
  const urls = (await readFile(log, 'utf8')).split('\n').filter((url) => url.startsWith('file:'));
  const files = [...new Set(urls)].map((url) => relative(REPO_ROOT, fileURLToPath(url)));
  const { outputs } = JSON.parse(await readFile(join(REPO_ROOT, 'dist/cli-bundle/meta.json'), 'utf8')) as Metafile;
  const modules = files.flatMap((file) => {
    if (!file.startsWith('dist/cli-bundle/')) return [file];
    const output = outputs[file];
    if (!output) throw new Error(`${file} loaded but not in the build's metafile: rebuild (npm run build)`);
    return Object.keys(output.inputs);
  });
  return { code: run.code, stderr: run.stderr, files, modules };
}

const NOT_FOR_LOCAL_BACKUPS = [
  /(^|\/)node_modules\/@aws-sdk\//,
  /(^|\/)node_modules\/@aws-crypto\//,
  /(^|\/)node_modules\/@smithy\//,
  /(^|\/)node_modules\/yauzl\//,
  /^src\/storage\/s3\//,
  /^src\/config\/secret\.ts$/,
  /^src\/crypto\//,
  /^src\/core\/replay\//,
];

beforeAll(async () => {
  work = await tempDir();
  const client = await MongoClient.connect(services.mongodbUri);
  await client.db(dbName).collection('recipes').insertMany(Array.from({ length: 300 }, (_, i) => ({ title: `recipe ${i}` })));
  return async () => {
    await client.db(dbName).dropDatabase();
    await client.close();
  };
});

describe('what a command loads', () => {
  it('a backup to a local folder loads the driver but neither the AWS SDK, the Encryption SDK, yauzl nor the replay engine', async () => {
    const run = await loadedModules(['backup', '--uri', services.mongodbUri, '--db', dbName, '--to', join(work, 'backups')]);
    expect(run.code, run.stderr).toBe(0);
    // The log works: it saw the bundle's chunks, and in them the driver, which a backup does need.
    expect(run.files).toContain('dist/cli-bundle/main.js');
    expect(run.modules.some((path) => path.includes('node_modules/mongodb/lib/'))).toBe(true);
    expect(run.modules.filter((path) => NOT_FOR_LOCAL_BACKUPS.some((pattern) => pattern.test(path)))).toEqual([]);
  });

  it('--version and --help load no package, no storage and no progress display', async () => {
    for (const args of [['--version'], ['--help']]) {
      const run = await loadedModules(args);
      expect(run.code, run.stderr).toBe(0);
      expect(run.modules).toContain('src/cli/main.ts');
      expect(run.modules.filter((path) => /(^|\/)node_modules\/|^src\/storage\/|^src\/cli\/(context|progress)\.ts$/.test(path))).toEqual([]);
    }
  });
});

describe('bin/mongosafe.js without a build', () => {
  it('says it is not built and what to run, in one line and a hint, exit 1', async () => {
    // A checkout as git gives it, before `npm run build`: bin/ and package.json, no dist/.
    const checkout = join(work, uniqueName('checkout'));
    await mkdir(join(checkout, 'bin'), { recursive: true });
    await copyFile(join(REPO_ROOT, 'bin/mongosafe.js'), join(checkout, 'bin/mongosafe.js'));
    await copyFile(join(REPO_ROOT, 'package.json'), join(checkout, 'package.json'));
    const run = spawnSync(process.execPath, [join(checkout, 'bin/mongosafe.js'), '--version'], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`mongosafe: the CLI is not built (${join(checkout, 'dist/cli-bundle/main.js')} is missing)\n  hint: run 'npm run build' in ${checkout}/\n`);
  });
});

describe("Node's compile cache", () => {
  it.skipIf(!node22)(`is enabled on Node 22, in the temporary folder${noNode22}`, async () => {
    const tmp = join(work, 'tmp');
    await mkdir(tmp);
    const run = await runCli(['--version'], { TMPDIR: tmp, NODE_COMPILE_CACHE: undefined, NODE_DISABLE_COMPILE_CACHE: undefined }, { node: node22 });
    expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(await readdir(join(tmp, 'node-compile-cache'))).not.toEqual([]);
  });

  it(`changes nothing where it cannot be had: Node ${process.versions.node} (Node 20 lacks it), its temporary folder a file`, async () => {
    await expectCommandsWithoutCache(undefined);
  });

  it.skipIf(!node22)(`changes nothing where it cannot be written: Node 22, its temporary folder a file${noNode22}`, async () => {
    await expectCommandsWithoutCache(node22);
  });
});

/** --version and a backup run as ever, and quietly, when there is no cache folder to be had. */
async function expectCommandsWithoutCache(node: string | undefined): Promise<void> {
  const notAFolder = join(work, uniqueName('not-a-folder'));
  await writeFile(notAFolder, '');
  const env = { TMPDIR: notAFolder, NODE_COMPILE_CACHE: undefined, NODE_DISABLE_COMPILE_CACHE: undefined };
  const version = await runCli(['--version'], env, { node });
  expect(version, version.stderr).toMatchObject({ code: 0, stderr: '' });
  expect(version.stdout).toMatch(/^mongosafe \d+\.\d+\.\d+/);
  const backup = await runCli(['backup', '--uri', services.mongodbUri, '--db', dbName, '--to', join(work, uniqueName('no-cache'))], env, { node });
  expect(backup, backup.stderr).toMatchObject({ code: 0, stderr: '' });
  expect(backup.stdout).toMatch(/complete: 1 namespaces, 300 documents/);
}
