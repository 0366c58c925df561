// What the Lambda bundle (package-lambda.ts) and the CLI bundle (build-cli.ts) share: esbuild's
// settings for mongosafe as ESM on Node, the driver and the AWS SDK inside.
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// Optional peers of the mongodb driver. It loads each with require() inside a
// try/catch and goes without when it is missing (no Kerberos, snappy, zstd wire
// compression, client-side encryption, GCP/AWS auth helpers, SOCKS5 proxy).
// Kept out of the bundle so it builds without them and carries no native code.
export const OPTIONAL_DRIVER_PEERS = [
  'kerberos',
  'snappy',
  '@mongodb-js/zstd',
  'mongodb-client-encryption',
  'gcp-metadata',
  'socks',
  '@aws-sdk/credential-providers',
] as const;

/** The version in package.json, which a bundle carries inlined (it has no package.json beside it). */
export async function packageVersion(): Promise<string> {
  return (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** esbuild's options for a bundle of mongosafe: each caller adds its entry points, output and target. */
export function nodeBundleOptions(version: string): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    format: 'esm',
    legalComments: 'none',
    external: [...OPTIONAL_DRIVER_PEERS],
    // The driver and the SDK are CommonJS inside; their require() calls (of
    // node: built-ins and the optional peers) need a real require in ESM.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    // src/core/version.ts reads package.json two folders up, which a bundle has not.
    define: { 'process.env.MONGOSAFE_BUNDLED_VERSION': JSON.stringify(version) },
    logLevel: 'warning',
  };
}
