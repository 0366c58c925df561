import { Transform, addAbortSignal } from 'node:stream';
import { crc32 } from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { MongosafeError, messageOf } from '../errors.js';
import { joinStreams } from '../util/join-streams.js';

/** One `<collection>.json` at the top of the zip. */
export interface LegacyEntry {
  /** The entry's name in the zip, e.g. "recipes.json". */
  name: string;
  collection: string;
  entry: Entry;
}

export interface LegacyZip {
  /** Collection files, in zip order. */
  entries: LegacyEntry[];
  /** One line per entry that is not imported, and why. */
  skipped: string[];
  /** The entry's uncompressed bytes; its size and CRC-32 are checked at the end (CORRUPT). */
  open(entry: LegacyEntry, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
  close(): void;
}

/**
 * Opens the seed Lambda's backup zip (`zip -r` of a folder holding one
 * `<collection>.json` per collection) and lists its collection files. Entry
 * names never become paths: anything but a plain top-level `*.json` name
 * (folders, `..`, absolute or backslashed names, other files) is skipped with
 * a reason, so a hostile zip cannot point the import anywhere else.
 *
 * @throws MongosafeError NOT_FOUND when the file is missing; CORRUPT when it is not a zip.
 */
export async function openLegacyZip(path: string): Promise<LegacyZip> {
  let zip: ZipFile;
  try {
    // decodeStrings: false so that an unsafe name is ours to skip, not an error that ends the listing.
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true });
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') {
      throw new MongosafeError('NOT_FOUND', `the zip ${path} does not exist`, "give the path of the seed's mongodb-backup-<time>.zip (download it from S3 first)", {
        cause: error,
        details: { key: path, kind: 'not-found' },
      });
    }
    throw new MongosafeError('CORRUPT', `${path} is not a readable zip file: ${messageOf(error)}`, "import-legacy reads the seed Lambda's mongodb-backup-<time>.zip", { cause: error, details: { key: path, kind: 'invalid' } });
  }
  try {
    const entries: LegacyEntry[] = [];
    const skipped: string[] = [];
    const seen = new Set<string>();
    for await (const entry of zip.eachEntry()) {
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
      const why = skipReason(name, entry, seen);
      if (why === undefined) {
        seen.add(name);
        entries.push({ name, collection: name.slice(0, -'.json'.length), entry });
      } else if (why !== '') {
        skipped.push(`skipped ${JSON.stringify(name)} in the zip: ${why}`);
      }
    }
    return {
      entries,
      skipped,
      open: async (legacy, signal) => {
        try {
          // Joined at once, so that an abort or a read error before the first read is the reader's to see.
          const checked = joinStreams(await zip.openReadStreamPromise(legacy.entry), crc32Check(legacy, path));
          return signal ? addAbortSignal(signal, checked) : checked;
        } catch (error) {
          throw new MongosafeError('CORRUPT', `${legacy.name} in ${path} cannot be read: ${messageOf(error)}`, 'the zip is damaged; download it again', { cause: error, details: { key: path, kind: 'invalid' } });
        }
      },
      close: () => zip.close(),
    };
  } catch (error) {
    zip.close();
    if (error instanceof MongosafeError) throw error;
    throw new MongosafeError('CORRUPT', `${path} is not a readable zip file: ${messageOf(error)}`, 'the zip is damaged; download it again', { cause: error, details: { key: path, kind: 'invalid' } });
  }
}

/** yauzl checks sizes but not CRC-32 (its README says so); a flipped bit must not import as data. */
function crc32Check(legacy: LegacyEntry, path: string): Transform {
  let crc = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      crc = crc32(chunk, crc);
      callback(null, chunk);
    },
    flush(callback) {
      if (crc >>> 0 === legacy.entry.crc32 >>> 0) callback();
      else callback(new MongosafeError('CORRUPT', `${legacy.name} in ${path} fails its CRC-32 check`, 'the zip is damaged; download it again'));
    },
  });
}

/** Why an entry is not imported; '' to skip silently (folders); undefined to import it. */
function skipReason(name: string, entry: Entry, seen: ReadonlySet<string>): string | undefined {
  if (name.endsWith('/')) return '';
  if (name.includes('/') || name.includes('\\') || name.includes('..') || /^[a-zA-Z]:/.test(name)) {
    return 'a nested or unsafe path; only top-level <collection>.json files are imported';
  }
  if (!name.endsWith('.json')) return 'not a .json file';
  const collection = name.slice(0, -'.json'.length);
  if (collection === '' || collection.includes('$') || collection.includes('\0') || collection.startsWith('.')) return 'not a collection name';
  if (collection.startsWith('system.')) return 'system collections are not imported';
  if (seen.has(name)) return 'a second entry with the same name';
  if (entry.isEncrypted() || !entry.canDecodeFileData()) return 'encrypted or compressed in a way this reader does not support';
  return undefined;
}
