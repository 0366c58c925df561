import { createHash, randomBytes } from 'node:crypto';
import type { Document, MongoClient } from 'mongodb';
import { bodyNamespaceOf } from '../archive/body-namespace.js';
import { parseMetadataJson } from '../archive/metadata.js';
import { namespaceOf, type ArchiveEvent, type PreludeEntry } from '../archive/types.js';
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
 * `plan` is what verify's pass over the whole backup gathered (every check passed): the
 * drill reads the backup once more, to restore it, and skips restore's own check pass.
 */
export async function drill(source: BackupSource, plan: DrillPlanner, options: { scratchUri: string; signal?: AbortSignal; connectTimeoutMs?: number }): Promise<DrillResult> {
  const { expected } = plan;
  const databases = [...new Set([...expected.values()].map((ns) => ns.db))].sort();
  // Short names: Atlas shared tiers allow database names of 38 bytes at most.
  const token = randomBytes(3).toString('hex');
  const scratch = Object.fromEntries(databases.map((db, i) => [db, `mongosafe_drill_${token}_${i}`]));
  const client = await connectSource(options.scratchUri, { connectTimeoutMs: options.connectTimeoutMs, signal: options.signal });
  try {
    await restoreSource(source, {
      uri: options.scratchUri,
      renames: databases.map((db) => ({ from: `${db.replace(/[*\\]/g, '\\$&')}.*`, to: `${scratch[db] ?? db}.*` })),
      signal: options.signal,
    }, plan.documents);
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
 * What the drill compares, gathered from the archive's events as verify reads them (`add` each
 * one): per data namespace (views hold none), where the restore puts its documents, their count
 * and order-independent digest. Namespaces restore skips (the oplog, admin.system.users, …:
 * special-namespaces.ts) are not written, so not compared. Keyed by body namespace. Pure, so
 * which namespaces get compared is testable without a server.
 */
export class DrillPlanner {
  /** The namespaces to compare, by body namespace. */
  readonly expected = new Map<string, ExpectedNamespace>();
  /** Every body namespace's document count, as its end-of-namespace event said: restore's plan. */
  readonly documents = new Map<string, number>();
  /** Body namespaces whose documents restore does not write: views' (none) and skipped ones'. */
  private readonly unwritten = new Set<string>();
  private serverVersion = '';

  add(event: ArchiveEvent): void {
    if (event.kind === 'header') this.serverVersion = event.header.serverVersion;
    else if (event.kind === 'prelude') {
      for (const entry of event.entries) this.addEntry(entry);
    } else if (event.kind === 'documents') this.addDocuments(event);
    else if (event.kind === 'end-of-namespace') this.documents.set(namespaceOf(event), event.documents);
  }

  private addEntry(entry: PreludeEntry): void {
    const type = entry.type ?? 'collection';
    const body = bodyNamespaceOf(entry, this.serverVersion);
    if (type === 'view' || !decideNamespace(entry).restore) {
      this.unwritten.add(namespaceOf(body));
      return;
    }
    const metadata = entry.metadata ? parseMetadataJson(entry.metadata, namespaceOf(entry)) : { options: {}, indexes: [] };
    this.expected.set(namespaceOf(body), {
      db: entry.db,
      collection: entry.collection,
      bodyCollection: body.collection,
      documents: 0,
      digest: 0n,
      indexes: metadata.indexes.map((index: Document) => String(index.name)),
      type,
    });
  }

  private addDocuments(event: { db: string; collection: string; documents: readonly Uint8Array[] }): void {
    const ns = this.expected.get(namespaceOf(event));
    if (!ns) {
      if (this.unwritten.has(namespaceOf(event))) return;
      // Documents the plan has no place for would go uncompared, and the drill would pass without them.
      throw new MongosafeError('INTERNAL', `restore drill: the archive has documents under ${namespaceOf(event)}, which no namespace of its prelude claims`, 'report this as a bug; the drill cannot vouch for this backup', {
        details: { namespace: namespaceOf(event) },
      });
    }
    for (const doc of event.documents) ns.digest = BigInt.asUintN(64, ns.digest + documentHash(doc));
    ns.documents += event.documents.length;
  }
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
