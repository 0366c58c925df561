/**
 * Which of mongodump's directory layouts a folder is (SPEC.md "Directory layout"). mongorestore
 * detects nothing (`--db` says "database folder", its absence "dump root"); we decide from what
 * the folder holds, and refuse what no mongodump wrote rather than restore part of it.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { MongosafeError, messageOf } from '../errors.js';
import { checkDatabaseName, dumpFileName, PRELUDE_FILES, ROOT_OPLOG_FILE } from './dump-file-names.js';

/** A folder whose dump files are one database's collections. */
export interface DatabaseFolder {
  db: string;
  dir: string;
  /** The folder relative to the target ("" for the target itself), for notices. */
  relative: string;
  /** Names of its dump files (`*.bson`, `*.bin`, `*.metadata.json`, each maybe `.gz`), sorted. */
  dumpFiles: string[];
}

export interface DumpLayout {
  databases: DatabaseFolder[];
  /** A dump root's `oplog.bson` (mongodump --oplog). */
  oplogFile?: string;
  /** One line per thing found and not read, `<path relative to the target>: <what>, not restored`. */
  notices: string[];
}

/**
 * A folder that directly holds dump files other than `oplog.bson` is a database folder, unless
 * folders inside it hold metadata files too (mongodump writes one per collection, so those are
 * databases: a dump root with strays at its top); anything else is a dump root, one database per folder.
 */
export async function scanDumpFolder(target: string): Promise<DumpLayout> {
  const top = await listFolder(target);
  const folders = await Promise.all(top.folders.map(async (name) => ({ name, listing: await listFolder(join(target, name)) })));
  const ownDumpFiles = top.files.filter((name) => name !== ROOT_OPLOG_FILE && dumpFileName(name));
  if (ownDumpFiles.length > 0 && !folders.some(({ listing }) => holdsMetadataFiles(listing))) {
    const db = basename(target);
    checkDatabaseName(db, target, 'rename the folder to the database name, or restore from the dump folder around it');
    return { databases: [databaseFolder(db, target, '', top)], notices: strayNotices(top, '') };
  }
  await refuseFolderOfDumps(target, folders);
  const notices = strayNotices({ ...top, files: top.files.filter((name) => !dumpFileName(name)), folders: [] }, '');
  let oplogFile: string | undefined;
  for (const name of top.files) {
    if (name === ROOT_OPLOG_FILE) oplogFile = join(target, name);
    else if (dumpFileName(name)) notices.push(`${name}: a collection file at the top of a dump folder (mongodump writes them inside database folders), not restored`);
  }
  const databases: DatabaseFolder[] = [];
  for (const { name, listing } of folders) {
    checkDatabaseName(name, join(target, name), 'rename the folder or move it out of the dump; a dump folder\'s folders are its databases');
    databases.push(databaseFolder(name, join(target, name), name, listing));
    notices.push(...strayNotices(listing, name));
  }
  return { databases, oplogFile, notices };
}

interface FolderListing {
  files: string[];
  folders: string[];
  /** Neither file nor folder (a socket, a broken link). */
  others: string[];
}

async function listFolder(dir: string): Promise<FolderListing> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (error) {
    throw new MongosafeError('NOT_FOUND', `cannot read the folder ${dir}: ${messageOf(error)}`, 'give a readable mongodump dump folder', { cause: error, details: { key: dir } });
  }
  const listing: FolderListing = { files: [], folders: [], others: [] };
  for (const name of names) {
    // stat, not the entry's own type: a link to a dump file or folder reads as what it points to.
    const info = await stat(join(dir, name)).catch(() => undefined);
    (info?.isFile() ? listing.files : info?.isDirectory() ? listing.folders : listing.others).push(name);
  }
  return listing;
}

function holdsDumpFiles(listing: FolderListing): boolean {
  return listing.files.some((name) => dumpFileName(name));
}

function holdsMetadataFiles(listing: FolderListing): boolean {
  return listing.files.some((name) => dumpFileName(name)?.kind === 'metadata');
}

function databaseFolder(db: string, dir: string, relative: string, listing: FolderListing): DatabaseFolder {
  return { db, dir, relative, dumpFiles: listing.files.filter((name) => dumpFileName(name)) };
}

/** What a database folder (or the root's own level) holds besides dump files and prelude.json. */
function strayNotices(listing: FolderListing, relative: string): string[] {
  const path = (name: string): string => (relative === '' ? name : `${relative}/${name}`);
  return [
    ...listing.files.filter((name) => !dumpFileName(name) && !(PRELUDE_FILES as readonly string[]).includes(name)).map((name) => `${path(name)}: not a mongodump file, not restored`),
    ...listing.folders.map((name) => `${path(name)}: a folder inside a database folder, not restored`),
    ...listing.others.map((name) => `${path(name)}: neither a file nor a folder, not restored`),
  ];
}

/**
 * A folder of dump folders (each holding database folders) would read as databases named after
 * the dumps, with their contents mostly skipped: refused, naming the dumps to give instead.
 */
async function refuseFolderOfDumps(target: string, folders: Array<{ name: string; listing: FolderListing }>): Promise<void> {
  const dumps: string[] = [];
  for (const { name, listing } of folders) {
    if (listing.files.some((file) => file !== ROOT_OPLOG_FILE && dumpFileName(file))) continue;
    const inner = await Promise.all(listing.folders.map((folder) => listFolder(join(target, name, folder))));
    if (inner.some(holdsDumpFiles)) dumps.push(name);
  }
  const first = dumps[0];
  if (first === undefined) return;
  throw new MongosafeError(
    'CORRUPT',
    `${target} holds no mongodump output of its own: ${dumps.join(', ')} ${dumps.length === 1 ? 'is a dump folder' : 'are dump folders'} themselves`,
    `give one dump at a time, e.g. ${join(target, first)}`,
    { details: { key: target, kind: 'invalid' } },
  );
}
