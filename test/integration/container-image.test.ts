// The container image that `npm run image` builds, run for real. No container runtime works
// here (podman cannot set up its cgroups), but the image's root filesystem can be: buildah
// mounts it, and its entrypoint runs under chroot as the image's user, with the image's
// environment and nothing of this machine's, against the test server and the S3 service.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_USER, buildImage, buildahArgs, buildahMissing, hostImageArch, type BuiltImage } from '../../scripts/build-image.js';
import { testServices, uniqueName } from '../helpers/services.js';

const execFileAsync = promisify(execFile);
const services = testServices();
const arch = hostImageArch();
const cannotRun =
  buildahMissing() ??
  (arch === undefined ? `the image is built for Linux amd64 and arm64, and this is ${process.platform}-${process.arch}` : undefined) ??
  (process.getuid?.() !== 0 ? 'chroot needs root (CAP_SYS_CHROOT), and the tests run as another user' : undefined);
if (cannotRun) console.error(`NOTICE: the container image test is SKIPPED: ${cannotRun}`);

interface ImageConfig {
  User: string;
  Env: string[];
  Entrypoint: string[];
  Cmd: string[];
}

const dbName = uniqueName('image');
const bucket = uniqueName('image').replace(/_/g, '-').toLowerCase();
let image: BuiltImage;
let config: ImageConfig;
let container: string;
let rootfs: string;
let mongo: MongoClient;

async function buildah(...args: string[]): Promise<string> {
  return (await execFileAsync('buildah', [...buildahArgs(), ...args], { maxBuffer: 16 * 1024 * 1024 })).stdout.trim();
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The image's entrypoint with `args` (its Cmd when none), as the image's user, with only the image's environment and `env`. */
function runInImage(args: readonly string[] | undefined, env: Record<string, string>): Promise<Run> {
  const imageEnv = Object.fromEntries(config.Env.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  return new Promise((resolve, reject) => {
    const child = spawn('chroot', [`--userspec=${config.User}`, rootfs, ...config.Entrypoint, ...(args ?? config.Cmd)], { env: { ...imageEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(cannotRun !== undefined)('the container image (npm run image)', () => {
  beforeAll(async () => {
    image = await buildImage(arch as NonNullable<typeof arch>);
    config = (JSON.parse(await buildah('inspect', '--type', 'image', image.name)) as { OCIv1: { config: ImageConfig } }).OCIv1.config;
    container = await buildah('from', '--pull-never', image.name);
    rootfs = await buildah('mount', container);
    mongo = await MongoClient.connect(services.mongodbUri);
    await mongo.db(dbName).collection('recipes').insertMany(Array.from({ length: 300 }, (_, i) => ({ title: `recipe ${i}`, steps: ['mix', 'bake'], minutes: i % 90 })));
    await new S3Client({ forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: bucket }));
  });

  afterAll(async () => {
    if (container) {
      await buildah('umount', container).catch(() => undefined);
      await buildah('rm', container).catch(() => undefined);
    }
    await mongo?.db(dbName).dropDatabase();
    await mongo?.close();
  });

  it('holds Node, its libraries and one bundled file, runs as a non-root user, and carries no connection string', async () => {
    expect((await readdir(rootfs)).sort()).toEqual(expect.arrayContaining(['app', 'etc', 'tmp', 'usr']));
    expect(await readdir(join(rootfs, 'app'))).toEqual(['mongosafe.mjs']);
    expect(existsSync(join(rootfs, 'bin', 'sh'))).toBe(false);
    expect(config.User).toBe(`${IMAGE_USER}:${IMAGE_USER}`);
    expect(config.Entrypoint).toEqual(['/usr/local/bin/node', '/app/mongosafe.mjs']);
    expect(config.Cmd).toEqual(['job']);
    expect(config.Env.join('\n')).not.toMatch(/MONGODB_URI|mongodb:\/\//);
    // What the README states: about 45 MiB to download, about 110 MiB unpacked.
    expect(image.archiveBytes).toBeLessThan(60 * 1024 * 1024);
    const version = await runInImage(['--version'], {});
    expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^mongosafe \d+\.\d+\.\d+/) as unknown });
  });

  it('backs up the test server into S3 with the default command, and the same image verifies the backup', async () => {
    const destination = `s3://${bucket}/nightly`;
    const aws = { AWS_ENDPOINT_URL: services.awsEndpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
    const job = await runInImage(undefined, { ...aws, MONGODB_URI: services.mongodbUri, DESTINATION: destination, DATABASES: dbName, KEEP_DAILY: '7', JOB_NAME: 'recipes-nightly' });
    expect(job.stderr).toBe('');
    expect(job.code).toBe(0);
    const lines = job.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    const complete = lines.find((line) => line.message === 'run complete');
    expect(complete).toMatchObject({ action: 'backup', documents: 300, verified: 'full', pruned: { kept: 1, deleted: 0 } });
    expect(lines.find((line) => '_aws' in line)).toMatchObject({ FunctionName: 'recipes-nightly', BackupSucceeded: 1 });

    const verify = await runInImage(['verify', 'latest', '--from', destination, '--json'], aws);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, backups: [{ id: complete?.id, documents: 300 }] });
  });
});
