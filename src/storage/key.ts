import { MongosafeError } from '../errors.js';

// A backend's own half-written file: `.<name>.partial-<hex>` (see local/local-storage.ts).
// Keys may never look like one, or list() would hide a real object.
const PARTIAL_NAME = /^\..+\.partial-[0-9a-f]+$/;

/** True for the name (last path segment) of a write still in progress. */
export function isPartialName(name: string): boolean {
  return PARTIAL_NAME.test(name);
}

/**
 * Throws USAGE unless `key` is a storage key: relative, '/'-separated, no empty,
 * '.' or '..' segments, no backslash, no NUL. Both backends call it first, so a
 * key can never escape a local root or an S3 prefix.
 */
export function assertValidKey(key: string): void {
  const segments = key.split('/');
  const bad =
    key.length === 0 ||
    key.length > 1024 ||
    key.includes('\\') ||
    key.includes('\0') ||
    segments.some((segment) => segment === '' || segment === '.' || segment === '..' || isPartialName(segment));
  if (bad) {
    throw new MongosafeError(
      'USAGE',
      `invalid storage key ${JSON.stringify(key)}`,
      "keys are relative and '/'-separated, e.g. 'manifests/20250101T030000Z.json'",
    );
  }
}

/** Throws USAGE unless `prefix` is '' or a valid key prefix (it may end with '/'). */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  assertValidKey(prefix.endsWith('/') ? `${prefix}x` : prefix);
}
