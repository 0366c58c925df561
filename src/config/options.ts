import type { ValueSpec } from './values.js';

/**
 * Every setting, in one table: it drives the CLI's strict parsing, `--help`,
 * its environment fallbacks, the Lambda's environment (src/lambda/env.ts) and
 * docs/cli.md (scripts/gen-cli-docs.ts; a test fails when the doc is stale).
 * Precedence: flag > environment > default. Values go through the same
 * parsers (src/config/values.ts) whichever way they come in.
 */
export interface OptionSpec extends ValueSpec {
  help: string;
  /** The CLI's environment variable. */
  env?: string;
  default?: string | number | boolean;
  /** A one-letter alias, e.g. -h. */
  short?: string;
  /** Its value never reaches output; provenance shows `<redacted>`. */
  secret?: boolean;
  /** The placeholder in help, e.g. URI, N, DEST. */
  value?: string;
  /** The Lambda reads this setting from its environment, under this name. */
  lambda?: LambdaSetting;
  /** No flag, in no command: only the Lambda has it. */
  lambdaOnly?: true;
}

export interface LambdaSetting {
  /** The variable's name in the function's environment (not MONGOSAFE_*: the seed's names). */
  env: string;
  /** Unset is a CONFIG error; otherwise the option's default applies. */
  required?: true;
  /** When the Lambda's meaning differs from the flag's help. */
  help?: string;
}

export const OPTIONS = {
  uri: { type: 'string', env: 'MONGODB_URI', secret: true, value: 'URI', help: 'MongoDB connection string (mongodb:// or mongodb+srv://)' },
  'uri-secret': { type: 'string', env: 'MONGOSAFE_URI_SECRET', value: 'ID[#KEY]', help: 'read the connection string from AWS Secrets Manager (KEY defaults to MONGODB_URI)', lambda: { env: 'MONGODB_URI_SECRET', required: true, help: 'the Secrets Manager secret ID[#KEY] holding the connection string, e.g. moms-recipe-secrets#MONGODB_URI (KEY defaults to MONGODB_URI)' } },
  to: { type: 'string', env: 'MONGOSAFE_DESTINATION', default: './backups', value: 'DEST', help: 'where backups go: a folder, file:///path or s3://bucket/prefix', lambda: { env: 'DESTINATION', required: true, help: 'where backups go: s3://bucket/prefix' } },
  from: { type: 'string', env: 'MONGOSAFE_DESTINATION', default: './backups', value: 'DEST', help: 'where backups are: a folder, file:///path or s3://bucket/prefix' },
  db: { type: 'list', value: 'NAME', help: 'database to back up (repeatable; default: all but admin, local, config)', lambda: { env: 'DATABASES', help: 'databases to back up, comma-separated (default: all but admin, local, config)' } },
  'ns-include': { type: 'list', value: 'PATTERN', help: 'only namespaces matching db.collection (* matches anything; repeatable)' },
  'ns-exclude': { type: 'list', value: 'PATTERN', help: 'skip namespaces matching db.collection (repeatable)' },
  'ns-from': { type: 'list', value: 'PATTERN', help: 'rename on restore: source pattern (pairs with --ns-to, in order)' },
  'ns-to': { type: 'list', value: 'PATTERN', help: 'rename on restore: target pattern, one * per * of --ns-from' },
  compression: { type: 'string', env: 'MONGOSAFE_COMPRESSION', default: 'gzip', choices: ['gzip', 'zstd', 'none'], value: 'KIND', help: 'archive compression; gzip and none are readable by mongorestore', lambda: { env: 'COMPRESSION' } },
  'compression-level': { type: 'int', env: 'MONGOSAFE_COMPRESSION_LEVEL', value: 'N', help: 'gzip 1 (fastest) to 9 (smallest), default 2; zstd 1 to 22, default 3' },
  parallel: { type: 'int', min: 1, env: 'MONGOSAFE_PARALLEL', default: 4, value: 'N', help: 'collections read (backup) or insert batches in flight (restore) at once', lambda: { env: 'PARALLEL' } },
  'kms-key': { type: 'string', env: 'MONGOSAFE_KMS_KEY', value: 'KEY_ID', help: 'S3: encrypt with this KMS key (SSE-KMS) instead of SSE-S3', lambda: { env: 'KMS_KEY_ID' } },
  encrypt: {
    type: 'string', env: 'MONGOSAFE_ENCRYPT', value: 'KIND:KEY',
    help: 'client-side encryption (docs/encryption.md): kms:KEY_ID|ALIAS|ARN, key-file:PATH (32 random bytes) or public-key:PEM (RSA, 3072+ bits); reading, the key-file that opens the backup',
    lambda: { env: 'ENCRYPT', help: 'client-side encryption with a KMS key: kms:KEY_ARN (the function needs kms:GenerateDataKey on it; unset: none)' },
  },
  'lock-days': {
    type: 'int', min: 1, env: 'MONGOSAFE_LOCK_DAYS', value: 'N',
    help: "S3 Object Lock: no one may delete or overwrite the backup for N days (never fewer than the bucket's default retention, which applies without this too)",
    lambda: { env: 'LOCK_DAYS' },
  },
  'decrypt-key': { type: 'string', env: 'MONGOSAFE_DECRYPT_KEY', secret: true, value: 'KIND:KEY', help: 'the key that opens an encrypted backup: private-key:PEM (a path or the PEM itself) or key-file:PATH; a KMS backup needs none' },
  out: { type: 'string', value: 'FILE', help: "where export writes the archive ('-' for stdout)" },
  'connect-timeout': { type: 'duration', env: 'MONGOSAFE_CONNECT_TIMEOUT', default: '10s', value: 'DUR', help: 'how long to look for a reachable server (e.g. 10s, 1m)' },
  drop: { type: 'boolean', help: 'drop each restored collection first (only those being restored)' },
  'dry-run': { type: 'boolean', help: 'check and show what would happen; change nothing' },
  'no-indexes': { type: 'boolean', help: 'restore data only; do not build indexes' },
  'oplog-replay': { type: 'boolean', help: 'apply the oplog of a mongodump --oplog dump after the data, with ordinary commands (no applyOps: works on Atlas M0 and FerretDB)' },
  'oplog-limit': { type: 'string', value: 'SECONDS[:ORDINAL]', help: 'with --oplog-replay: apply only the entries before this timestamp (seconds since the epoch, UTC)' },
  'spool-dir': { type: 'string', env: 'MONGOSAFE_SPOOL_DIR', value: 'DIR', help: 'a backup in S3 is downloaded once: the copy restore (and verify --deep) reads again is kept here, then deleted (default: the OS temp folder)' },
  wait: { type: 'boolean', help: 'S3 Glacier: wait until a requested restore makes the archive readable' },
  deep: { type: 'boolean', help: 'also restore into a scratch database (--uri) and compare every document' },
  'keep-last': { type: 'int', env: 'MONGOSAFE_KEEP_LAST', value: 'N', help: 'keep the N newest backups', lambda: { env: 'KEEP_LAST' } },
  'keep-daily': { type: 'int', env: 'MONGOSAFE_KEEP_DAILY', value: 'N', help: 'keep the newest backup of each of the last N days (UTC)', lambda: { env: 'KEEP_DAILY' } },
  'keep-weekly': { type: 'int', env: 'MONGOSAFE_KEEP_WEEKLY', value: 'N', help: 'keep the newest backup of each of the last N ISO weeks', lambda: { env: 'KEEP_WEEKLY' } },
  'keep-monthly': { type: 'int', env: 'MONGOSAFE_KEEP_MONTHLY', value: 'N', help: 'keep the newest backup of each of the last N months', lambda: { env: 'KEEP_MONTHLY' } },
  'keep-yearly': { type: 'int', env: 'MONGOSAFE_KEEP_YEARLY', value: 'N', help: 'keep the newest backup of each of the last N years', lambda: { env: 'KEEP_YEARLY' } },
  'max-age': { type: 'duration', env: 'MONGOSAFE_MAX_AGE', default: '26h', value: 'DUR', help: 'status fails when the newest backup is older than this' },
  'infer-types': { type: 'boolean', help: 'import-legacy: turn 24-hex _id strings into ObjectIds and ISO-8601 strings into dates' },
  json: { type: 'boolean', help: 'print one JSON result object on stdout and nothing else' },
  debug: { type: 'boolean', env: 'MONGOSAFE_DEBUG', help: 'show error causes, stack traces and where each setting came from' },
  help: { type: 'boolean', short: 'h', help: "show this command's help" },

  // The Lambda's own settings: a CLI user runs `verify` and reads the exit code instead.
  verify: {
    type: 'string', choices: ['none', 'full'], default: 'full', lambdaOnly: true, lambda: { env: 'VERIFY' },
    // Default full: reading the archive back costs one GET and seconds of Lambda
    // time at the seed's size, and it is what turns "uploaded" into "restorable".
    help: 'after each backup: full reads the archive back (sha256, every CRC and count), none skips it',
  },
  'notify-topic-arn': { type: 'string', lambdaOnly: true, lambda: { env: 'NOTIFY_TOPIC_ARN' }, help: 'SNS topic told about a failed run (arn:aws:sns:REGION:ACCOUNT:TOPIC)' },
  'safety-margin-ms': { type: 'int', default: 60_000, lambdaOnly: true, lambda: { env: 'SAFETY_MARGIN_MS' }, help: "milliseconds kept back from the function's time limit, so that a backup cut short can clean up and report" },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

/** Options with a flag: the Lambda-only rows cannot be listed in a command (a compile error). */
export type CliOptionName = { [K in OptionName]: (typeof OPTIONS)[K] extends { lambdaOnly: true } ? never : K }[OptionName];

/** Options the Lambda reads, by their row in the table. */
export type LambdaOptionName = { [K in OptionName]: (typeof OPTIONS)[K] extends { lambda: LambdaSetting } ? K : never }[OptionName];

export interface CommandSpec {
  summary: string;
  /** Positional arguments, for help: e.g. "<id|latest|FILE>". */
  usage: string;
  /** How many positionals are required / allowed. */
  positionals: { min: number; max: number };
  options: readonly CliOptionName[];
}

const OUTPUT = ['json', 'debug', 'help'] as const;
const SOURCE_URI = ['uri', 'uri-secret', 'connect-timeout'] as const;
const DECRYPT = ['encrypt', 'decrypt-key'] as const;
const KEEP = ['keep-last', 'keep-daily', 'keep-weekly', 'keep-monthly', 'keep-yearly'] as const;

export const COMMANDS = {
  backup: {
    summary: 'back up MongoDB into a destination (archive first, manifest last)',
    usage: '',
    positionals: { min: 0, max: 0 },
    options: [...SOURCE_URI, 'db', 'ns-include', 'ns-exclude', 'to', 'compression', 'compression-level', 'parallel', 'kms-key', 'encrypt', 'lock-days', ...OUTPUT],
  },
  list: { summary: 'list complete backups, newest first', usage: '', positionals: { min: 0, max: 0 }, options: ['from', ...OUTPUT] },
  inspect: {
    summary: "show a backup's manifest and namespaces (also a mongodump archive or directory)",
    usage: '<id|latest|FILE|DIR>',
    positionals: { min: 1, max: 1 },
    options: ['from', ...OUTPUT],
  },
  restore: {
    summary: 'restore a backup, a mongodump archive or a mongodump directory (checked before anything is written)',
    usage: '<id|latest|FILE|DIR>',
    positionals: { min: 1, max: 1 },
    options: [...SOURCE_URI, 'from', 'ns-include', 'ns-exclude', 'ns-from', 'ns-to', 'drop', 'dry-run', 'no-indexes', 'oplog-replay', 'oplog-limit', 'parallel', 'wait', 'spool-dir', ...DECRYPT, ...OUTPUT],
  },
  verify: {
    summary: 'check backups end to end: size, sha256, every CRC and count (exit 3 on a problem)',
    usage: '<id|latest|all|FILE>',
    positionals: { min: 1, max: 1 },
    options: ['from', 'deep', 'spool-dir', ...SOURCE_URI, ...DECRYPT, ...OUTPUT],
  },
  export: {
    summary: "write a backup's plain mongodump archive (decrypted, sha256-checked) for mongorestore --archive",
    usage: '<id|latest>',
    positionals: { min: 1, max: 1 },
    options: ['from', 'out', 'wait', ...DECRYPT, ...OUTPUT],
  },
  prune: {
    summary: 'delete old backups by grandfather-father-son retention (UTC)',
    usage: '',
    positionals: { min: 0, max: 0 },
    options: ['from', ...KEEP, 'dry-run', ...OUTPUT],
  },
  status: {
    summary: 'newest and newest verified backup, incomplete ones; exit 1 when the newest is older than --max-age',
    usage: '',
    positionals: { min: 0, max: 0 },
    options: ['from', 'max-age', ...OUTPUT],
  },
  job: {
    summary: "the scheduled job, as the Lambda runs it (backup, verify, prune; or 'verify [--deep]'), set up by the environment: for containers",
    usage: '[backup|verify]',
    positionals: { min: 0, max: 1 },
    options: ['deep', 'debug', 'help'],
  },
  'import-legacy': {
    summary: "restore the seed Lambda's zip of JSON arrays (one <collection>.json each)",
    usage: '<ZIP>',
    positionals: { min: 1, max: 1 },
    options: [...SOURCE_URI, 'db', 'infer-types', 'drop', ...OUTPUT],
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;
