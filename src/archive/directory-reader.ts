import { readdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { MongosafeError } from '../errors.js';
import { bucketsOwnerOf } from './body-namespace.js';
import { isGzipFile, readBsonFile } from './bson-file.js';
import { checkDatabaseName, dumpFileName } from './dump-file-names.js';
import { scanDumpFolder, type DatabaseFolder } from './dump-layout.js';
import { readDatabaseNamespaces, type DumpNamespace } from './dump-namespaces.js';
import { readDumpServerVersion } from './dump-prelude-json.js';
import { NamespaceTally } from './namespace-tally.js';
import type { ArchiveEvent } from './types.js';

/**
 * Reads a mongodump directory dump, a dump root or one database's folder, as the same events
 * the archive reader yields, so restore, verify and inspect treat both alike. SPEC.md
 * "Directory layout". Everything is checked before the first event: a layout we cannot read
 * throws, naming the path, and never yields part of a dump.
 */
export async function* readDirectoryDump(target: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<ArchiveEvent> {
  const layout = await scanDumpFolder(target);
  // Where timeseries data sits depends on the source server (SPEC.md "Prelude").
  const serverVersion = await readDumpServerVersion([target, dirname(target)]);
  const namespaces: DumpNamespace[] = [];
  const notices = [...layout.notices];
  for (const folder of layout.databases) {
    const found = await readDatabaseNamespaces(folder, serverVersion);
    namespaces.push(...found.namespaces);
    notices.push(...found.notices);
  }
  if (layout.oplogFile !== undefined) {
    // As mongodump --oplog carries it in an archive: namespace ".oplog", no metadata, last.
    namespaces.push({ entry: { db: '', collection: 'oplog', metadata: '' }, bodyCollection: 'oplog', dataFile: { path: layout.oplogFile, gzip: await isGzipFile(layout.oplogFile) } });
  }
  yield* dumpEvents(target, serverVersion, namespaces, notices, options.signal);
}

/**
 * Reads one collection file of a directory dump (`<c>.bson`, `.bson.gz`, `.bin`) as mongorestore's
 * single-file mode does: the database is the folder's name, the metadata the sibling
 * `<c>.metadata.json[.gz]`; `system.buckets.<c>.bson` is timeseries `<c>` and needs `<c>.metadata.json`.
 */
export async function* readCollectionFile(path: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<ArchiveEvent> {
  const dir = dirname(path);
  const fileName = basename(path);
  const parsed = dumpFileName(fileName);
  if (parsed?.kind !== 'data') throw new MongosafeError('USAGE', `${path} is not a .bson, .bson.gz or .bin file`, 'give a collection file of a mongodump dump folder');
  // mongorestore names the database "test" when the folder has no name of its own.
  const db = basename(dir) || 'test';
  checkDatabaseName(db, dir, 'move the file into a folder named after its database');
  // Escaping leaves "system.buckets." as it is, and a shortened stem may not unescape at all.
  const owner = bucketsOwnerOf(parsed.stem) ?? parsed.stem;
  const siblings = new Set([`${parsed.stem}.metadata.json`, `${parsed.stem}.metadata.json.gz`, `${owner}.metadata.json`, `${owner}.metadata.json.gz`]);
  const folder: DatabaseFolder = { db, dir, relative: '', dumpFiles: [fileName, ...(await readdir(dir)).filter((file) => siblings.has(file)).sort()] };
  const serverVersion = await readDumpServerVersion([dir, dirname(dir)]);
  const found = await readDatabaseNamespaces(folder, serverVersion);
  yield* dumpEvents(path, serverVersion, found.namespaces, found.notices, options.signal);
}

async function* dumpEvents(target: string, serverVersion: string, namespaces: DumpNamespace[], notices: string[], signal?: AbortSignal): AsyncGenerator<ArchiveEvent> {
  if (namespaces.length === 0) {
    const shown = notices.slice(0, 3).join('; ') + (notices.length > 3 ? `; and ${notices.length - 3} more` : '');
    throw new MongosafeError(
      'CORRUPT',
      `${target} holds no mongodump output (no <db>/<collection>.bson or .metadata.json files, no oplog.bson)${shown === '' ? '' : `; found only ${shown}`}`,
      'give the folder mongodump --out wrote, one database folder in it, a .bson file or an archive file',
      { details: { key: target, kind: 'invalid' } },
    );
  }
  yield { kind: 'header', header: { concurrentCollections: 1, version: '0.1', serverVersion, toolVersion: 'mongodump-directory' } };
  for (const message of notices) yield { kind: 'notice', message };
  yield { kind: 'prelude', entries: namespaces.map((ns) => ns.entry) };
  for (const ns of namespaces) {
    signal?.throwIfAborted();
    const tally = new NamespaceTally(ns.entry.db, ns.bodyCollection);
    if (ns.dataFile) {
      for await (const batch of readBsonFile(ns.dataFile.path, { gzip: ns.dataFile.gzip, signal })) {
        tally.addAll(batch);
        yield { kind: 'documents', db: ns.entry.db, collection: ns.bodyCollection, documents: batch };
      }
    }
    yield { kind: 'end-of-namespace', ...tally.summary() };
  }
}
