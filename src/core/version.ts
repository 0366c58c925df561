import { readFileSync } from 'node:fs';

/**
 * The package version, read once from package.json (two folders up from
 * both src/core and dist/core). The CLI and Lambda bundles, which have no package.json
 * beside them, get it inlined as MONGOSAFE_BUNDLED_VERSION (scripts/node-bundle.ts).
 */
function readVersion(): string {
  const fromBundle = process.env.MONGOSAFE_BUNDLED_VERSION;
  if (fromBundle) return fromBundle;
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export const TOOL_VERSION = readVersion();
