import { COMMANDS, OPTIONS, type OptionSpec } from './options.js';
import { expectation } from './values.js';

/**
 * docs/cli.md, rendered from the option table so the reference cannot drift
 * from the parser (scripts/gen-cli-docs.ts writes it; a unit test compares).
 */
export function renderCliDocs(): string {
  const lines = [
    '# mongosafe command reference',
    '',
    '<!-- Generated from src/config/options.ts by `npx tsx scripts/gen-cli-docs.ts`. Do not edit by hand. -->',
    '',
    'Precedence: a flag beats its environment variable, which beats the default.',
    `Booleans, as flags (\`--debug=no\`) or variables (\`MONGOSAFE_DEBUG=yes\`): ${expectation({ type: 'boolean' })}, in any case.`,
    'Every command takes `-h` or `--help`.',
    'Exit codes: 0 ok, 1 failed, 2 usage or configuration error, 3 verify found a problem, 130 interrupted.',
    '`--json` prints one JSON result object on stdout and nothing else; progress goes to stderr only when it is a terminal.',
    '',
  ];
  for (const [name, spec] of Object.entries(COMMANDS)) {
    lines.push(`## mongosafe ${name}${spec.usage ? ` ${spec.usage}` : ''}`, '', `${spec.summary[0]?.toUpperCase() ?? ''}${spec.summary.slice(1)}.`, '');
    lines.push('| option | environment | default | meaning |', '|---|---|---|---|');
    for (const optionName of spec.options) {
      const option: OptionSpec = OPTIONS[optionName];
      const flag = `\`${option.short ? `-${option.short}, ` : ''}--${optionName}${option.value ? ` ${option.value}` : ''}\``;
      lines.push(`| ${flag} | ${option.env ? `\`${option.env}\`` : ''} | ${option.default !== undefined ? `\`${String(option.default)}\`` : ''} | ${option.help}${choices(option)} |`);
    }
    lines.push('');
    if (name === 'restore') lines.push(...whatRestoreReads());
  }
  lines.push(...lambdaSection());
  return `${lines.join('\n')}`;
}

/**
 * Which inputs restore (and inspect) take, and which namespaces restore never writes: the
 * layouts are the directory reader's (src/archive/directory-reader.ts), the skips
 * src/core/special-namespaces.ts's. Kept here so that the reference is in one generated file.
 */
function whatRestoreReads(): string[] {
  return [
    '### What restore reads',
    '',
    'The target is detected, never declared (there is no `--gzip`, `--db` or `--archive`); `inspect` reads the same inputs.',
    '',
    "- **A backup of mongosafe's**, by id or `latest`, from `--from`.",
    '- **A mongodump archive file** (`mongodump --archive`), gzip-compressed or not (told by its first bytes), with or without `--oplog`.',
    '- **A mongodump directory dump**: a dump root with one folder per database, or one database\'s folder (a folder that holds dump files itself);',
    '  `.bson`, `.bin` and `.metadata.json` files, each optionally `.gz` (per file, so a mixed folder is fine); collection names unescaped',
    '  as mongodump escaped them, and long names that mongodump shortened taken from their metadata; the root\'s `oplog.bson` (`mongodump --oplog`);',
    '  `prelude.json` for the server version. Files and folders that are not dumps are named in one notice line each and not read,',
    "  and so are the `$admin.system.*` files of `mongodump --db` (restoring one database's users is not supported).",
    '- **A single `.bson` (or `.bson.gz`, `.bin`) file**: one collection named after the file, in the database named after its folder,',
    '  with the sibling `.metadata.json` when there is one.',
    '',
    'A layout that cannot be read is an error naming the path; nothing is restored. Every namespace is read and checked; these are never',
    'written, each with one warning line (and `status: "skipped"` with a `reason` in the `--json` result):',
    '',
    '| namespace | why |',
    '|---|---|',
    '| the oplog (`.oplog` of `--oplog` archives, a dump root\'s `oplog.bson`) | without `--oplog-replay`: the data is as of each collection\'s read; with it, see below |',
    '| `admin.system.version` | the server\'s own auth-schema/feature-version record (mongorestore never restores it either) |',
    '| `admin.system.users`, `admin.system.roles` | users and roles are never inserted as documents: recreate them with createUser/createRole or in Atlas |',
    '| `<db>.system.views` | each view is recreated from its own entry in the dump |',
    '| `<db>.system.profile`, `<db>.system.indexes` | the profiler\'s log; the index list of servers before 3.0 (as mongorestore) |',
    '',
    'Everything else, `system.js`, `config.*` and `local.*` included, is restored as an ordinary collection. `--ns-include` and the other',
    'filters apply to all of them; a skipped namespace that a filter leaves out gets no warning.',
    '',
    '### Oplog replay',
    '',
    'A dump taken with `mongodump --oplog` is consistent only once its oplog is applied: each collection was read at its own moment.',
    '`--oplog-replay` applies it after the data and before the indexes, as mongorestore does, but with ordinary commands instead of',
    '`applyOps`, which Atlas shared tiers (M0, Flex) and FerretDB refuse: inserts (an existing `_id` is replaced), updates by `_id` (the',
    'classic form, replacements, and the `$v: 2` diffs of servers 5.0+, applied byte for byte to the stored document), deletes,',
    'collection and index creation and drops, and transactions, applied at their commit (aborted ones are not). Applying an entry twice',
    'leaves the same state, so a replay cut short can be run again. An entry it cannot apply exactly stops the replay with one line naming',
    'its timestamp and namespace; no entry is skipped silently. `--oplog-limit SECONDS[:ORDINAL]` applies only the entries before that',
    'timestamp (mongorestore\'s `--oplogLimit`). `--ns-include`, `--ns-exclude` and `--ns-from`/`--ns-to` apply to the entries as to the data.',
    '',
  ];
}

/** The Lambda's column of the same table: its variable names are the seed's, not MONGOSAFE_*. */
function lambdaSection(): string[] {
  const lines = [
    '## The scheduled job\'s environment (AWS Lambda, `mongosafe job`)',
    '',
    'The Lambda handler (`src/lambda/`, deployed by `infra/terraform/modules/mongodb-backup`) backs up with the settings below,',
    'read by the same parsers as the flags; a bad value is a configuration error that names the variable. Any `KEEP_*` that is set',
    'makes it prune after each successful backup. The connection string never sits in the function\'s environment: `MONGODB_URI` there is refused.',
    '',
    '`mongosafe job` runs the same job in a container (ECS Fargate, a Kubernetes CronJob; docs/container.md), set up by the same',
    'variables, with these differences: the connection string may come from `MONGODB_URI` (a Secret of the platform) instead of',
    '`MONGODB_URI_SECRET`, exactly one of the two; `DESTINATION` may also be a folder (a mounted volume); `ENCRYPT` may also be',
    '`key-file:PATH`; `JOB_NAME` (default `mongosafe`) is the name its metrics (dimension `FunctionName`) and failure notices carry;',
    '`SCHEDULED_TIME` (ISO 8601), when set, makes a second start of the same scheduled run reuse that run\'s backup; `SAFETY_MARGIN_MS`',
    'does not apply (the job runs until done, and SIGTERM stops it cleanly). `mongosafe job verify [--deep]` is the restore drill.',
    '',
    '| variable | flag | default | meaning |',
    '|---|---|---|---|',
  ];
  for (const [name, option] of Object.entries(OPTIONS) as Array<[string, OptionSpec]>) {
    if (!option.lambda) continue;
    const flag = option.lambdaOnly ? 'Lambda only' : `\`--${name}\``;
    const fallback = option.lambda.required ? 'required' : option.default !== undefined ? `\`${String(option.default)}\`` : '';
    lines.push(`| \`${option.lambda.env}\` | ${flag} | ${fallback} | ${option.lambda.help ?? option.help}${choices(option)} |`);
  }
  lines.push('');
  return lines;
}

function choices(option: OptionSpec): string {
  return option.choices ? ` (${option.choices.join(', ')})` : '';
}
