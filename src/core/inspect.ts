import { bodyNamespaceOf } from '../archive/body-namespace.js';
import { crc64Hex } from '../archive/crc64.js';
import { parseMetadataJson } from '../archive/metadata.js';
import { namespaceOf, type ArchiveHeader } from '../archive/types.js';
import { openBackupSource } from './backup-source.js';
import { storageOpener, type BackupRef } from './backup-ref.js';
import { readCatalog } from './catalog.js';
import type { Manifest } from './manifest.js';
import { decideNamespace } from './special-namespaces.js';

export interface InspectedNamespace {
  db: string;
  collection: string;
  type: string;
  documents: number;
  bsonBytes: number;
  crc64: string;
  indexes: string[];
  /** Set when restore reads and checks this namespace but never writes it: why (special-namespaces.ts). */
  skipped?: string;
}

export interface InspectResult {
  /** "backup" for a backup with a manifest; "archive" or "directory" for mongodump output. */
  kind: 'backup' | 'archive' | 'directory';
  description: string;
  manifest?: Manifest;
  header?: ArchiveHeader;
  namespaces: InspectedNamespace[];
  /** Computed: milliseconds since the backup finished. */
  ageMs?: number;
  verifications?: Array<{ kind: 'full' | 'deep'; at: string }>;
  /** What a mongodump directory holds and is not read as data (stray files and the like), one line each. */
  notices: string[];
}

/**
 * Which backup to inspect (`backup`, `storage`: the same two fields as restore
 * and verify, see `BackupRef`).
 */
export interface InspectOptions extends BackupRef {
  signal?: AbortSignal;
  /** The clock `ageMs` is measured against; tests fake it. */
  now?: () => Date;
}

/**
 * A backup's manifest and namespace table, from the manifest alone (cheap, even
 * when the archive is in Glacier); a mongodump archive or directory is read whole
 * (every CRC and count checked), and needs no storage. Sizes are bytes; `ageMs`
 * is milliseconds since the backup finished.
 *
 * @throws MongosafeError NOT_FOUND for an unknown backup, file or destination; USAGE
 *   for a stored backup without `storage`; CORRUPT for a damaged file or manifest;
 *   STORAGE when the destination cannot be read.
 *
 * @example
 * const { manifest, namespaces } = await inspect({ backup: 'latest', storage: 's3://my-bucket/prod' });
 * const dump = await inspect({ backup: './dump.archive' }); // mongodump's archive: no storage needed
 */
export async function inspect(options: InspectOptions): Promise<InspectResult> {
  const storage = storageOpener(options, options.signal);
  const source = await openBackupSource(options.backup, storage, options.signal);
  const now = (options.now ?? (() => new Date()))();
  if (source.manifest && source.id) {
    const catalog = await readCatalog(await storage(), options.signal);
    const manifest = source.manifest;
    return {
      kind: 'backup',
      description: source.description,
      manifest,
      namespaces: manifest.namespaces.map((ns) =>
        withSkipReason({
          db: ns.db,
          collection: ns.collection,
          type: ns.type,
          documents: ns.documents,
          bsonBytes: ns.bsonBytes,
          crc64: ns.crc64,
          indexes: ns.indexes.map((i) => i.name),
        }),
      ),
      ageMs: now.getTime() - new Date(manifest.finishedAt).getTime(),
      verifications: (catalog.verifications.get(source.id) ?? []).map(({ kind, at }) => ({ kind, at })),
      notices: [],
    };
  }

  let header: ArchiveHeader | undefined;
  const namespaces: InspectedNamespace[] = [];
  const notices: string[] = [];
  const byBody = new Map<string, InspectedNamespace>();
  for await (const event of source.events(options.signal)) {
    if (event.kind === 'header') header = event.header;
    else if (event.kind === 'notice') notices.push(event.message);
    else if (event.kind === 'prelude') {
      for (const entry of event.entries) {
        const metadata = entry.metadata ? parseMetadataJson(entry.metadata, namespaceOf(entry)) : { options: {}, indexes: [] };
        const ns: InspectedNamespace = {
          db: entry.db,
          collection: entry.collection,
          type: entry.type ?? 'collection',
          documents: 0,
          bsonBytes: 0,
          crc64: crc64Hex(0n),
          indexes: (metadata.indexes ?? []).map((i) => String(i.name)),
        };
        namespaces.push(ns);
        byBody.set(namespaceOf(bodyNamespaceOf(entry, header?.serverVersion ?? '')), ns);
      }
    } else if (event.kind === 'end-of-namespace') {
      const ns = byBody.get(namespaceOf(event));
      if (ns) Object.assign(ns, { documents: event.documents, bsonBytes: event.bsonBytes, crc64: crc64Hex(event.crc64) });
    }
  }
  return {
    kind: source.kind,
    description: source.description,
    header,
    namespaces: namespaces.map(withSkipReason),
    notices,
  };
}

/** The namespace, with why restore skips it when it does (the reason names the count, so after counting). */
function withSkipReason(ns: InspectedNamespace): InspectedNamespace {
  const decision = decideNamespace(ns, ns.documents);
  return decision.restore ? ns : { ...ns, skipped: decision.reason };
}
