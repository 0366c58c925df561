// `npm run package:lambda`: bundles the Lambda handler with esbuild into one
// ESM file, index.mjs (Terraform's handler is `index.handler`), and writes
// dist/lambda.zip. Everything is bundled, the AWS SDK included, so the
// runtime's own copy never matters (DESIGN.md §6). No native modules, no shell-outs.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateRawSync } from 'node:zlib';
import { build } from 'esbuild';
import { ROOT, nodeBundleOptions, packageVersion } from './node-bundle.js';

export interface LambdaPackage {
  bundlePath: string;
  zipPath: string;
  bundleBytes: number;
  zipBytes: number;
  version: string;
}

export async function packageLambda(outDir: string = join(ROOT, 'dist')): Promise<LambdaPackage> {
  const version = await packageVersion();
  const bundlePath = join(outDir, 'lambda', 'index.mjs');
  await build({
    ...nodeBundleOptions(version),
    entryPoints: [join(ROOT, 'src/lambda/handler.ts')],
    outfile: bundlePath,
    target: 'node22',
    minify: true,
  });
  const bundle = await readFile(bundlePath);
  const zip = zipFiles([{ name: 'index.mjs', data: bundle }]);
  const zipPath = join(outDir, 'lambda.zip');
  await mkdir(outDir, { recursive: true });
  await writeFile(zipPath, zip);
  return { bundlePath, zipPath, bundleBytes: bundle.length, zipBytes: zip.length, version };
}

/**
 * A minimal zip (PKWARE APPNOTE 6.3.x): each file deflated, a local header
 * before it, then the central directory and its end record. A fixed timestamp
 * (1980-01-01) makes the zip reproducible, so Terraform's source_code_hash
 * changes only when the code does.
 */
export function zipFiles(files: ReadonlyArray<{ name: string; data: Buffer }>): Buffer {
  const DOS_DATE_1980_01_01 = (1 << 5) | 1;
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const name = Buffer.from(file.name, 'utf8');
    const deflated = deflateRawSync(file.data, { level: 9 });
    const crc = crc32(file.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); // local file header signature
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0x0800, 6); // flags: UTF-8 names
    local.writeUInt16LE(8, 8); // method: deflate
    local.writeUInt16LE(0, 10); // time 00:00:00
    local.writeUInt16LE(DOS_DATE_1980_01_01, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(deflated.length, 18);
    local.writeUInt32LE(file.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28); // extra field length
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0); // central directory header signature
    entry.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0 (so the mode below counts)
    local.copy(entry, 6, 4, 28); // version needed … file name length: same as the local header
    // 30-37: extra/comment length, disk number, internal attributes: 0
    entry.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: regular file, rw-r--r--
    entry.writeUInt32LE(offset, 42);
    parts.push(local, name, deflated);
    central.push(entry, name);
    offset += local.length + name.length + deflated.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); // end of central directory signature
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const result = await packageLambda();
  const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
  console.log(`${result.zipPath}: ${mib(result.zipBytes)} (index.mjs ${mib(result.bundleBytes)}, mongosafe ${result.version}) in ${Date.now() - started} ms`);
}
