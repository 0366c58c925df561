/**
 * A `.bson` file as mongodump writes it: whole BSON documents back to back, no framing
 * (SPEC.md "Directory layout"), split into bounded batches while streaming.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { MongosafeError } from '../errors.js';
import { READ_CHUNK_BYTES } from '../util/bytes.js';
import { readFileStart } from '../util/file-start.js';
import { joinStreams } from '../util/join-streams.js';
import { createDecompressor } from './compression.js';

const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024 + 16 * 1024;
const BATCH_DOCUMENTS = 1000;
const BATCH_BYTES = 4 * 1024 * 1024;

/** Splits a concatenation of BSON documents into bounded batches, streaming; `gzip` gunzips first. */
export async function* readBsonFile(path: string, options: { gzip: boolean; signal?: AbortSignal }): AsyncGenerator<Uint8Array[]> {
  const size = (await stat(path)).size;
  let stream: Readable = createReadStream(path, { signal: options.signal, highWaterMark: READ_CHUNK_BYTES });
  // The archive's decompressor: 1 MiB output chunks, and damage reported as CORRUPT. Joined,
  // not piped, so that failing to read the file also ends the loop below.
  if (options.gzip) stream = joinStreams(stream, createDecompressor('gzip', path));
  let pending: Buffer = Buffer.alloc(0);
  let offset = 0;
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let position = 0;
    while (pending.length - position >= 4) {
      const length = pending.readInt32LE(position);
      if (length < 5 || length > MAX_DOCUMENT_BYTES) {
        throw new MongosafeError('CORRUPT', `${path}: invalid BSON length ${length} at byte ${offset + position}`, 'the dump file is damaged', { details: { key: path, kind: 'invalid' } });
      }
      if (pending.length - position < length) break;
      const doc = pending.subarray(position, position + length);
      if (doc[length - 1] !== 0) throw new MongosafeError('CORRUPT', `${path}: the document at byte ${offset + position} does not end with a NUL byte`, 'the dump file is damaged', { details: { key: path, kind: 'invalid' } });
      batch.push(doc);
      batchBytes += length;
      position += length;
      if (batch.length >= BATCH_DOCUMENTS || batchBytes >= BATCH_BYTES) {
        yield batch;
        batch = [];
        batchBytes = 0;
      }
    }
    offset += position;
    pending = pending.subarray(position);
  }
  if (pending.length > 0) throw new MongosafeError('CORRUPT', `${path}: truncated document at byte ${offset} of ${size}`, 'the dump file is damaged', { details: { key: path, kind: 'invalid' } });
  if (batch.length > 0) yield batch;
}

/**
 * Whether a file starts as Go's gzip writer starts (1f 8b 08 00: magic, deflate, no flags).
 * mongodump --gzip compresses the root `oplog.bson` without renaming it. Read as BSON, those
 * bytes would say the first oplog entry is exactly 559,903 bytes long: taken as gzip, such a
 * file would fail as CORRUPT, never restore wrong data.
 */
const GO_GZIP_START = Buffer.from([0x1f, 0x8b, 0x08, 0x00]);

export async function isGzipFile(path: string): Promise<boolean> {
  return (await readFileStart(path, GO_GZIP_START.length)).equals(GO_GZIP_START);
}
