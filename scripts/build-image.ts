// `npm run image [-- --arch amd64|arm64|all]`: the container image of the CLI (issue 22), built
// with buildah FROM scratch into an OCI archive, dist/image/mongosafe-<version>-<arch>.tar.
// The root filesystem holds the official Node 22 binary (npm's node-linux-<arch>), stripped of
// its debug symbols; the glibc libraries it links against, taken from Debian's packages for the
// image's architecture (so an arm64 image for Fargate builds on an x86 machine too); the CLI
// bundled into one file; an /etc/passwd naming the unprivileged user and an empty /tmp.
// buildah keeps its images under the build cache (vfs driver: works without overlay support).
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, lstat, mkdir, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ROOT, nodeBundleOptions, packageVersion } from './node-bundle.js';
import { findNode22, type NodeArch } from './services/node22.js';
import { cacheDir } from './services/paths.js';
import { run } from './services/process.js';

/** OCI's (and Debian's) names for the architectures the image is built for. */
export type ImageArch = 'amd64' | 'arm64';
export const IMAGE_ARCHES: readonly ImageArch[] = ['amd64', 'arm64'];

/** The user the image runs as: not root, and no user of a typical host either. */
export const IMAGE_USER = 65532;

const TARGETS: Record<ImageArch, { node: NodeArch; triplet: string }> = {
  amd64: { node: 'x64', triplet: 'x86_64-linux-gnu' },
  arm64: { node: 'arm64', triplet: 'aarch64-linux-gnu' },
};

// What Node links against: glibc, the C++ runtime and libgcc (checked below against the binary).
const DEBIAN_PACKAGES = ['libc6', 'libstdc++6', 'libgcc-s1'];

export interface BuiltImage {
  arch: ImageArch;
  /** buildah's name for it, in the store `buildahArgs()` points at. */
  name: string;
  /** The OCI archive, for `skopeo copy` or `podman load`. */
  archivePath: string;
  archiveBytes: number;
  /** The root filesystem, unpacked. */
  rootfsBytes: number;
}

/** The arch this machine runs, as OCI names it; undefined where the image cannot be run here. */
export function hostImageArch(): ImageArch | undefined {
  if (process.platform !== 'linux') return undefined;
  return process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : undefined;
}

/** buildah's global options: its own store in the build cache, never the machine's. */
export function buildahArgs(): string[] {
  const home = join(cacheDir(), 'buildah');
  return ['--root', join(home, 'storage'), '--runroot', join(home, 'run'), '--storage-driver', 'vfs'];
}

/** Whether buildah is installed; the reason to give when it is not. */
export function buildahMissing(): string | undefined {
  try {
    execFileSync('buildah', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'buildah is not installed (Debian and Ubuntu: apt-get install buildah; Fedora: dnf install buildah)';
  }
}

export async function buildImage(arch: ImageArch, log: (line: string) => void = () => undefined): Promise<BuiltImage> {
  const missing = buildahMissing();
  if (missing) throw new Error(missing);
  const version = await packageVersion();
  const outDir = join(ROOT, 'dist', 'image');
  const context = join(outDir, `context-${arch}`);
  const rootfs = join(context, 'rootfs');
  await rm(context, { recursive: true, force: true });
  await mkdir(rootfs, { recursive: true });
  try {
    log(`[${arch}] bundling the CLI into one file`);
    await build({
      ...nodeBundleOptions(version),
      entryPoints: [join(ROOT, 'src/cli/run.ts')],
      outfile: join(rootfs, 'app', 'mongosafe.mjs'),
      target: 'node22',
      minify: true,
    });
    log(`[${arch}] Node ${TARGETS[arch].node} binary and the libraries it links against`);
    const node = await findNode22(log, TARGETS[arch].node);
    if ('unavailable' in node) throw new Error(node.unavailable);
    const nodeInImage = join(rootfs, 'usr', 'local', 'bin', 'node');
    await mkdir(dirname(nodeInImage), { recursive: true });
    await copyFile(node.path, nodeInImage);
    // Symbols and debug sections: 125 MB to 107 MB for x64. Node needs neither to run.
    await strip(nodeInImage, arch);
    await chmod(nodeInImage, 0o755);
    await copyLibraries(nodeInImage, await debianSysroot(arch, log), rootfs, arch);
    await mkdir(join(rootfs, 'etc'));
    await writeFile(join(rootfs, 'etc', 'passwd'), `root:x:0:0:root:/root:/sbin/nologin\nmongosafe:x:${IMAGE_USER}:${IMAGE_USER}:mongosafe:/tmp:/sbin/nologin\n`);
    await writeFile(join(rootfs, 'etc', 'group'), `root:x:0:\nmongosafe:x:${IMAGE_USER}:\n`);
    await mkdir(join(rootfs, 'tmp'));
    await chmod(join(rootfs, 'tmp'), 0o1777);
    const rootfsBytes = await treeBytes(rootfs);

    const name = `localhost/mongosafe:${version}-${arch}`;
    log(`[${arch}] buildah build ${name}`);
    await copyFile(join(ROOT, 'infra', 'container', 'Containerfile'), join(context, 'Containerfile'));
    await run('buildah', [
      ...buildahArgs(), 'build', '--quiet', '--platform', `linux/${arch}`, '--timestamp', '0',
      '--label', `org.opencontainers.image.title=mongosafe`,
      '--label', `org.opencontainers.image.version=${version}`,
      '--label', 'org.opencontainers.image.licenses=Apache-2.0',
      '--tag', name, '--file', join(context, 'Containerfile'), context,
    ], { timeoutMs: 10 * 60_000 });
    const archivePath = join(outDir, `mongosafe-${version}-${arch}.tar`);
    await rm(archivePath, { force: true });
    await run('buildah', [...buildahArgs(), 'push', '--quiet', name, `oci-archive:${archivePath}:mongosafe:${version}`], { timeoutMs: 10 * 60_000 });
    // The image this one replaced keeps its layers in the store until pruned.
    await run('buildah', [...buildahArgs(), 'rmi', '--prune']).catch(() => undefined);
    return { arch, name, archivePath, archiveBytes: (await stat(archivePath)).size, rootfsBytes };
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

async function strip(binary: string, arch: ImageArch): Promise<void> {
  // llvm-strip reads either architecture; GNU strip only this machine's.
  for (const tool of ['llvm-strip', 'strip']) {
    try {
      await run(tool, ['--strip-all', binary]);
      return;
    } catch {
      // try the next, or keep the symbols
    }
  }
  if (arch === hostImageArch()) throw new Error('neither llvm-strip nor strip could strip the Node binary (Debian: apt-get install binutils)');
}

/**
 * Debian's libc6, libstdc++6 and libgcc-s1 for `arch`, unpacked into a folder of the build
 * cache: apt downloads them with lists of its own there, so the machine's apt is not changed.
 */
async function debianSysroot(arch: ImageArch, log: (line: string) => void): Promise<string> {
  const home = join(cacheDir(), `debian-sysroot-${arch}`);
  const sysroot = join(home, 'root');
  if (existsSync(join(sysroot, '.complete'))) return sysroot;
  log(`[${arch}] fetching ${DEBIAN_PACKAGES.join(', ')} for ${arch} from Debian's packages (first time only)`);
  const apt = join(home, 'apt');
  for (const folder of ['lists/partial', 'cache/archives/partial', 'debs']) await mkdir(join(apt, folder), { recursive: true });
  const options = [
    '-o', `Dir::State::Lists=${join(apt, 'lists')}`, '-o', `Dir::Cache=${join(apt, 'cache')}`,
    '-o', `APT::Architecture=${arch}`, '-o', `APT::Architectures::=${arch}`,
    // The downloads land in a folder apt's own unprivileged user may not write to.
    '-o', 'APT::Sandbox::User=root',
  ];
  try {
    await run('apt-get', [...options, 'update'], { timeoutMs: 5 * 60_000 });
    await run('apt-get', [...options, 'download', ...DEBIAN_PACKAGES.map((p) => `${p}:${arch}`)], { cwd: join(apt, 'debs'), timeoutMs: 5 * 60_000 });
  } catch (error) {
    throw new Error(`could not fetch ${DEBIAN_PACKAGES.join(', ')} for ${arch} with apt-get (a Debian or Ubuntu machine with its package mirror reachable is needed): ${String(error).split('\n')[0]}`);
  }
  await rm(sysroot, { recursive: true, force: true });
  await mkdir(sysroot, { recursive: true });
  for (const deb of await readdir(join(apt, 'debs'))) await run('dpkg-deb', ['-x', join(apt, 'debs', deb), sysroot]);
  await writeFile(join(sysroot, '.complete'), '');
  return sysroot;
}

/**
 * The dynamic loader and every library `binary` needs, transitively (ELF NEEDED entries, read
 * with readelf, which reads any architecture), copied from the sysroot to the same paths in the
 * image, symlinks resolved. A library the packages do not hold fails the build by name.
 */
async function copyLibraries(binary: string, sysroot: string, rootfs: string, arch: ImageArch): Promise<void> {
  const { triplet } = TARGETS[arch];
  const interpreter = /\[Requesting program interpreter: (.+)\]/.exec(await run('readelf', ['--program-headers', binary]))?.[1];
  if (!interpreter) throw new Error(`${binary} names no dynamic loader`);
  const copied = new Set<string>();
  const copyNeeded = async (file: string, neededBy: string): Promise<void> => {
    for (const needed of await neededLibraries(file)) {
      const found = [`lib/${triplet}/${needed}`, `usr/lib/${triplet}/${needed}`].find((path) => existsSync(join(sysroot, path)));
      if (!found) throw new Error(`${needed}, needed by ${neededBy}, is in none of ${DEBIAN_PACKAGES.join(', ')} for ${arch}`);
      await copyOne(found);
    }
  };
  const copyOne = async (pathInImage: string): Promise<void> => {
    if (copied.has(pathInImage)) return;
    copied.add(pathInImage);
    const target = join(rootfs, pathInImage);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(join(sysroot, await resolveInSysroot(sysroot, pathInImage)), target);
    await chmod(target, 0o755);
    await copyNeeded(target, pathInImage);
  };
  // The loader's path is a link to the library folder in Debian's libc6: a link in the image too.
  const loader = await resolveInSysroot(sysroot, interpreter);
  await copyOne(loader);
  if (`/${loader}` !== interpreter) {
    await mkdir(dirname(join(rootfs, interpreter)), { recursive: true });
    await symlink(`/${loader}`, join(rootfs, interpreter));
  }
  await copyNeeded(binary, 'node');
}

/**
 * `path` with its symlinks followed inside the sysroot, relative to it: the packages' links are
 * absolute (/lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/...), and read on this machine
 * they would lead to its own libraries.
 */
async function resolveInSysroot(sysroot: string, path: string): Promise<string> {
  let current = path.replace(/^\/+/, '');
  for (let hops = 0; hops < 40; hops++) {
    if (!(await lstat(join(sysroot, current))).isSymbolicLink()) return current;
    const target = await readlink(join(sysroot, current));
    current = target.startsWith('/') ? target.replace(/^\/+/, '') : join(dirname(current), target);
  }
  throw new Error(`${path} in the Debian packages is a loop of symlinks`);
}

async function neededLibraries(file: string): Promise<string[]> {
  const dynamic = await run('readelf', ['--dynamic', file]);
  return [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[(.+?)\]/g)].map((m) => m[1] as string);
}

async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

function parseArches(argv: readonly string[]): ImageArch[] {
  const at = argv.indexOf('--arch');
  const value = at === -1 ? 'all' : argv[at + 1];
  if (value === 'all') return [...IMAGE_ARCHES];
  if (value === 'amd64' || value === 'arm64') return [value];
  throw new Error(`--arch takes amd64, arm64 or all, not ${value ?? 'nothing'}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  try {
    for (const arch of parseArches(process.argv.slice(2))) {
      const started = Date.now();
      const image = await buildImage(arch, (line) => console.log(line));
      console.log(`${image.archivePath}: ${mib(image.archiveBytes)} compressed, ${mib(image.rootfsBytes)} unpacked (${image.name}) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
  } catch (error) {
    console.error(`npm run image: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
