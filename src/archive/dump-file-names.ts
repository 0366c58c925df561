/**
 * mongodump's file-name rules for directory dumps (SPEC.md "Directory layout"), read back the
 * way mongorestore reads them (`mongorestore/filepath.go` `getInfoFromFile`), so that a name
 * mongodump wrote comes back byte for byte.
 */
import { MongosafeError } from '../errors.js';

/** What a file in a database folder holds, by its name alone. */
export interface DumpFileName {
  kind: 'data' | 'metadata';
  /** The file name minus `.bson`/`.bin`/`.metadata.json` and `.gz`: still escaped. */
  stem: string;
  gzip: boolean;
}

/** `.bin` is mongodump's legacy data suffix; `.gz` is per file, so a mixed folder reads fine. */
const DUMP_FILE = /^(.+)\.(bson|bin|metadata\.json)(\.gz)?$/;

export function dumpFileName(fileName: string): DumpFileName | undefined {
  const match = DUMP_FILE.exec(fileName);
  if (!match?.[1]) return undefined;
  return { kind: match[2] === 'metadata.json' ? 'metadata' : 'data', stem: match[1], gzip: match[3] !== undefined };
}

/** mongodump --oplog's file at the dump root; compressed with --gzip, yet never renamed `.gz`. */
export const ROOT_OPLOG_FILE = 'oplog.bson';

export const PRELUDE_FILES = ['prelude.json', 'prelude.json.gz'] as const;

/**
 * A name longer than this once escaped is cut to `escaped[:208] + "%24" + base64url(SHA-1)`,
 * exactly 238 bytes (255 minus `.metadata.json.gz`); the real name is then only in the
 * metadata's `collectionName` (`mongodump/prepare.go` `outputPath`).
 */
const TRUNCATED_STEM_BYTES = 238;

/** mongorestore's test, verbatim: the hash is never recomputed, only the shape matters. */
export function isTruncatedStem(stem: string): boolean {
  return stem.includes('%24') && Buffer.byteLength(stem) === TRUNCATED_STEM_BYTES;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Go's `url.QueryUnescape`, which mongodump's `url.QueryEscape` file names need: `+` is a
 * space and `%XX` one byte, the bytes UTF-8. `decodeURIComponent` differs (`+` stays, and it
 * decodes per character), so a name like `a+b` would come back wrong. A bad escape throws
 * CORRUPT naming `path`, as mongorestore refuses it too.
 */
export function queryUnescape(text: string, path: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i] ?? '';
    if (char === '%') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
        throw new MongosafeError('CORRUPT', `${path}: the file name has a bad escape "%${hex}" (mongodump writes "%" as "%25")`, 'rename the file to its collection name escaped as mongodump does, or remove it', {
          details: { key: path, kind: 'invalid' },
        });
      }
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (char === '+') bytes.push(0x20);
    else bytes.push(...Buffer.from(char, 'utf8'));
  }
  try {
    return UTF8.decode(Uint8Array.from(bytes));
  } catch (error) {
    throw new MongosafeError('CORRUPT', `${path}: the file name's escapes do not decode to UTF-8`, 'rename the file to its collection name escaped as mongodump does, or remove it', { cause: error, details: { key: path, kind: 'invalid' } });
  }
}

/** Characters mongorestore's `ValidateDBName` refuses in a database name (`common/util/mongo.go`). */
const BAD_DB_CHARACTERS = ['/', '\\', '.', ' ', '"', '\0', '$'];
const MAX_DB_NAME_BYTES = 63;

/** Throws USAGE naming `folder` when its name `db` cannot be a database name; `hint` says what to do. */
export function checkDatabaseName(db: string, folder: string, hint: string): void {
  const bad = BAD_DB_CHARACTERS.find((char) => db.includes(char));
  const problem = db === '' ? 'is empty' : bad !== undefined ? `contains ${JSON.stringify(bad)}` : Buffer.byteLength(db) > MAX_DB_NAME_BYTES ? `is longer than ${MAX_DB_NAME_BYTES} bytes` : undefined;
  if (problem === undefined) return;
  throw new MongosafeError(
    'USAGE',
    `${folder}: the folder name "${db}" is not a valid database name (it ${problem})`,
    hint,
  );
}
