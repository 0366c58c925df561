import { createHash, randomBytes } from 'node:crypto';
import type { Document, MongoClient } from 'mongodb';
import { bodyNamespaceOf } from '../archive/body-namespace.js';
import { parseMetadataJson } from '../archive/metadata.js';
import { namespaceOf, type ArchiveEvent } from '../archive/types.js';
import { MongosafeError, type ErrorDetails } from '../errors.js';
import { connectSource } from '../source/connect.js';
import type { BackupSource } from './backup-source.js';
import { restoreSource } from './restore.js';
import { decideNamespace } from './special-namespaces.js';

export interface DrillResult {
  /** The scratch databases used (and dropped): original db → scratch db. */
  scratch: Record<string, string>;
  namespaces: number;
  documents: number;
  /** The first difference found, when any. */
  problem?: string;
  /** The same as data: the namespace, and kind `count` or `checksum` (`invalid` for missing indexes). */
  details?: ErrorDetails;
}

/**
 * A restore drill: restores the backup into scratch databases of its own,
 * then compares every namespace with the archive — document count, an
 * order-independent digest of every document's raw bytes, and the index
 * definitions. The scratch databases are dropped afterwards, even on failure.
 */
export async function drill(source: BackupSource, options: { scratchUri: string; signal?: AbortSignal; connectTimeoutMs?: number }): Promise<DrillResult> {
  const expected = await drillPlan(source.events(options.signal));
  const databases = [...new Set([...expected.values()].map((ns) => ns.db))].sort();
  // Short names: Atlas shared tiers allow database names of 38 bytes at most.
  const token = randomBytes(3).toString('hex');
  const scratch = Object.fromEntries(databases.map((db, i) => [db, `mongosafe_drill_${token}_${i}`]));
  const client = await connectSource(options.scratchUri, { connectTimeoutMs: options.connectTimeoutMs });
  try {
    await restoreSource(source, {
      uri: options.scratchUri,
      renames: databases.map((db) => ({ from: `${db.replace(/[*\\]/g, '\\$&')}.*`, to: `${scratch[db] ?? db}.*` })),
      signal: options.signal,
    });
    let documents = 0;
    for (const ns of expected.values()) {
      const target = client.db(scratch[ns.db] ?? ns.db);
      const actual = await collectionDigest(target.collection(ns.bodyCollection).find({}, { raw: true }));
      documents += actual.documents;
      const where = `${namespaceOf(ns)} (restored as ${target.databaseName}.${ns.bodyCollection})`;
      const namespace = namespaceOf(ns);
      const found = (problem: string, kind: ErrorDetails['kind']): DrillResult => ({ scratch, namespaces: expected.size, documents, problem, details: { namespace, kind } });
      if (actual.documents !== ns.documents) return found(`${where}: ${actual.documents} documents restored, the archive has ${ns.documents}`, 'count');
      if (actual.digest !== ns.digest) return found(`${where}: the restored documents differ from the archive's (digest mismatch)`, 'checksum');
      const missing = await missingIndexes(client, target.databaseName, ns);
      if (missing.length > 0) return found(`${where}: indexes missing after restore: ${missing.join(', ')}`, 'invalid');
    }
    return { scratch, namespaces: expected.size, documents };
  } finally {
    for (const name of Object.values(scratch)) await client.db(name).dropDatabase().catch(() => undefined);
    await client.close().catch(() => undefined);
  }
}

/** One namespace the drill compares, with what the archive holds for it. */
export interface ExpectedNamespace {
  db: string;
  collection: string;
  /** Where its documents live: `bodyNamespaceOf` (system.buckets.X for timeseries before server 8.3). */
  bodyCollection: string;
  documents: number;
  digest: bigint;
  indexes: string[];
  type: string;
}

/**
 * What the drill compares, from one pass over the archive's events: per data namespace (views
 * hold none), where the restore puts its documents, their count and order-independent digest.
 * Namespaces restore skips (the oplog, admin.system.users, …: special-namespaces.ts) are not
 * written, so not compared. Keyed by body namespace. Pure, so which namespaces get compared is
 * testable without a server.
 */
export async function drillPlan(events: AsyncIterable<ArchiveEvent>): Promise<Map<string, ExpectedNamespace>> {
  const byBody = new Map<string, ExpectedNamespace>();
  /** Body namespaces whose documents restore does not write: views' (none) and skipped ones'. */
  const unwritten = new Set<string>();
  let serverVersion = '';
  for await (const event of events) {
    if (event.kind === 'header') serverVersion = event.header.serverVersion;
    else if (event.kind === 'prelude') {
      for (const entry of event.entries) {
        const type = entry.type ?? 'collection';
        const body = bodyNamespaceOf(entry, serverVersion);
        if (type === 'view' || !decideNamespace(entry).restore) {
          unwritten.add(namespaceOf(body));
          continue;
        }
        const metadata = entry.metadata ? parseMetadataJson(entry.metadata, namespaceOf(entry)) : { options: {}, indexes: [] };
        byBody.set(namespaceOf(body), {
          db: entry.db,
          collection: entry.collection,
          bodyCollection: body.collection,
          documents: 0,
          digest: 0n,
          indexes: metadata.indexes.map((index: Document) => String(index.name)),
          type,
        });
      }
    } else if (event.kind === 'documents') {
      const ns = byBody.get(namespaceOf(event));
      if (!ns) {
        if (unwritten.has(namespaceOf(event))) continue;
        // Documents the plan has no place for would go uncompared, and the drill would pass without them.
        throw new MongosafeError('INTERNAL', `restore drill: the archive has documents under ${namespaceOf(event)}, which no namespace of its prelude claims`, 'report this as a bug; the drill cannot vouch for this backup', {
          details: { namespace: namespaceOf(event) },
        });
      }
      for (const doc of event.documents) ns.digest = BigInt.asUintN(64, ns.digest + documentHash(doc));
      ns.documents += event.documents.length;
    }
  }
  return byBody;
}

async function collectionDigest(cursor: AsyncIterable<unknown>): Promise<{ documents: number; digest: bigint }> {
  let documents = 0;
  let digest = 0n;
  for await (const doc of cursor) {
    digest = BigInt.asUintN(64, digest + documentHash(doc as Uint8Array));
    documents++;
  }
  return { documents, digest };
}

/** 64 bits of a document's SHA-256; summing them is independent of order. */
function documentHash(doc: Uint8Array): bigint {
  return createHash('sha256').update(doc).digest().readBigUInt64LE(0);
}

async function missingIndexes(client: MongoClient, db: string, ns: ExpectedNamespace): Promise<string[]> {
  if (ns.type === 'timeseries') return [];
  const present = new Set((await client.db(db).collection(ns.bodyCollection).listIndexes().toArray()).map((i: Document) => String(i.name)));
  return ns.indexes.filter((name) => !present.has(name));
}

export function assertScratchUri(uri: string | undefined): string {
  if (!uri) throw new MongosafeError('USAGE', 'verify --deep needs --uri: a MongoDB where scratch databases can be created and dropped', 'point --uri at a test or staging server, never production');
  return uri;
}
