import { MongoServerError, type Db, type Document } from 'mongodb';
import { MongosafeError, messageOf } from '../errors.js';

const NAMESPACE_EXISTS = 48;

/**
 * Creates a collection or view with its backed-up options. An existing one is
 * kept as it is (its options are not changed), as mongorestore does.
 * `autoIndexId` is dropped: servers since 4.0 refuse `false`, and 8.2+ refuse it at all.
 */
export async function createWithOptions(db: Db, name: string, options: Document): Promise<void> {
  const { autoIndexId: _ignored, ...createOptions } = options;
  try {
    await db.command({ create: name, ...createOptions });
  } catch (error) {
    if (error instanceof MongoServerError && error.code === NAMESPACE_EXISTS) return;
    throw new MongosafeError('SOURCE', `creating ${db.databaseName}.${name} failed: ${messageOf(error)}`, 'the target server refused the collection options; --ns-to can restore it elsewhere', { cause: error });
  }
}

export async function dropIfExists(db: Db, name: string): Promise<void> {
  try {
    await db.command({ drop: name });
  } catch (error) {
    if (error instanceof MongoServerError && (error.code === 26 || /ns not found/i.test(error.message))) return;
    throw new MongosafeError('SOURCE', `dropping ${db.databaseName}.${name} failed: ${messageOf(error)}`, undefined, { cause: error });
  }
}

/**
 * Builds the backed-up secondary indexes in one createIndexes command. The
 * `_id` index exists already; `v` and `ns` are removed because Atlas shared
 * tiers refuse them and the server fills in its own.
 */
export async function createIndexes(db: Db, collection: string, specs: readonly Document[]): Promise<number> {
  const indexes = specs
    .filter((spec) => spec.name !== '_id_')
    .map((spec) => {
      const { v: _v, ns: _ns, ...rest } = spec;
      return rest;
    });
  if (indexes.length === 0) return 0;
  try {
    await db.command({ createIndexes: collection, indexes });
  } catch (error) {
    const names = indexes.map((i) => String(i.name)).join(', ');
    throw new MongosafeError('SOURCE', `building indexes (${names}) on ${db.databaseName}.${collection} failed: ${messageOf(error)}`, 'restore with --no-indexes to skip index builds, then create them by hand', { cause: error });
  }
  return indexes.length;
}
