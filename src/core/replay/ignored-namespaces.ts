/** config collections mongorestore keeps (mongo-tools `ConfigCollectionsToKeep`): the sharding catalog. */
const CONFIG_KEPT = new Set(['chunks', 'collections', 'databases', 'settings', 'shards', 'tags', 'version']);

/**
 * Namespaces whose entries are never replayed (research/oplog-replay.md §4.1, mongo-tools
 * `shouldIgnoreNamespace`): node-local `local`, the server's own `config` collections (the
 * session table, caches…), `__mdb_internal*` databases, and `admin.system.*` (users, roles and
 * the feature-compatibility version belong to the target, and Atlas refuses writes there).
 */
export function isIgnoredNamespace(namespace: string): boolean {
  const dot = namespace.indexOf('.');
  const db = dot < 0 ? namespace : namespace.slice(0, dot);
  const collection = dot < 0 ? '' : namespace.slice(dot + 1);
  if (db === 'local' || db.startsWith('__mdb_internal')) return true;
  if (db === 'config') return !CONFIG_KEPT.has(collection);
  return db === 'admin' && collection.startsWith('system.');
}
