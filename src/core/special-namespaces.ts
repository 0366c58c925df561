/**
 * Which namespaces of a dump restore never writes, and why: the namespace policy shared by
 * restore (its plan, dry run and write pass), the restore drill and inspect. What mongorestore
 * does with each is in shared/research/mongorestore-layouts.md §3.
 *
 * Skipped namespaces are still read and checked (CRC, counts) with the rest of the dump; they
 * are only never written. Everything not named here, `system.js`, `config.*` and `local.*`
 * included, is an ordinary collection.
 */

/** Why a namespace is not written. */
export type SkipKind = 'oplog' | 'no-database' | 'server-version' | 'users' | 'roles' | 'views' | 'profile' | 'legacy-indexes';

/** What restore does with a namespace: write it, or skip it for a reason. */
export type NamespaceDecision = { restore: true } | { restore: false; kind: SkipKind; reason: string };

/**
 * The decision for one source namespace (the dump's name, before any --ns-from/--ns-to rename).
 * `documents`, when known, goes into the reason ("18 entries", "3 users"). Pure.
 */
export function decideNamespace(ns: { db: string; collection: string }, documents?: number): NamespaceDecision {
  const kind = skipKindOf(ns);
  return kind === undefined ? { restore: true } : { restore: false, kind, reason: skipReason(kind, documents) };
}

/** The one warning line of a skipped namespace: its name, then the reason. */
export function skipWarning(ns: { db: string; collection: string }, reason: string): string {
  // The oplog's reason names it already; ".oplog: the oplog …" would say it twice.
  return isDumpOplog(ns) ? reason : `${ns.db}.${ns.collection}: ${reason}`;
}

/**
 * mongodump --oplog's oplog: db "", collection "oplog" (an archive's `.oplog` entry, a dump
 * root's oplog.bson). Nothing else of db "" is a dump (mongorestore ignores top-level files),
 * and no server takes a database named "".
 */
export function isDumpOplog({ db, collection }: { db: string; collection: string }): boolean {
  return db === '' && collection === 'oplog';
}

function skipKindOf({ db, collection }: { db: string; collection: string }): SkipKind | undefined {
  if (db === '') return isDumpOplog({ db, collection }) ? 'oplog' : 'no-database';
  if (db === 'admin') {
    // mongorestore reads admin.system.version only for the auth schema and never restores it;
    // users and roles go through _mergeAuthzCollections, never as inserted documents.
    if (collection === 'system.version') return 'server-version';
    if (collection === 'system.users') return 'users';
    if (collection === 'system.roles') return 'roles';
  }
  if (collection === 'system.views') return 'views';
  if (collection === 'system.profile') return 'profile';
  if (collection === 'system.indexes') return 'legacy-indexes';
  return undefined;
}

function skipReason(kind: SkipKind, documents: number | undefined): string {
  const count = (one: string, many: string): string => (documents === undefined ? many : `${documents} ${documents === 1 ? one : many}`);
  switch (kind) {
    case 'oplog':
      return `the oplog (${documents === undefined ? '' : `${count('entry', 'entries')}, `}written by mongodump --oplog) is not replayed without --oplog-replay; the data is as of the dump's start, not its end`;
    case 'no-database':
      return 'not in any database, never restored (mongorestore ignores it too)';
    case 'server-version':
      return "the server's own auth-schema/feature-version record, never restored (as mongorestore)";
    case 'users':
      return `${count('user', 'users')} not restored: recreate with createUser or in Atlas (users are never inserted as documents)`;
    case 'roles':
      return `${count('role', 'roles')} not restored: recreate with createRole or in Atlas (roles are never inserted as documents)`;
    case 'views':
      return "the database's view definitions, not inserted: each view is recreated from its own entry in the dump";
    case 'profile':
      return "the database profiler's log, never restored (as mongorestore)";
    case 'legacy-indexes':
      return "the index list of servers before 3.0, not restored: indexes come from each collection's metadata";
  }
}
