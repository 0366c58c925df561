/**
 * The small text files of a directory dump (`.metadata.json[.gz]`, `prelude.json[.gz]`), read
 * whole: they hold one JSON object each, never data.
 */
import { readFile } from 'node:fs/promises';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { MongosafeError, messageOf } from '../errors.js';

const gunzipAsync = promisify(gunzip);

/** UTF-8 text; a `.gz` file is gunzipped, and damage there is CORRUPT naming the file. */
export async function readDumpText(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new MongosafeError('NOT_FOUND', `cannot read ${path}: ${messageOf(error)}`, 'check the file exists and is readable', { cause: error, details: { key: path } });
  }
  if (!path.endsWith('.gz')) return bytes.toString('utf8');
  try {
    return (await gunzipAsync(bytes)).toString('utf8');
  } catch (error) {
    throw new MongosafeError('CORRUPT', `${path} is not valid gzip: ${messageOf(error)}`, 'the dump file is damaged; dump the collection again', { cause: error, details: { key: path, kind: 'invalid' } });
  }
}
