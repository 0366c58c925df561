import type { Db, Document } from 'mongodb';
import { MongosafeError, messageOf } from '../errors.js';
import { rawInsertCommand } from './driver-internals.js';

/** Counts of one insert batch; duplicate keys are reported, not fatal (as mongorestore does). */
export interface InsertOutcome {
  inserted: number;
  duplicates: number;
}

const DUPLICATE_KEY = 11000;

/**
 * Inserts one batch of raw BSON documents, unordered, in one round trip. The
 * bytes go to the server as they are, in an OP_MSG document sequence (what
 * mongorestore's Go driver sends): no decode and re-encode, so every BSON type
 * — the deprecated undefined and DBPointer, duplicate keys included — arrives
 * exactly as it was backed up, at a third of the CPU of a driver insertMany
 * (src/source/driver-internals.ts). `bypassDocumentValidation`: for oplog replay, whose
 * entries may stem from writes that bypassed the collection's validator.
 */
export async function insertRawBatch(db: Db, collection: string, documents: readonly Uint8Array[], namespace: string, options: { bypassDocumentValidation?: boolean } = {}): Promise<InsertOutcome> {
  let reply: Document;
  try {
    const insert = rawInsertCommand(collection, documents);
    if (options.bypassDocumentValidation) insert.command.bypassDocumentValidation = true;
    reply = await db.command(insert.command);
    // A reply means the server read the whole message: its buffer can serve the next insert.
    // After a failure the socket may still hold it, so it is left to the garbage collector.
    insert.release();
  } catch (error) {
    throw new MongosafeError('SOURCE', `inserting into ${namespace} failed: ${messageOf(error)}`, undefined, { cause: error });
  }
  const writeErrors: Array<{ code?: number; errmsg?: string }> = Array.isArray(reply.writeErrors) ? (reply.writeErrors as Array<{ code?: number; errmsg?: string }>) : [];
  const fatal = writeErrors.find((e) => e.code !== DUPLICATE_KEY);
  if (fatal) {
    throw new MongosafeError('SOURCE', `inserting into ${namespace} failed: ${fatal.errmsg ?? `error code ${fatal.code ?? '?'}`}`, 'the target server refused a document; see the message for which rule');
  }
  const writeConcernError = reply.writeConcernError as { errmsg?: string } | undefined;
  if (writeConcernError) {
    throw new MongosafeError('SOURCE', `inserting into ${namespace}: the write concern failed: ${writeConcernError.errmsg ?? 'no reason given'}`, 'check the replica set health');
  }
  const inserted = Number(reply.n ?? 0);
  // Duplicates are forgiven only when they account for every document not inserted.
  if (inserted + writeErrors.length !== documents.length) {
    throw new MongosafeError('SOURCE', `inserting into ${namespace}: the server took ${inserted} of ${documents.length} documents and reported ${writeErrors.length} duplicates`, 'run the restore again; duplicates are skipped');
  }
  return { inserted, duplicates: writeErrors.length };
}
