import { existsSync, readdirSync, readFileSync, createReadStream } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BSON, MongoClient } from 'mongodb';
import { afterAll, assert, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import { decompressAuto } from '../../src/archive/compression.js';
import { readArchive } from '../../src/archive/reader.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { testServices, uniqueName } from '../helpers/services.js';
import { mongorestoreTestdata } from '../helpers/shared-testdata.js';

/**
 * Every dump in mongo-tools' own test data (`../shared/testdata/mongorestore`, written by real
 * mongod servers of many versions) is inspected and dry-run restored through the built CLI, and
 * each result is held against what mongorestore does with the same input (issue 15). Every row
 * cites the behaviour it pins: a section of the shared research note
 * /work/shared/research/mongorestore-layouts.md (mongo-tools 8fa3cfc8) or a mongo-tools source
 * file. Where mongosafe deliberately does better than mongorestore (it detects the layout and
 * gzip itself), the row says so; the expected plans are those of the issue 15 policy.
 *
 * Then every dump whose collections the test server accepts is restored for real, under renamed
 * databases, and each document the server returns is compared, byte for byte, with the document
 * read from the dump by this file itself (BSON length prefixes, not the project's reader). The
 * test server is FerretDB v1 (see shared research ferretdb.md): where it refuses what a dump
 * holds, the row states why and that restore is skipped, or restores data only.
 *
 * The data is never copied into the project: a checkout without it skips this file loudly.
 */

const TESTDATA = mongorestoreTestdata('the mongorestore-testdata tests');

type Kind = 'archive' | 'dump root' | 'db folder' | 'file' | 'folder of dumps' | 'not a dump';

interface Planned {
  ns: string;
  type?: 'collection' | 'timeseries';
  documents: number;
  /** The data file, relative to the entry ('' = the entry itself); absent for archives. */
  file?: string;
  /** Index names inspect shows, when the row pins them. */
  indexes?: string[];
}

interface Plan {
  plans: Planned[];
  /** Namespaces listed with status 'skipped' (the `.oplog` aside: see oplog). */
  skips?: string[];
  /** Entries of the oplog a --oplog dump carries: never inserted, one warning with the count. */
  oplog?: number;
  /** Each must match one warning of the dry run (notices of stray files, say). */
  warnings?: RegExp[];
  /** The dump's server version, as inspect reports it. */
  serverVersion?: string;
}

interface Refusal {
  exitCodes: number[];
  /** Every pattern matches the first stderr line. */
  message: RegExp[];
  /** inspect fails with the same line, or lists the namespaces. */
  inspect: 'same' | 'lists';
}

type RealRestore = { restore: 'all' } | { restore: 'data only'; why: string } | { skip: string };

interface Row {
  path: string;
  kind: Kind;
  /** What mongorestore does with it and where that is said (research section or mongo-tools file). */
  mongorestore: string;
  expect: Plan | Refusal;
  /** Only for rows with planned namespaces. */
  real?: RealRestore;
}

const ALL: RealRestore = { restore: 'all' };
const TTL = { restore: 'data only', why: 'FerretDB v1 has no TTL indexes (expireAfterSeconds: not implemented)' } as const;
const NO_TIMESERIES = { skip: 'FerretDB v1 has no timeseries collections (create with timeseries: not implemented)' };
const NOT_A_DUMP: Refusal = { exitCodes: [1, 2], message: [/not a mongodump archive, \.bson file or dump folder/], inspect: 'same' };
const METADATA_FILE: Refusal = { exitCodes: [1, 2], message: [/is a collection's metadata file, which holds no documents/], inspect: 'same' };
const LONG_NAME =
  'aVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryLongCollectionNameConsistingOfExactlyTwoHundredAndFortySevenCharacters';
const LONG_STEM = 'aVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryVeryLongCollectionNameConsistingOfE%24xFO0VquRn7cg3QooSZD5sglTddU';
/** A single .bson file's db is its folder's base name (mongorestore handleBSONInsteadOfDirectory). */
const FILE_DB = 'mongorestore';

/** A dump root holding only mongodump --oplog's oplog.bson: nothing to restore, the oplog is not replayed. */
function oplogOnly(path: string, entries: number, what: string): Row {
  return {
    path,
    kind: 'dump root',
    mongorestore: `${what}; without --oplogReplay the root oplog.bson is ignored and nothing is planned (§1.2, §5)`,
    expect: { plans: [], oplog: entries, warnings: [/nothing to restore but the oplog/] },
  };
}

const ROWS: Row[] = [
  // --- archives ---
  {
    path: 'test.bar.archive',
    kind: 'archive',
    mongorestore: 'plans test.bar; admin.system.version is only read for its authSchema doc, never restored (§3.3 GetDumpAuthVersion, §5)',
    expect: { plans: [{ ns: 'test.bar', documents: 1 }], skips: ['admin.system.version'], serverVersion: '3.4.3' },
    real: ALL,
  },
  {
    path: 'dump-w-oplog.archive',
    kind: 'archive',
    mongorestore: 'plans test.foo; the .oplog entry (db "") is muted unless --oplogReplay (§3.2, common/archive/prelude.go)',
    expect: { plans: [{ ns: 'test.foo', documents: 25 }], skips: ['admin.system.version'], oplog: 18, serverVersion: '4.0.2' },
    real: ALL,
  },
  {
    path: 'timeseries_tests/dump.archive',
    kind: 'archive',
    mongorestore: 'timeseries foo_ts from its system.buckets body; admin.system.views, version slot (§3.5, §5)',
    expect: {
      plans: [{ ns: 'timeseries_test.foo_ts', type: 'timeseries', documents: 10 }],
      skips: ['admin.system.version', 'admin.system.views'],
      serverVersion: '5.0.0-rc0',
    },
    real: NO_TIMESERIES,
  },
  {
    path: 'bad-format.archive',
    kind: 'archive',
    // mongorestore plans test.ixtest and fails only when it parses the metadata (§5, mongorestore/metadata.go
    // MetadataFromJSON); mongosafe checks everything first, so the dry run fails too, in one line.
    mongorestore: 'plans test.ixtest; the real run fails parsing its metadata (unescaped " in an index key) (§1.6, §5)',
    expect: { exitCodes: [1], message: [/test\.ixtest/, /metadata/, /JSON/], inspect: 'same' },
  },

  // --- dump roots ---
  {
    path: 'coll_with_index',
    kind: 'dump root',
    mongorestore: 'test.foo with index f_1 (§1.2 CreateAllIntents, §5)',
    expect: { plans: [{ ns: 'test.foo', documents: 1, file: 'test/foo.bson', indexes: ['_id_', 'f_1'] }] },
    real: ALL,
  },
  {
    path: 'coll_with_ttl_index',
    kind: 'dump root',
    mongorestore: 'test.foo with a TTL index (§5)',
    expect: { plans: [{ ns: 'test.foo', documents: 1, file: 'test/foo.bson' }] },
    real: TTL,
  },
  {
    path: 'coll_without_index',
    kind: 'dump root',
    mongorestore: 'test.foo, _id index only (§5)',
    expect: { plans: [{ ns: 'test.foo', documents: 1, file: 'test/foo.bson' }] },
    real: ALL,
  },
  {
    path: 'foodump',
    kind: 'dump root',
    mongorestore: 'test.foo (§5)',
    expect: { plans: [{ ns: 'test.foo', documents: 1, file: 'test/foo.bson' }] },
    real: ALL,
  },
  {
    path: 'collMod_ttl_index',
    kind: 'dump root',
    mongorestore: 'mongodump_test_db.coll1 + version slot; the root oplog.bson only with --oplogReplay (§1.2, §3.3, §5)',
    expect: {
      plans: [{ ns: 'mongodump_test_db.coll1', documents: 10, file: 'mongodump_test_db/coll1.bson' }],
      skips: ['admin.system.version'],
      oplog: 2,
    },
    real: TTL,
  },
  {
    path: 'duplicate_index_key',
    kind: 'dump root',
    mongorestore: 'indextest.duplicate_index_key, 0 documents, v1 index keys "", 1.0, 1, 2 (§5)',
    expect: { plans: [{ ns: 'indextest.duplicate_index_key', documents: 0, file: 'indextest/duplicate_index_key.bson' }] },
    real: { restore: 'data only', why: 'FerretDB v1 refuses index key values other than 1/-1 (foo: "")' },
  },
  {
    path: 'duplicate_index_key_with_oplog',
    kind: 'dump root',
    mongorestore: 'test.foo with unique a_1; the oplog only with --oplogReplay (§5)',
    expect: { plans: [{ ns: 'test.foo', documents: 2, file: 'test/foo.bson' }], oplog: 2 },
    // mongorestore without --oplogReplay fails the same index build.
    real: { restore: 'data only', why: 'the dump violates its unique index a_1 until its oplog is replayed (replay: issue 19)' },
  },
  {
    path: 'indexmetadata',
    kind: 'dump root',
    mongorestore: 'indextest.test_coll_no_index_ns, an index spec without ns (§5)',
    expect: { plans: [{ ns: 'indextest.test_coll_no_index_ns', documents: 100, file: 'indextest/test_coll_no_index_ns.bson' }] },
    real: { restore: 'data only', why: 'FerretDB v1 refuses Decimal128 index key values (it closes the connection)' },
  },
  {
    path: 'indextestdump',
    kind: 'dump root',
    mongorestore: 'indextest.test_collection, a v1 index with legacy key values (§5)',
    expect: { plans: [{ ns: 'indextest.test_collection', documents: 100, file: 'indextest/test_collection.bson' }] },
    real: { restore: 'data only', why: 'FerretDB v1 refuses index key values true, Decimal128 and "" (it closes the connection)' },
  },
  {
    path: 'longindextestdump',
    kind: 'dump root',
    mongorestore: 'longindextest.test_collection with a 129-char index name (§5)',
    expect: { plans: [{ ns: 'longindextest.test_collection', documents: 100, file: 'longindextest/test_collection.bson' }] },
    real: ALL,
  },
  {
    path: 'longcollectionname',
    kind: 'dump root',
    mongorestore: 'a 238-byte stem with %24 takes collectionName from its metadata; the root\'s own long .bson is an unknown file (§2, mongorestore/filepath.go getInfoFromFile)',
    expect: {
      plans: [{ ns: `db1.${LONG_NAME}`, documents: 1, file: `db1/${LONG_STEM}.bson` }],
      warnings: [/someMadeUpInvalidHashString\.bson: .*not restored/],
    },
    real: { skip: 'FerretDB v1 refuses collection names this long (247 characters: "Invalid collection name")' },
  },
  {
    path: 'specialcharacter',
    kind: 'dump root',
    mongorestore: 'caf%C3%A9s.bson is db1.cafés: url.QueryUnescape (§1.3)',
    expect: { plans: [{ ns: 'db1.cafés', documents: 1, file: 'db1/caf%C3%A9s.bson' }] },
    real: ALL,
  },
  {
    path: 'testdirs',
    kind: 'dump root',
    // mongorestore logs "don't know what to do with file/subdirectory" for the three strays (§1.2, §1.3);
    // c2 has no metadata, c3 a 0-byte one (= none, §1.6), db2/c1.bin is legacy BSON.
    mongorestore: 'db1.c1–c4, db2.c1 (.bin); badfile.txt, db1/baddir, db2/c2.txt skipped with a log each; empty oplog.bson ignored (§1.2, §1.3, §5)',
    expect: {
      plans: [
        { ns: 'db1.c1', documents: 100, file: 'db1/c1.bson' },
        { ns: 'db1.c2', documents: 0, file: 'db1/c2.bson' },
        { ns: 'db1.c3', documents: 0, file: 'db1/c3.bson' },
        { ns: 'db1.c4', documents: 10, file: 'db1/c4.bson' },
        { ns: 'db2.c1', documents: 0, file: 'db2/c1.bin' },
      ],
      oplog: 0,
      warnings: [/(^|\s)badfile\.txt: .*not restored/, /db1\/baddir: .*not restored/, /db2\/c2\.txt: .*not restored/],
    },
    real: ALL,
  },
  {
    path: 'usersdump',
    kind: 'dump root',
    // mongosafe skips users and roles with one line each (issue 15 policy): they are never inserted as documents.
    mongorestore: 'no ordinary collection; users and roles through admin.tempusers/temproles and _mergeAuthzCollections; version slot (§3.3, §3.4)',
    expect: {
      plans: [],
      skips: ['admin.system.roles', 'admin.system.users', 'admin.system.version'],
      warnings: [/admin\.system\.users.*not restored/, /admin\.system\.roles.*not restored/, /admin\.system\.version/],
    },
  },
  {
    path: 'oplogdump',
    kind: 'dump root',
    mongorestore: 'db1.c1 + version slot; the oplog (non-txn applyOps) only with --oplogReplay (§4.2, §5)',
    expect: { plans: [{ ns: 'db1.c1', documents: 5, file: 'db1/c1.bson' }], skips: ['admin.system.version'], oplog: 3 },
    real: ALL,
  },
  {
    path: 'oplogdumpmaxsize',
    kind: 'dump root',
    mongorestore: 'db1.c1 + version slot; no oplog (§5)',
    expect: { plans: [{ ns: 'db1.c1', documents: 5, file: 'db1/c1.bson' }], skips: ['admin.system.version'] },
    real: ALL,
  },
  {
    path: 'coll_with_geohaystack_index',
    kind: 'dump root',
    mongorestore: 'geohaystack_test.foo; a ≥ 4.9 target refuses the geoHaystack index (§5)',
    expect: { plans: [{ ns: 'geohaystack_test.foo', documents: 1, file: 'geohaystack_test/foo.bson' }] },
    real: { restore: 'data only', why: 'geoHaystack indexes exist on no current server (FerretDB v1: "can\'t find index with key")' },
  },
  {
    path: 'dump_local_oplog',
    kind: 'dump root',
    mongorestore: 'local.oplog.rs is an ordinary capped collection without --oplogReplay (§3.3 PutOplogIntent, §5)',
    expect: { plans: [{ ns: 'local.oplog.rs', documents: 100, file: 'local/oplog.rs.bson' }] },
    real: ALL,
  },
  {
    path: 'oplogs',
    kind: 'dump root',
    // A folder of --oplogFile fixtures, read as a dump root: db `bson`; the json files are not dumps.
    mongorestore: 'as a root: db bson with 11 collections; json files unknown (§5)',
    expect: {
      plans: [
        { ns: 'bson.bypassDocumentValidation', documents: 6, file: 'bson/bypassDocumentValidation.bson' },
        { ns: 'bson.collMod', documents: 1, file: 'bson/collMod.bson' },
        { ns: 'bson.collMod_indexUniqueness', documents: 25, file: 'bson/collMod_indexUniqueness.bson' },
        { ns: 'bson.collMod_with_hidden', documents: 2, file: 'bson/collMod_with_hidden.bson' },
        { ns: 'bson.commit_index', documents: 2, file: 'bson/commit_index.bson' },
        { ns: 'bson.create_index', documents: 1, file: 'bson/create_index.bson' },
        { ns: 'bson.drop_collection', documents: 1, file: 'bson/drop_collection.bson' },
        { ns: 'bson.drop_db', documents: 1, file: 'bson/drop_db.bson' },
        { ns: 'bson.drop_index', documents: 1, file: 'bson/drop_index.bson' },
        { ns: 'bson.linked_vectored_inserts', documents: 2, file: 'bson/linked_vectored_inserts.bson' },
        { ns: 'bson.vectored_insert', documents: 1, file: 'bson/vectored_insert.bson' },
      ],
      warnings: [/(^|\s)oplog\.json: .*not restored/, /json(\/\S+\.json)?: .*not restored/],
    },
    real: { skip: 'FerretDB v1 refuses keys starting with $ ($jsonSchema, $set inside these oplog entries)' },
  },
  {
    path: 'timeseries_tests/ts_dump',
    kind: 'dump root',
    mongorestore: 'system.buckets.foo_ts.bson + foo_ts.metadata.json = timeseries foo_ts; admin.system.views (§3.5)',
    expect: {
      plans: [{ ns: 'timeseries_test.foo_ts', type: 'timeseries', documents: 10, file: 'timeseries_test/system.buckets.foo_ts.bson' }],
      skips: ['admin.system.version', 'admin.system.views'],
    },
    real: NO_TIMESERIES,
  },
  {
    path: 'timeseries_tests/ts_dump_invalid_buckets',
    kind: 'dump root',
    mongorestore: 'plans timeseries foo_ts; a real run fails 5 bucket inserts (§5)',
    expect: {
      plans: [{ ns: 'timeseries_test.foo_ts', type: 'timeseries', documents: 5, file: 'timeseries_test/system.buckets.foo_ts.bson' }],
      skips: ['admin.system.version', 'admin.system.views'],
    },
    real: NO_TIMESERIES,
  },
  {
    path: 'timeseries_tests/ts_dump_with_oplog',
    kind: 'dump root',
    mongorestore: 'timeseries foo_ts, config.* as ordinary collections, admin; 872 oplog entries only with --oplogReplay (§3.3, §5)',
    expect: {
      plans: [
        { ns: 'config.external_validation_keys', documents: 0, file: 'config/external_validation_keys.bson' },
        { ns: 'config.tenantMigrationDonors', documents: 0, file: 'config/tenantMigrationDonors.bson' },
        { ns: 'config.tenantMigrationRecipients', documents: 0, file: 'config/tenantMigrationRecipients.bson' },
        { ns: 'timeseries_test.foo_ts', type: 'timeseries', documents: 10, file: 'timeseries_test/system.buckets.foo_ts.bson' },
      ],
      skips: ['admin.system.version', 'admin.system.views'],
      oplog: 872,
    },
    real: NO_TIMESERIES,
  },
  oplogOnly('commit_indexes_build', 17, 'oplog only: noops, create, insert, start/commitIndexBuild'),
  oplogOnly('create_indexes', 16, 'oplog only: create, createIndexes, noops'),
  oplogOnly('dump_oplog_conflict', 5, 'oplog only: 5 inserts into test.data'),
  oplogOnly('dump_with_noop_in_oplog', 4, 'oplog only: 2 noops, create, insert'),
  oplogOnly('oplog_ignore_index', 2, 'oplog only: start + abortIndexBuild'),
  oplogOnly('oplog_partial_skips', 21, 'oplog only: config.* ops and db3.c1 retryable inserts'),
  oplogOnly('tools-2002', 2, 'oplog only: create + createIndexes'),
  {
    path: 'prelude_test/prelude_top_level',
    kind: 'dump root',
    mongorestore: 'test.foo; prelude.json gives the dump\'s server version (§1.5 ReadPreludeMetadata)',
    expect: { plans: [{ ns: 'test.foo', documents: 1, file: 'test/foo.bson' }], serverVersion: '7.0.16' },
    real: ALL,
  },
  {
    path: 'prelude_test/prelude_gzip',
    kind: 'dump root',
    // mongosafe detects gzip per file; mongorestore needs --gzip (§1.3).
    mongorestore: 'test.foo only with --gzip; prelude.json.gz likewise (§1.3, §1.5)',
    expect: { plans: [{ ns: 'test.foo', documents: 1, file: 'test/foo.bson.gz' }], serverVersion: '7.0.16' },
    real: ALL,
  },
  {
    path: 'prelude_test/prelude_db_target',
    kind: 'dump root',
    mongorestore: 'as a root: db test, test.foo; its prelude.json sits in the db folder, so no version is known (§1.2, §1.5)',
    expect: { plans: [{ ns: 'test.foo', documents: 1, file: 'test/foo.bson' }] },
    real: ALL,
  },
  {
    path: 'prelude_test/server_version_unknown',
    kind: 'dump root',
    mongorestore: 'test.foo; ServerVersion "unknown" is accepted and ignored (§1.5)',
    expect: { plans: [{ ns: 'test.foo', documents: 1, file: 'test/foo.bson' }] },
    real: ALL,
  },

  // --- database folders (mongosafe detects them; mongorestore needs --db) ---
  {
    path: 'aws_test_db',
    kind: 'db folder',
    mongorestore: 'without --db: "don\'t know what to do" per file, nothing; --db x: x.c1 (§1.1, §5)',
    expect: { plans: [{ ns: 'aws_test_db.c1', documents: 3, file: 'c1.bson' }] },
    real: ALL,
  },
  {
    path: 'local',
    kind: 'db folder',
    mongorestore: 'as a root: 2 unknown files; with --db local: local.test_auto_idx, autoIndexId:false (§3.3 UpdateAutoIndexId, §5)',
    expect: { plans: [{ ns: 'local.test_auto_idx', documents: 2, file: 'test_auto_idx.bson' }] },
    real: ALL,
  },
  {
    path: 'prelude_test/prelude_db_target/test',
    kind: 'db folder',
    mongorestore: '--db test: test.foo; prelude.json beside the data gives 7.0.16 (§1.5 DumpPreludeMetadata for --db dumps)',
    expect: { plans: [{ ns: 'test.foo', documents: 1, file: 'foo.bson' }], serverVersion: '7.0.16' },
    real: ALL,
  },
  {
    path: 'timeseries_tests/ts_single_buckets_file',
    kind: 'db folder',
    mongorestore: 'fatal "could not find the timeseries collection metadata file" (§1.4 CreateIntentForCollection)',
    expect: { exitCodes: [1], message: [/system\.buckets\.foo_ts/, /metadata/], inspect: 'same' },
  },

  // --- folders of dumps ---
  {
    path: 'prelude_test',
    kind: 'folder of dumps',
    mongorestore: 'as a root its dumps are read as databases: nothing sensible (§5)',
    expect: { exitCodes: [1], message: [/prelude_test/, /holds no mongodump output/], inspect: 'same' },
  },
  {
    path: 'timeseries_tests',
    kind: 'folder of dumps',
    // The policy asks for "holds no mongodump output"; read by the layout rules, its ts_single_buckets_file
    // child is a bucket file without metadata, a CORRUPT error of its own: either names the folder.
    mongorestore: 'as a root: nonsense such as ts_dump_with_oplog.oplog (§5)',
    expect: { exitCodes: [1], message: [/timeseries_tests/, /holds no mongodump output|system\.buckets\.foo_ts/], inspect: 'same' },
  },

  // --- single files: mongorestore's single-collection mode (§1.1 handleBSONInsteadOfDirectory, §1.4) ---
  {
    path: 'auth_version_3.bson',
    kind: 'file',
    mongorestore: 'as target: <parent folder>.auth_version_3, no metadata (§1.1, §5)',
    expect: { plans: [{ ns: `${FILE_DB}.auth_version_3`, documents: 1, file: '' }] },
    real: ALL,
  },
  {
    path: 'auth_version_5.bson',
    kind: 'file',
    mongorestore: 'as target: <parent folder>.auth_version_5 (§5)',
    expect: { plans: [{ ns: `${FILE_DB}.auth_version_5`, documents: 1, file: '' }] },
    real: ALL,
  },
  {
    path: 'hashedIndexes.bson',
    kind: 'file',
    mongorestore: 'as target: <parent>.hashedIndexes with the sibling metadata\'s hashed indexes (§1.4, §5)',
    expect: { plans: [{ ns: `${FILE_DB}.hashedIndexes`, documents: 2, file: '', indexes: ['_id_', 'a.a_1', 'a.b_hashed', 'b_hashed'] }] },
    real: { restore: 'data only', why: 'FerretDB v1 has no hashed indexes' },
  },
  {
    path: 'test_auto_idx.bson',
    kind: 'file',
    mongorestore: 'as target: <parent>.test_auto_idx; autoIndexId:false is dropped on ≥ 4.0 targets (§3.3 UpdateAutoIndexId)',
    expect: { plans: [{ ns: `${FILE_DB}.test_auto_idx`, documents: 2, file: '' }] },
    real: ALL,
  },
  {
    path: 'extra_oplog.bson',
    kind: 'file',
    mongorestore: 'as target: <parent>.extra_oplog, an ordinary collection; only --oplogFile makes it an oplog (§4.1, §5)',
    expect: { plans: [{ ns: `${FILE_DB}.extra_oplog`, documents: 5, file: '' }] },
    real: ALL,
  },
  {
    path: 'system.version.no_auth_schema.bson',
    kind: 'file',
    mongorestore: 'as target: <parent>.system.version.no_auth_schema, not admin\'s version slot (§5)',
    expect: { plans: [{ ns: `${FILE_DB}.system.version.no_auth_schema`, documents: 1, file: '' }] },
    real: ALL,
  },

  // --- not dumps: mongorestore says 'does not have .bson extension' (§1.1, §5) ---
  { path: 'hashedIndexes.metadata.json', kind: 'not a dump', mongorestore: 'as target: "does not have .bson extension" (§5)', expect: METADATA_FILE },
  { path: 'test_auto_idx.metadata.json', kind: 'not a dump', mongorestore: 'as target: "does not have .bson extension" (§5)', expect: METADATA_FILE },
  { path: 'index_collation.json', kind: 'not a dump', mongorestore: 'a unit-test fixture; as target: extension error (§5)', expect: NOT_A_DUMP },
  { path: 'transactions.json', kind: 'not a dump', mongorestore: 'txn test scenarios; as target: extension error (§5)', expect: NOT_A_DUMP },
  { path: 'transactions-6.1.json', kind: 'not a dump', mongorestore: 'txn test scenarios; as target: extension error (§5)', expect: NOT_A_DUMP },
];

const isRefusal = (expectation: Plan | Refusal): expectation is Refusal => 'exitCodes' in expectation;
const STACK_TRACE = /\n\s+at /;

/** Top-level entries and the children of folders of dumps: what the table must list. */
function walkedEntries(root: string): string[] {
  const entries = readdirSync(root);
  const folders = ROWS.filter((row) => row.kind === 'folder of dumps').map((row) => row.path);
  for (const folder of folders) if (existsSync(join(root, folder))) entries.push(...readdirSync(join(root, folder)).map((child) => `${folder}/${child}`));
  return entries.sort();
}

/** Every document of a .bson file, cut by its length prefixes; `.gz` gunzipped first. */
function bsonFileDocuments(path: string): Uint8Array[] {
  const raw = readFileSync(path);
  const bytes = path.endsWith('.gz') ? gunzipSync(raw) : raw;
  const documents: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; ) {
    assert(offset + 5 <= bytes.length, `${path}: ${bytes.length - offset} stray bytes at ${offset}`);
    const length = bytes.readInt32LE(offset);
    assert(length >= 5 && offset + length <= bytes.length, `${path}: document length ${length} at ${offset} overruns the file`);
    documents.push(bytes.subarray(offset, offset + length));
    offset += length;
  }
  return documents;
}

async function archiveDocuments(path: string, ns: string): Promise<Uint8Array[]> {
  const { stream } = await decompressAuto(createReadStream(path));
  const documents: Uint8Array[] = [];
  for await (const event of readArchive(stream)) {
    if (event.kind === 'documents' && `${event.db}.${event.collection}` === ns) documents.push(...event.documents.map((doc) => Uint8Array.from(doc)));
  }
  return documents;
}

/** Documents keyed by their _id (canonical extended JSON), each as hex: order does not matter. */
function byId(documents: Uint8Array[], where: string): Map<string, string> {
  const keyed = new Map<string, string>();
  for (const bytes of documents) {
    const document = BSON.deserialize(bytes, { promoteValues: false });
    assert('_id' in document, `${where}: a document without _id`);
    const id = BSON.EJSON.stringify(document._id, { relaxed: false });
    assert(!keyed.has(id), `${where}: two documents with _id ${id}`);
    keyed.set(id, Buffer.from(bytes).toString('hex'));
  }
  return keyed;
}

function splitNs(ns: string): { db: string; collection: string } {
  const dot = ns.indexOf('.');
  return { db: ns.slice(0, dot), collection: ns.slice(dot + 1) };
}

/** Our errors are one line and maybe a hint; anything else (a stack, "internal error") is a bug. */
function expectNoStackTrace(expect: ExpectStatic, run: CliRun, what: string): void {
  expect(run.stderr, `${what}: stderr looks like a stack trace`).not.toMatch(STACK_TRACE);
  expect(run.stderr, `${what}: an internal error`).not.toMatch(/internal error/);
}

interface DryRunJson {
  namespaces: Array<{ source: string; target: string; type: string; documents: number; inserted: number; status: string; reason?: string }>;
  warnings: string[];
}

interface InspectJson {
  header?: { serverVersion: string };
  namespaces: Array<{ db: string; collection: string; type: string; documents: number; indexes: string[] }>;
}

const sortedPlans = (plans: Planned[]) =>
  plans.map((p) => ({ ns: p.ns, type: p.type ?? 'collection', documents: p.documents })).sort((a, b) => a.ns.localeCompare(b.ns));

describe.skipIf(!TESTDATA)(`mongorestore's testdata (../shared/testdata/mongorestore)`, () => {
  const root = TESTDATA ?? '';
  const at = (path: string) => join(root, path);

  it('the table lists every entry of the folder, and every row exists', ({ expect }) => {
    const listed = ROWS.map((row) => row.path);
    const unlisted = walkedEntries(root).filter((entry) => !listed.includes(entry));
    expect(unlisted, 'entries in the testdata that this table does not list: add a row saying what mongorestore does').toEqual([]);
    expect(listed.filter((path) => !existsSync(at(path))), 'rows whose entry is gone').toEqual([]);
    expect(new Set(listed).size, 'duplicate rows').toBe(listed.length);
  });

  describe.concurrent('inspect and dry-run restore through the CLI', () => {
    for (const row of ROWS) {
      it(`${row.path} (${row.kind}): ${row.mongorestore}`, async ({ expect }) => {
        const [inspected, dryRun] = await Promise.all([runCli(['inspect', at(row.path), '--json']), runCli(['restore', at(row.path), '--dry-run', '--json'])]);
        expectNoStackTrace(expect, inspected, 'inspect');
        expectNoStackTrace(expect, dryRun, 'dry run');

        if (isRefusal(row.expect)) {
          const refusal = row.expect;
          const firstLine = dryRun.stderr.split('\n')[0] ?? '';
          expect(refusal.exitCodes, `dry-run exit code (stderr: ${dryRun.stderr})`).toContain(dryRun.code);
          expect(dryRun.stderr, 'one line, then at most a hint').toMatch(/^mongosafe: [^\n]+\n( {2}hint: [^\n]+\n)?$/);
          for (const pattern of refusal.message) expect(firstLine).toMatch(pattern);
          if (refusal.inspect === 'same') {
            expect(refusal.exitCodes, `inspect exit code (stderr: ${inspected.stderr})`).toContain(inspected.code);
            for (const pattern of refusal.message) expect(inspected.stderr.split('\n')[0]).toMatch(pattern);
          } else {
            expect(inspected.code, inspected.stderr).toBe(0);
          }
          return;
        }

        const plan = row.expect;
        expect(dryRun.code, `dry-run exit code (stderr: ${dryRun.stderr})`).toBe(0);
        const result = JSON.parse(dryRun.stdout) as DryRunJson;
        const planned = result.namespaces.filter((ns) => ns.status === 'planned');
        expect(planned.map((ns) => ({ ns: ns.source, type: ns.type, documents: ns.documents })).sort((a, b) => a.ns.localeCompare(b.ns)), 'planned namespaces').toEqual(sortedPlans(plan.plans));
        for (const ns of planned) expect(ns.target, 'no rename asked, none made').toBe(ns.source);

        // The .oplog may be listed as skipped or not at all (the policy leaves it open); never planned.
        const skipped = result.namespaces.filter((ns) => ns.status === 'skipped' && ns.source !== '.oplog');
        expect(skipped.map((ns) => ns.source).sort(), 'skipped namespaces').toEqual([...(plan.skips ?? [])].sort());
        for (const ns of skipped) {
          expect(ns.reason, `${ns.source}: a skip says why`).toEqual(expect.any(String));
          expect(result.warnings.some((warning) => warning.includes(ns.source)), `${ns.source}: one warning line`).toBe(true);
        }
        const oplogWarnings = result.warnings.filter((warning) => /oplog \(\d+ entries/.test(warning));
        if (plan.oplog === undefined) {
          expect(oplogWarnings, 'no oplog, no oplog warning').toEqual([]);
        } else {
          expect(oplogWarnings, `warnings: ${JSON.stringify(result.warnings)}`).toEqual([expect.stringMatching(new RegExp(`oplog \\(${plan.oplog} entries\\b[^)]*\\) is not replayed`))]);
        }
        for (const pattern of plan.warnings ?? []) {
          expect(result.warnings.some((warning) => pattern.test(warning)), `a warning matching ${String(pattern)} in ${JSON.stringify(result.warnings)}`).toBe(true);
        }

        expect(inspected.code, `inspect exit code (stderr: ${inspected.stderr})`).toBe(0);
        const inspection = JSON.parse(inspected.stdout) as InspectJson;
        for (const want of plan.plans) {
          const found = inspection.namespaces.find((ns) => `${ns.db}.${ns.collection}` === want.ns);
          expect(found, `inspect lists ${want.ns}`).toMatchObject({ type: want.type ?? 'collection', documents: want.documents });
          if (want.indexes) expect(found?.indexes, `${want.ns}: indexes from its metadata`).toEqual(want.indexes);
        }
        if (plan.serverVersion) expect(inspection.header?.serverVersion, 'the dump\'s server version').toBe(plan.serverVersion);
      });
    }
  });

  describe.concurrent('--oplog-replay --dry-run plans the oplog for replay, after the data (mongorestore replays, §4)', () => {
    for (const row of ROWS) {
      if (isRefusal(row.expect) || row.expect.oplog === undefined) continue;
      it(row.path, async ({ expect }) => {
        const run = await runCli(['restore', at(row.path), '--dry-run', '--oplog-replay', '--json']);
        expectNoStackTrace(expect, run, 'restore --oplog-replay');
        expect(run.code, run.stderr).toBe(0);
        const result = JSON.parse(run.stdout) as { namespaces: Array<{ source: string; status: string }>; warnings: string[] };
        expect(result.namespaces.find((ns) => ns.source === '.oplog')?.status).toBe('replayed');
        expect(result.warnings.filter((w) => w.includes('oplog'))).toEqual([]);
      });
    }
  });

  describe.concurrent('a real restore into the test server, compared document by document with the dump', () => {
    let client: MongoClient | undefined;
    const createdDbs: string[] = [];

    beforeAll(async () => {
      client = await MongoClient.connect(testServices().mongodbUri);
    });

    afterAll(async () => {
      for (const db of createdDbs) await client?.db(db).dropDatabase();
      await client?.close();
    });

    for (const row of ROWS) {
      if (isRefusal(row.expect) || row.expect.plans.length === 0) continue;
      const plan = row.expect;
      const real = row.real ?? { skip: 'the table gives no real-restore decision for this row' };
      if ('skip' in real) {
        it.skip(`${row.path}: skipped: ${real.skip}`, () => undefined);
        continue;
      }
      const title = real.restore === 'data only' ? `${row.path} (data only, --no-indexes: ${real.why})` : row.path;
      it(title, async ({ expect }) => {
        assert(client, 'connected in beforeAll');
        // Every source database is renamed, the skipped ones too: nothing may land in the server's own admin.
        const sourceDbs = [...new Set([...plan.plans.map((p) => splitNs(p.ns).db), ...(plan.skips ?? []).map((ns) => splitNs(ns).db)])];
        const targetOf = new Map(sourceDbs.map((db) => [db, uniqueName('tdw')]));
        createdDbs.push(...targetOf.values());
        const renames = [...targetOf].flatMap(([from, to]) => ['--ns-from', `${from}.*`, '--ns-to', `${to}.*`]);
        const run = await runCli(['restore', at(row.path), '--uri', testServices().mongodbUri, ...renames, ...(real.restore === 'data only' ? ['--no-indexes'] : []), '--json']);
        expectNoStackTrace(expect, run, 'restore');
        expect(run.code, `restore exit code (stderr: ${run.stderr})`).toBe(0);
        const result = JSON.parse(run.stdout) as DryRunJson;
        const ours = new Set(targetOf.values());
        const elsewhere = result.namespaces.filter((ns) => ns.status === 'restored' && !ours.has(splitNs(ns.target).db));
        createdDbs.push(...elsewhere.map((ns) => splitNs(ns.target).db).filter((db) => !['admin', 'local', 'config'].includes(db)));
        expect(elsewhere.map((ns) => ns.target), 'written outside the renamed databases').toEqual([]);
        for (const ns of plan.skips ?? []) {
          const { db, collection } = splitNs(ns);
          const found = await client.db(targetOf.get(db) ?? db).listCollections({ name: collection }, { nameOnly: true }).toArray();
          expect(found, `${ns} is skipped: never written`).toEqual([]);
        }
        for (const want of plan.plans) {
          const { db, collection } = splitNs(want.ns);
          const target = `${targetOf.get(db) ?? db}.${collection}`;
          expect(result.namespaces.find((ns) => ns.source === want.ns), `${want.ns} restored`).toMatchObject({ target, status: 'restored', inserted: want.documents });

          const fromDump = want.file === undefined ? await archiveDocuments(at(row.path), want.ns) : bsonFileDocuments(join(at(row.path), want.file));
          expect(fromDump, `${want.ns}: documents in the dump`).toHaveLength(want.documents);
          const fromServer = (await client.db(targetOf.get(db) ?? db).collection(collection).find({}, { raw: true }).toArray()) as unknown as Uint8Array[];
          expect(byId(fromServer, target), `${want.ns}: the server's documents are the dump's, byte for byte`).toEqual(byId(fromDump, `${row.path} ${want.ns}`));
        }
      });
    }
  });
});

