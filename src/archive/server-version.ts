/**
 * The archive header's `server_version`, parsed the way mongorestore parses it
 * (SPEC.md "Header"), because mongorestore refuses archives whose version it cannot parse.
 */

export type ServerVersion = readonly [major: number, minor: number, patch: number];

/** "8.0.4", "5.0.0-rc0", "8.0.0+abc" → numbers; anything mongorestore rejects → undefined. */
export function parseServerVersion(text: string): ServerVersion | undefined {
  const release = (text.split('-', 1)[0] ?? '').split('+', 1)[0] ?? '';
  const parts = release.split('.');
  // mongorestore splits into at most three parts, so "8.0.4.1" has a third part "4.1" and fails.
  if (parts.length !== 3 || !parts.every((part) => /^\d+$/.test(part))) return undefined;
  const [major, minor, patch] = parts.map(Number) as [number, number, number];
  return [major, minor, patch];
}

/** Whether `version` is at least `minimum`; an unparsable version counts as 0.0.0, as in mongorestore. */
export function serverVersionAtLeast(version: string, minimum: ServerVersion): boolean {
  const parsed = parseServerVersion(version) ?? [0, 0, 0];
  for (let i = 0; i < 3; i++) {
    const a = parsed[i] ?? 0;
    const b = minimum[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}
