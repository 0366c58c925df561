import type { Binary, Document, MongoClient } from 'mongodb';
import { bodyNamespaceOf } from '../archive/body-namespace.js';
import { MongosafeError } from '../errors.js';
import { namespaceFilter } from './namespace-filter.js';

/** One collection, view or timeseries collection as the server describes it. */
export interface SourceNamespace {
  db: string;
  collection: string;
  type: 'collection' | 'view' | 'timeseries';
  /** listCollections `options`, as returned (raw BSON values kept by the caller's decode options). */
  options: Document;
  /** listIndexes documents, as returned; empty for views. */
  indexes: Document[];
  /** 32 lowercase hex digits, when the server reports one. */
  uuid?: string;
  /** The collection whose documents are read: `bodyNamespaceOf` (system.buckets.X for timeseries before server 8.3). */
  dataCollection: string;
}

export interface CatalogOptions {
  /** Databases to back up; empty = every user database. */
  databases?: readonly string[];
  include?: readonly string[];
  exclude?: readonly string[];
  /** The server's version: where timeseries data is read from depends on it (`bodyNamespaceOf`). */
  serverVersion: string;
  signal?: AbortSignal;
}

/** Never backed up unless named: server-internal databases. */
const INTERNAL_DATABASES = new Set(['local', 'config']);

/**
 * Lists what a backup will contain, metadata first (DESIGN.md §5). Values
 * are read without promotion, so int32/int64/double in options and index
 * specs keep their BSON types in the archive metadata.
 */
export async function readCatalog(client: MongoClient, options: CatalogOptions): Promise<SourceNamespace[]> {
  const databases = options.databases?.length ? [...options.databases] : await userDatabases(client);
  const selected = namespaceFilter({ include: options.include, exclude: options.exclude });
  const result: SourceNamespace[] = [];
  const empty: string[] = [];
  for (const dbName of databases) {
    options.signal?.throwIfAborted();
    const db = client.db(dbName);
    const infos = await db.listCollections({}, { nameOnly: false, promoteValues: false, promoteLongs: false }).toArray();
    if (infos.length === 0) empty.push(dbName);
    for (const info of infos) {
      const name = String(info.name);
      if (!isBackedUp(name) || !selected(`${dbName}.${name}`)) continue;
      const type = info.type === 'view' ? 'view' : info.type === 'timeseries' ? 'timeseries' : 'collection';
      const dataCollection = bodyNamespaceOf({ db: dbName, collection: name, type }, options.serverVersion).collection;
      const indexes: Document[] =
        type === 'view'
          ? []
          : (await db.collection(type === 'timeseries' ? dataCollection : name).listIndexes({ promoteValues: false, promoteLongs: false }).toArray()).map((index: Document) => index);
      result.push({
        db: dbName,
        collection: name,
        type,
        options: info.options ?? {},
        indexes,
        uuid: uuidHex(info.info?.uuid),
        dataCollection,
      });
    }
  }
  // A database exists only while it has a collection: only a named one with none is worth a
  // listDatabases call (slow on some servers), to say what there is instead.
  if (options.databases?.length && empty.length > 0) await assertDatabasesExist(client, empty);
  return result;
}

async function userDatabases(client: MongoClient): Promise<string[]> {
  const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
  return databases.map((d) => d.name).filter((name) => !INTERNAL_DATABASES.has(name) && name !== 'admin').sort();
}

async function assertDatabasesExist(client: MongoClient, wanted: readonly string[]): Promise<void> {
  const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
  const present = new Set(databases.map((d) => d.name));
  const missing = wanted.filter((name) => !present.has(name));
  if (missing.length > 0) {
    throw new MongosafeError('NOT_FOUND', `database ${missing.map((m) => `"${m}"`).join(', ')} not found on the server`, `the server has: ${[...present].sort().join(', ') || 'no databases'}`);
  }
}

/**
 * mongodump's rule: `system.*` collections are internal, except `system.js`
 * (stored functions). Timeseries buckets are read through their collection.
 */
function isBackedUp(name: string): boolean {
  return !name.startsWith('system.') || name === 'system.js';
}

function uuidHex(uuid: Binary | undefined): string | undefined {
  if (!uuid || typeof uuid !== 'object' || !('buffer' in uuid)) return undefined;
  return Buffer.from(uuid.buffer).toString('hex');
}
