/**
 * Which namespace carries a collection's documents (SPEC.md "Prelude"). The prelude, the
 * manifest and people name a timeseries collection `X`; its buckets travel as
 * `system.buckets.X` when the server is older than 8.3.0, and as `X` from 8.3.0 on. Every
 * reader, writer, restore and check asks here, so the two sides can never disagree: a copy of
 * this rule that missed the 8.3 case once let the restore drill compare nothing for timeseries.
 */
import { serverVersionAtLeast, type ServerVersion } from './server-version.js';
import { namespaceOf, type PreludeEntry } from './types.js';

/** From this server version on, timeseries data travels under the collection's own name. */
const TIMESERIES_RAW_SINCE: ServerVersion = [8, 3, 0];
const BUCKETS_PREFIX = 'system.buckets.';

/**
 * The namespace under which a collection's documents are read, written and carried in the
 * archive body: its own name, except old-style timeseries. `serverVersion` is the archive
 * header's (or the source server's); an unparsable one counts as 0.0.0, as in mongorestore.
 */
export function bodyNamespaceOf(entry: Pick<PreludeEntry, 'db' | 'collection' | 'type'>, serverVersion: string): { db: string; collection: string } {
  if (entry.type === 'timeseries' && !serverVersionAtLeast(serverVersion, TIMESERIES_RAW_SINCE)) {
    return { db: entry.db, collection: BUCKETS_PREFIX + entry.collection };
  }
  return { db: entry.db, collection: entry.collection };
}

/**
 * The other direction: per body namespace ("db.collection" as in the body's headers), the
 * prelude entry whose documents it carries.
 */
export function entriesByBodyNamespace<Entry extends Pick<PreludeEntry, 'db' | 'collection' | 'type'>>(
  entries: Iterable<Entry>,
  serverVersion: string,
): Map<string, Entry> {
  const byBody = new Map<string, Entry>();
  for (const entry of entries) byBody.set(namespaceOf(bodyNamespaceOf(entry, serverVersion)), entry);
  return byBody;
}

/**
 * The timeseries collection whose old-style buckets a collection (or file stem) named
 * `system.buckets.X` holds: X; undefined for any other name.
 */
export function bucketsOwnerOf(collection: string): string | undefined {
  return collection.startsWith(BUCKETS_PREFIX) ? collection.slice(BUCKETS_PREFIX.length) : undefined;
}
