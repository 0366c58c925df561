import { MongoBulkWriteError, type Collection, type Document, type WriteError } from 'mongodb';
import { MongosafeError, messageOf } from '../errors.js';
import { decodeExact, describeId } from './decode.js';

/** Counts of one insert batch; duplicate keys are reported, not fatal (as mongorestore does). */
export interface InsertOutcome {
  inserted: number;
  duplicates: number;
  /** _ids of documents js-bson could not re-encode exactly (see decode.ts). */
  lossyIds: string[];
}

const DUPLICATE_KEY = 11000;

/** Inserts one batch of raw documents unordered: one server round trip per batch. */
export async function insertRawBatch(collection: Collection, documents: readonly Uint8Array[], namespace: string): Promise<InsertOutcome> {
  const batch: Document[] = [];
  const lossyIds: string[] = [];
  for (const bytes of documents) {
    let decoded;
    try {
      decoded = decodeExact(bytes);
    } catch (error) {
      throw new MongosafeError('CORRUPT', `a document of ${namespace} is not valid BSON: ${messageOf(error)}`, 'the backup holds a damaged document; restore an older backup', { cause: error });
    }
    if (decoded.lossy) lossyIds.push(describeId(decoded.document));
    batch.push(decoded.document);
  }
  try {
    const result = await collection.insertMany(batch, { ordered: false, checkKeys: false, forceServerObjectId: false, ignoreUndefined: false });
    return { inserted: result.insertedCount, duplicates: 0, lossyIds };
  } catch (error) {
    if (error instanceof MongoBulkWriteError) {
      const writeErrors = (Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors]).map((e: WriteError) => e);
      const fatal = writeErrors.find((e) => e.code !== DUPLICATE_KEY);
      if (!fatal) return { inserted: error.result.insertedCount, duplicates: writeErrors.length, lossyIds };
      throw new MongosafeError('SOURCE', `inserting into ${namespace} failed: ${fatal.errmsg ?? messageOf(error)}`, 'the target server refused a document; see the message for which rule', { cause: error });
    }
    throw new MongosafeError('SOURCE', `inserting into ${namespace} failed: ${messageOf(error)}`, undefined, { cause: error });
  }
}
