import { Double, Int32, Long } from 'bson';
import type { Document, MongoClient } from 'mongodb';
import { MongosafeError, messageOf } from '../../errors.js';
import { commandOf, formatTime, type OplogEntry } from './entry.js';

/** Where a source namespace goes; undefined = filtered out. */
export type TargetOf = (namespace: string) => { db: string; collection: string } | undefined;

/** What became of a command entry. */
export type CommandOutcome = 'applied' | 'ignored' | 'filtered';

const NAMESPACE_NOT_FOUND = 26;
const INDEX_NOT_FOUND = 27;
const NAMESPACE_EXISTS = 48;

/**
 * Commands that change nothing a restore keeps (mongo-tools `ignoredCEntries` and research
 * §4.1): a two-phase index build only counts at its commit, dbCheck and the multikey flag are
 * bookkeeping, dropIdent names node-local storage.
 */
const IGNORED = new Set(['startIndexBuild', 'abortIndexBuild', 'dbCheck', 'setMultikeyMetadata', 'dropIdent']);

/** Fields of a create the target must not get: the source's record-id layout is its own. */
const CREATE_DROPPED = new Set(['create', 'recordIdsReplicated']);
/** collMod flags of the MMAPv1 era that newer servers refuse. */
const COLLMOD_DROPPED = new Set(['noPadding', 'usePowerOf2Sizes']);

/**
 * Applies one DDL command entry (`op: "c"`, not `applyOps`: the caller unrolls those) with the
 * ordinary command of the same effect, ignoring the errors a re-application meets (the
 * collection or index already there or already gone), so the entry can be applied twice.
 * Anything it cannot reproduce exactly stops the replay (USAGE), never a silent skip.
 */
export async function applyCommand(client: MongoClient, targetOf: TargetOf, entry: OplogEntry): Promise<CommandOutcome> {
  const sourceDb = entry.ns.slice(0, entry.ns.indexOf('.'));
  // Values stay BSON-typed (an index key 1.0 remains a double), as the source wrote them.
  const { name, argument, command } = commandOf(entry.o);
  if (IGNORED.has(name)) return 'ignored';

  if (name === 'dropDatabase') {
    // The server logs a drop of each collection before dropDatabase (3.6+), so those went
    // through the filter one by one; what is left is the database the source db maps to.
    const target = targetOf(`${sourceDb}.$cmd`);
    if (!target) return 'filtered';
    await run(client, target.db, { dropDatabase: 1 }, entry, name);
    return 'applied';
  }

  if (typeof argument !== 'string') {
    throw new MongosafeError('CORRUPT', `oplog entry ${formatTime(entry.ts)} on ${entry.ns}: ${name} names no collection`, 'the oplog file is damaged', { details: { kind: 'invalid', namespace: entry.ns } });
  }
  const namespace = `${sourceDb}.${argument}`;
  const target = targetOf(namespace);
  if (!target) return 'filtered';
  const { db, collection } = target;

  switch (name) {
    case 'create': {
      const options = Object.fromEntries(Object.entries(command).filter(([key]) => !CREATE_DROPPED.has(key)));
      // The source's idIndex names the source namespace; the server fills in the target's.
      if (isDocument(options.idIndex)) options.idIndex = targetIndexSpec(options.idIndex);
      await run(client, db, { create: collection, ...options }, entry, name, [NAMESPACE_EXISTS]);
      return 'applied';
    }
    case 'drop':
      await run(client, db, { drop: collection }, entry, name, [NAMESPACE_NOT_FOUND]);
      return 'applied';
    case 'createIndexes': {
      // One index spec inline (mongo-tools `extractIndexDocumentFromCreateIndexes`).
      const spec = targetIndexSpec(Object.fromEntries(Object.entries(command).filter(([key]) => key !== 'createIndexes')));
      await run(client, db, { createIndexes: collection, indexes: [spec] }, entry, name);
      return 'applied';
    }
    case 'commitIndexBuild': {
      const indexes: unknown = command.indexes;
      if (!Array.isArray(indexes) || !indexes.every(isDocument)) {
        throw new MongosafeError('CORRUPT', `oplog entry ${formatTime(entry.ts)} on ${entry.ns}: commitIndexBuild holds no index specs`, 'the oplog file is damaged', { details: { kind: 'invalid', namespace } });
      }
      await run(client, db, { createIndexes: collection, indexes: indexes.map(targetIndexSpec) }, entry, name);
      return 'applied';
    }
    case 'dropIndexes':
    case 'deleteIndexes':
    case 'dropIndex':
      await run(client, db, { dropIndexes: collection, index: command.index as unknown }, entry, name, [INDEX_NOT_FOUND, NAMESPACE_NOT_FOUND]);
      return 'applied';
    case 'collMod': {
      const options = Object.fromEntries(Object.entries(command).filter(([key]) => key !== 'collMod' && !COLLMOD_DROPPED.has(key)));
      await run(client, db, { collMod: collection, ...options }, entry, name);
      return 'applied';
    }
    default:
      // renameCollection, importCollection, resharding and viewless time-series conversions:
      // mongodump refuses oplogs holding them, and an approximation would restore another state.
      throw new MongosafeError(
        'USAGE',
        `oplog entry ${formatTime(entry.ts)} on ${entry.ns}: cannot replay ${name} exactly`,
        'replay stops before it; restore without --oplog-replay, or with --oplog-limit at this entry',
        { details: { namespace } },
      );
  }
}

async function run(client: MongoClient, db: string, command: Document, entry: OplogEntry, name: string, ignoredCodes: number[] = []): Promise<void> {
  try {
    await client.db(db).command(command);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'number' && ignoredCodes.includes(code)) return;
    throw new MongosafeError('SOURCE', `oplog entry ${formatTime(entry.ts)} on ${entry.ns}: the target refused ${name}: ${messageOf(error)}`, 'the target server lacks this command or option; see the message', {
      cause: error,
      details: { namespace: entry.ns },
    });
  }
}

function isDocument(value: unknown): value is Document {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An index spec for the target: without the source's `ns`, and without `v: 2`, the default
 * index version since 3.4 (FerretDB refuses the option); an older `v` is kept, as it differs.
 */
function targetIndexSpec(spec: Document): Document {
  return Object.fromEntries(Object.entries(spec).filter(([key, value]) => key !== 'ns' && !(key === 'v' && numberOf(value) === 2)));
}

function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value instanceof Int32 || value instanceof Double) return value.value;
  if (value instanceof Long) return value.toNumber();
  return undefined;
}
