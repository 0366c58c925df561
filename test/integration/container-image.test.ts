// The container image that `npm run image` builds, run for real. No container runtime works
// here (podman cannot set up its cgroups), but the image's root filesystem can be: buildah
// mounts it, and its entrypoint runs under chroot as the image's user, with the image's
// environment and nothing of this machine's, against the test server and the S3 service.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_USER, buildImage, buildahArgs, buildahMissing, hostImageArch, type BuiltImage, type ImageArch } from '../../scripts/build-image.js';
import { outputOf, type CliRun } from '../helpers/cli.js';
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

/** A root filesystem of the image, mounted; `emulator` runs the other architecture's binaries. */
interface Mounted {
  config: ImageConfig;
  rootfs: string;
  emulator?: string;
}

/**
 * The image's entrypoint with `args` (its Cmd when none), as the image's user, with only the
 * image's environment and `env`.
 */
function runInImage(args: readonly string[] | undefined, env: Record<string, string>, image: Mounted = { config, rootfs }): Promise<CliRun> {
  const imageEnv = Object.fromEntries(image.config.Env.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  const command = [...(image.emulator ? [image.emulator] : []), ...image.config.Entrypoint, ...(args ?? image.config.Cmd)];
  return outputOf(spawn('chroot', [`--userspec=${image.config.User}`, image.rootfs, ...command], { env: { ...imageEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
}

async function mountImage(built: BuiltImage): Promise<Mounted & { container: string }> {
  const imageConfig = (JSON.parse(await buildah('inspect', '--type', 'image', built.name)) as { OCIv1: { config: ImageConfig } }).OCIv1.config;
  // The other architecture's image is refused by default: it cannot run here (but under an emulator).
  const container = await buildah('from', '--pull-never', '--arch', built.arch, built.name);
  return { container, config: imageConfig, rootfs: await buildah('mount', container) };
}

async function unmount(container: string): Promise<void> {
  await buildah('umount', container).catch(() => undefined);
  await buildah('rm', container).catch(() => undefined);
}

// The image for the other architecture (arm64 is Fargate's default here) runs under qemu's user
// mode emulator (Debian's qemu-user-static), copied into its root filesystem, when there is one.
const otherArch: ImageArch | undefined = arch === 'amd64' ? 'arm64' : arch === 'arm64' ? 'amd64' : undefined;
const emulatorName = otherArch === 'arm64' ? 'qemu-aarch64-static' : 'qemu-x86_64-static';
const emulator = (process.env.PATH ?? '').split(':').map((dir) => join(dir, emulatorName)).find((path) => existsSync(path));
if (!cannotRun && !emulator) console.error(`NOTICE: the ${otherArch ?? 'other'} image is not run: ${emulatorName} is not installed (Debian: apt-get install qemu-user-static)`);

describe.skipIf(cannotRun !== undefined)('the container image (npm run image)', () => {
  beforeAll(async () => {
    image = await buildImage(arch as ImageArch);
    ({ container, config, rootfs } = await mountImage(image));
    mongo = await MongoClient.connect(services.mongodbUri);
    await mongo.db(dbName).collection('recipes').insertMany(Array.from({ length: 300 }, (_, i) => ({ title: `recipe ${i}`, steps: ['mix', 'bake'], minutes: i % 90 })));
    await new S3Client({ forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: bucket }));
  });

  afterAll(async () => {
    if (container) await unmount(container);
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

  it.skipIf(!emulator)(`the ${otherArch ?? 'other'} image backs up too (under ${emulatorName}), and this machine's image verifies its backup`, async () => {
    const other = await mountImage(await buildImage(otherArch as ImageArch));
    try {
      await copyFile(emulator as string, join(other.rootfs, emulatorName));
      const destination = `s3://${bucket}/${otherArch ?? 'other'}`;
      const aws = { AWS_ENDPOINT_URL: services.awsEndpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
      const job = await runInImage(undefined, { ...aws, MONGODB_URI: services.mongodbUri, DESTINATION: destination, DATABASES: dbName }, { ...other, emulator: `/${emulatorName}` });
      expect(job.stderr).toBe('');
      expect(job.code).toBe(0);
      const verify = await runInImage(['verify', 'latest', '--from', destination, '--json'], aws);
      expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, backups: [{ documents: 300 }] });
    } finally {
      await unmount(other.container);
    }
  });
});
