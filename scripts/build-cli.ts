// `npm run build`, after tsc: bundles the CLI with esbuild into dist/cli-bundle/, which
// bin/mongosafe.js loads. Node loading the driver and the AWS SDK file by file was most of a
// small command's start-up (issue 21); one bundle cuts a small backup's CPU by about a quarter.
// Split, not one file: each command, the S3 storage, the Encryption SDK and Secrets Manager
// stay chunks of their own that load on demand, so a backup to a folder still loads no AWS SDK.
// meta.json says which sources each chunk holds (test/integration/start-up.test.ts reads it);
// package.json's "files" ships only the .js.
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ROOT, nodeBundleOptions, packageVersion } from './node-bundle.js';

export const CLI_BUNDLE_DIR = join(ROOT, 'dist', 'cli-bundle');

export async function buildCli(outDir: string = CLI_BUNDLE_DIR): Promise<void> {
  // A chunk's name carries its content's hash: without this, a rebuild would leave the old ones to be packed.
  await rm(outDir, { recursive: true, force: true });
  const result = await build({
    ...nodeBundleOptions(await packageVersion()),
    entryPoints: { main: join(ROOT, 'src/cli/main.ts') },
    outdir: outDir,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    target: 'node20.19',
    metafile: true,
    absWorkingDir: ROOT,
  });
  await writeFile(join(outDir, 'meta.json'), JSON.stringify(result.metafile));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildCli();
}
