/**
 * One database folder's dump files as prelude entries (SPEC.md "Directory layout"): file names
 * to collection names, each collection's data and metadata file paired, and an old-style
 * timeseries collection's `system.buckets.<c>.bson` given to `<c>`.
 */
import { join } from 'node:path';
import { MongosafeError, messageOf } from '../errors.js';
import { bodyNamespaceOf, bucketsOwnerOf } from './body-namespace.js';
import { dumpFileName, isTruncatedStem, queryUnescape, type DumpFileName } from './dump-file-names.js';
import type { DatabaseFolder } from './dump-layout.js';
import { readDumpText } from './dump-text-file.js';
import { parseMetadataJson } from './metadata.js';
import type { PreludeEntry } from './types.js';

export interface DumpNamespace {
  entry: PreludeEntry;
  /** The body namespace of the entry's documents: `bodyNamespaceOf`. */
  bodyCollection: string;
  dataFile?: { path: string; gzip: boolean };
}

interface CollectionFiles {
  data?: { path: string; gzip: boolean };
  metadata?: string;
}

/** The folder's namespaces, sorted by name, and a notice per file deliberately not read. */
export async function readDatabaseNamespaces(folder: DatabaseFolder, serverVersion: string): Promise<{ namespaces: DumpNamespace[]; notices: string[] }> {
  const notices: string[] = [];
  const byName = new Map<string, CollectionFiles>();
  for (const fileName of folder.dumpFiles) {
    const parsed = dumpFileName(fileName);
    if (!parsed) continue;
    const path = join(folder.dir, fileName);
    const name = await collectionNameOf(parsed, folder, path);
    if (name.startsWith('$')) {
      notices.push(`${folder.relative === '' ? fileName : `${folder.relative}/${fileName}`}: ${specialFileWhat(name)}, not restored`);
      continue;
    }
    const files = byName.get(name) ?? {};
    const taken = parsed.kind === 'data' ? files.data?.path : files.metadata;
    if (taken !== undefined) {
      throw new MongosafeError('CORRUPT', `${folder.dir}: two ${parsed.kind} files for collection ${folder.db}.${name}: ${taken} and ${path}`, 'remove the one that is not from this dump', {
        details: { key: path, namespace: `${folder.db}.${name}`, kind: 'invalid' },
      });
    }
    if (parsed.kind === 'data') files.data = { path, gzip: parsed.gzip };
    else files.metadata = path;
    byName.set(name, files);
  }

  const namespaces: DumpNamespace[] = [];
  const dataRead = new Set<string>();
  for (const [collection, files] of byName) {
    // A `system.buckets.<c>` data file is only the data of timeseries `<c>`, checked below.
    if (files.metadata === undefined && bucketsOwnerOf(collection) !== undefined) continue;
    const { metadata, type } = files.metadata === undefined ? { metadata: '', type: 'collection' } : await readMetadataFile(files.metadata, `${folder.db}.${collection}`);
    const entry: PreludeEntry = { db: folder.db, collection, metadata, type };
    const bodyCollection = bodyNamespaceOf(entry, serverVersion).collection;
    const dataFile = byName.get(bodyCollection)?.data;
    if (dataFile) dataRead.add(dataFile.path);
    namespaces.push({ entry, bodyCollection, dataFile });
  }
  for (const [collection, files] of byName) {
    if (files.data === undefined || dataRead.has(files.data.path)) continue;
    const owner = bucketsOwnerOf(collection);
    if (owner !== undefined) {
      const ownerMetadata = byName.get(owner)?.metadata;
      const problem = ownerMetadata === undefined ? `but no ${owner}.metadata.json is beside it` : `but ${ownerMetadata} is not a timeseries collection's metadata from a server older than 8.3.0 (this dump: ${serverVersion})`;
      throw new MongosafeError(
        'CORRUPT',
        `${files.data.path}: timeseries buckets of ${folder.db}.${owner}, ${problem}`,
        `mongodump writes both files: put ${owner}.metadata.json beside it, or remove the buckets file`,
        { details: { key: files.data.path, namespace: `${folder.db}.${owner}`, kind: 'invalid' } },
      );
    }
    throw new MongosafeError('CORRUPT', `${files.data.path}: data of timeseries ${folder.db}.${collection}, whose documents this dump (server ${serverVersion}) keeps in ${bodyNamespaceOf({ db: folder.db, collection, type: 'timeseries' }, serverVersion).collection}.bson`, 'remove one of the two data files', {
      details: { key: files.data.path, namespace: `${folder.db}.${collection}`, kind: 'invalid' },
    });
  }
  namespaces.sort((a, b) => (a.entry.collection < b.entry.collection ? -1 : a.entry.collection > b.entry.collection ? 1 : 0));
  return { namespaces, notices };
}

/** mongorestore's `getInfoFromFile`: the unescaped stem, or for a shortened one its metadata's `collectionName`. */
async function collectionNameOf(parsed: DumpFileName, folder: DatabaseFolder, path: string): Promise<string> {
  if (!isTruncatedStem(parsed.stem)) return queryUnescape(parsed.stem, path);
  const hint = 'mongodump shortened this long collection name and keeps the real one only in the metadata file: copy that file from the same dump beside it';
  const candidates = [`${parsed.stem}.metadata.json`, `${parsed.stem}.metadata.json.gz`];
  const sibling = candidates.find((name) => folder.dumpFiles.includes(name));
  if (sibling === undefined) throw new MongosafeError('CORRUPT', `${path}: the collection name is shortened and ${candidates[0]} with the real name is missing`, hint, { details: { key: path, kind: 'invalid' } });
  const metadataPath = join(folder.dir, sibling);
  const text = await readDumpText(metadataPath);
  const collectionName = text === '' ? undefined : parseMetadataFile(text, metadataPath, undefined, 'the collection with this shortened file name').collectionName;
  if (!collectionName) throw new MongosafeError('CORRUPT', `${metadataPath}: no collectionName, which the shortened file name ${parsed.stem} needs`, hint, { details: { key: metadataPath, kind: 'invalid' } });
  return collectionName;
}

async function readMetadataFile(path: string, namespace: string): Promise<{ metadata: string; type: string }> {
  const text = await readDumpText(path);
  // A 0-byte metadata file means none, as in mongorestore (`MetadataFromJSON`).
  if (text === '') return { metadata: '', type: 'collection' };
  const parsed = parseMetadataFile(text, path, namespace, `collection ${namespace}`);
  // mongorestore decides by the options, never by `type`, which mongodump before 100.4.0 did not write.
  const type = parsed.options.timeseries !== undefined ? 'timeseries' : parsed.options.viewOn !== undefined ? 'view' : (parsed.type ?? 'collection');
  return { metadata: text, type };
}

/** `what` names the collection for the message: "collection db.c". */
function parseMetadataFile(text: string, path: string, namespace: string | undefined, what: string): ReturnType<typeof parseMetadataJson> {
  try {
    return parseMetadataJson(text, namespace, what);
  } catch (error) {
    throw new MongosafeError('CORRUPT', `${path}: ${messageOf(error)}`, 'the dump file is damaged: take it from a good copy of the dump, or remove it to restore the collection without its options and indexes', {
      cause: error,
      details: { key: path },
    });
  }
}

/** mongodump --db writes the database's users, roles and auth version as `$admin.system.*` files. */
function specialFileWhat(name: string): string {
  if (name.startsWith('$admin.system.')) return `${name.slice('$admin.'.length)} of this database (written by mongodump --db); restoring one database's users and roles is not supported`;
  return 'a special collection (its name starts with "$")';
}
