// npm run bench [-- --dataset typical,many|all|gigabyte --scale 1 --rounds 3 --parts db,reads,encrypt,gzip,s3 --fuzz]
// mongosafe vs mongodump/mongorestore on the same server, same data, same run, alternating
// order; bytes each reading command downloads from S3; mongosafe with and without client-side
// encryption; parallel gzip vs single stream; S3 storage vs plain uploads. Prints markdown tables, writes bench/results/<time>.json and
// <time>.png. See bench/README.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { REPO_ROOT } from '../scripts/services/paths.js';
import { run } from '../scripts/services/process.js';
import { serviceEnv, servicesUp, type ServicesState } from '../scripts/services/services.js';
import { renderChart } from './chart.js';
import { layoutOf, loadDataset, sampleArchive, selectDatasets, type Dataset } from './datasets.js';
import { benchEncryption } from './encrypt.js';
import { benchGzip } from './gzip.js';
import { benchReads, type ReadsRow } from './reads.js';
import { alternate, measure, sizeOf } from './measure.js';
import { mongosafeCommands } from './mongosafe-cli.js';
import { datasetTable, encryptTable, readsTable, gzipTable, s3Table, summarize, type BenchReport, type DatasetInfo, type EncryptSummary, type Row, type RowSummary, type Side } from './report.js';
import { benchS3Upload } from './s3-upload.js';

const PARTS = ['db', 'reads', 'encrypt', 'gzip', 's3', 'fuzz'] as const;
type Part = (typeof PARTS)[number];

const { values } = parseArgs({
  options: {
    dataset: { type: 'string' },
    scale: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    parts: { type: 'string', default: 'db,reads,gzip,s3' },
    'archive-mb': { type: 'string', default: '64' },
    fuzz: { type: 'boolean', default: false },
    'fuzz-cases': { type: 'string', default: '20000' },
  },
});
const rounds = Math.max(1, Number(values.rounds));
const parts = new Set(`${values.parts}${values.fuzz ? ',fuzz' : ''}`.split(',').filter((p) => p !== ''));
for (const part of parts) if (!(PARTS as readonly string[]).includes(part)) throw new Error(`unknown part ${part}; have ${PARTS.join(', ')}`);
const wants = (part: Part): boolean => parts.has(part);
const selected = selectDatasets(values.dataset, values.scale === undefined ? undefined : Number(values.scale));
const log = (line: string): void => console.error(line);
const startedAt = new Date();
const loadBefore = loadavg();

let state: ServicesState | undefined;
const needsDatabase = wants('db') || wants('reads') || wants('encrypt');
if (needsDatabase || wants('s3')) {
  state = (await servicesUp(log)).state;
  // The S3 bench's clients (ours and the plain ones) read endpoint and credentials from here.
  Object.assign(process.env, serviceEnv(state));
}

const report: BenchReport = { server: state?.mongodb.kind ?? 'none', rounds, rows: [] };
if (needsDatabase && state) Object.assign(report, await benchDatabases(state));
if (wants('gzip') || wants('s3')) {
  const bytes = Number(values['archive-mb']) * 1024 * 1024;
  log(`generating ${values['archive-mb']} MiB of archive…`);
  const archive = await sampleArchive(bytes);
  if (wants('gzip')) report.gzip = await benchGzip(archive, rounds, log);
  if (wants('s3')) report.s3 = await benchS3Upload(archive, rounds, log);
}
const fuzz = wants('fuzz') ? runFuzz(Number(values['fuzz-cases'])) : undefined;

const uri = state ? state.mongodb.uri.replace(/\/\/.*@/, '//') : '';
if (report.rows.length > 0) {
  console.log(`\nmongosafe vs mongodump/mongorestore on ${report.server} (${uri}), median of ${rounds} rounds, alternating order; ratios are ours ÷ theirs, lower is better\n`);
  console.log(datasetTable(report.rows));
}
if (report.reads) {
  console.log(`\nbytes of the archive each command downloads from S3 (moto, through a counting proxy), as multiples of the archive's size\n`);
  console.log(readsTable(report.reads));
}
if (report.encrypt) {
  console.log(`\nmongosafe with --encrypt key-file: vs without on ${report.server} (${uri}), median of ${rounds} rounds, alternating order; CPU ratio is encrypted ÷ plain, RSS delta encrypted − plain\n`);
  console.log(encryptTable(report.encrypt));
}
if (report.gzip) console.log(`\n${gzipTable(report.gzip)}`);
if (report.s3) console.log(`\n${s3Table(report.s3)}`);
if (fuzz) console.log(`\nfuzz: ${fuzz.summary}`);

const seconds = (Date.now() - startedAt.getTime()) / 1000;
const machine = { cpus: availableParallelism(), node: process.versions.node, loadBefore, loadAfter: loadavg() };
console.log(`\n${machine.cpus} CPUs, load average ${loadBefore[0]?.toFixed(1)} before and ${machine.loadAfter[0]?.toFixed(1)} after; took ${(seconds / 60).toFixed(1)} min`);
const results = join(REPO_ROOT, 'bench', 'results');
await mkdir(results, { recursive: true });
const stem = join(results, startedAt.toISOString().replace(/[:.]/g, '-'));
const json = { startedAt, seconds, machine, server: report.server, uri, rounds, datasets: selected.map((s) => ({ name: s.dataset.name, scale: s.scale })), results: report.rows, reads: report.reads, encrypt: report.encrypt, gzip: report.gzip, s3: report.s3, fuzz };
await writeFile(`${stem}.json`, `${JSON.stringify(json, null, 2)}\n`);
console.log(`results: ${stem}.json`);
if (report.rows.length > 0 || report.gzip || report.s3) {
  const title = `MONGOSAFE BENCH ${startedAt.toISOString().slice(0, 16).replace('T', ' ')}, ${report.server}, ${machine.cpus} CPUS, MEDIAN OF ${rounds}`;
  await writeFile(`${stem}.png`, renderChart(report, title));
  console.log(`chart: ${stem}.png`);
}
if (fuzz && fuzz.code !== 0) process.exitCode = 1;

/** Loads each dataset once and runs on it the parts that need a server: db, reads, encrypt. */
async function benchDatabases(services: ServicesState): Promise<{ rows: RowSummary[]; reads?: ReadsRow[]; encrypt?: EncryptSummary[] }> {
  const tools = services.mongoTools;
  if (wants('db') && !('mongodump' in tools)) throw new Error(`the db part needs mongodump and mongorestore: ${tools.unavailable}`);
  const mongoUri = services.mongodb.uri;
  log('building dist/…');
  await run(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT });
  const rows: RowSummary[] = [];
  const reads: ReadsRow[] = [];
  const encrypt: EncryptSummary[] = [];
  const client = await MongoClient.connect(mongoUri);
  const work = await mkdtemp(join(tmpdir(), 'mongosafe-bench-'));
  try {
    for (const { dataset, scale } of selected) await benchDataset(dataset, scale);
  } finally {
    await client.close();
    await rm(work, { recursive: true, force: true });
  }
  return { rows, reads: wants('reads') ? reads : undefined, encrypt: wants('encrypt') ? encrypt : undefined };

  async function benchDataset(dataset: Dataset, scale: number): Promise<void> {
    const dbName = `bench_${dataset.name}`;
    const target = `${dbName}_restored`;
    const layout = layoutOf(dataset, scale, services.mongodb.kind);
    log(`loading ${dataset.name}: ${dataset.description} × scale ${scale} (${layout.collections} collections of ${layout.perCollection})…`);
    const mongosafe = mongosafeCommands(mongoUri, dbName, target);
    const dropRestored = async (): Promise<void> => {
      await client.db(target).dropDatabase();
    };
    try {
      const documents = await loadDataset(client.db(dbName), dataset, layout, log);
      const stats = await client.db(dbName).command({ dbStats: 1 });
      const info: DatasetInfo = { dataset: dataset.name, scale, documents, collections: layout.collections, bsonMb: Number(stats.dataSize ?? 0) / 1024 / 1024 };
      if (wants('db') && 'mongodump' in tools) rows.push(...(await againstPeers(info, tools)));
      if (wants('reads')) reads.push(await benchReads({ dataset: info, mongoUri, dbName, target, dropRestored, log }));
      if (wants('encrypt')) encrypt.push(...(await benchEncryption({ dataset: info, mongosafe, work, rounds, dropRestored, log })));
    } finally {
      await client.db(dbName).dropDatabase();
      await dropRestored();
    }

    /** The db part: mongosafe against mongodump/mongorestore. */
    async function againstPeers(info: DatasetInfo, { mongodump, mongorestore }: { mongodump: string; mongorestore: string }): Promise<RowSummary[]> {
      const side = (): Side => ({ runs: [], bytes: 0 });
      const backup: Row = { ...info, operation: 'backup', mongosafe: side(), peer: side() };
      const restore: Row = { ...info, operation: 'restore', mongosafe: side(), peer: side() };
      const restoreArchive: Row = { ...info, operation: 'restore-archive', mongosafe: side(), peer: side() };
      for (let round = 0; round < rounds; round++) {
        const ours = join(work, `ours-${round}`);
        const theirs = join(work, `theirs-${round}.archive.gz`);
        await alternate(round, [
          [[backup.mongosafe], () => mongosafe.backup(ours)],
          [[backup.peer], () => measure(mongodump, [`--uri=${mongoUri}`, `--db=${dbName}`, `--archive=${theirs}`, '--gzip', '--quiet'])],
        ]);
        backup.mongosafe.bytes = await sizeOf(join(ours, 'data'));
        backup.peer.bytes = await sizeOf(theirs);
        // Each tool restores its own backup of the same data; mongosafe also restores mongodump's
        // archive. Always into a fresh namespace, dropping first.
        await alternate(round, [
          [[restore.mongosafe], () => mongosafe.restore('latest', '--from', ours)],
          [[restoreArchive.mongosafe], () => mongosafe.restore(theirs)],
          [[restore.peer, restoreArchive.peer], () => measure(mongorestore, [`--uri=${mongoUri}`, `--archive=${theirs}`, '--gzip', '--drop', `--nsFrom=${dbName}.*`, `--nsTo=${target}.*`, '--quiet'])],
        ]);
        await dropRestored();
        await rm(ours, { recursive: true, force: true });
        await rm(theirs, { force: true });
        log(`  ${dataset.name} round ${round + 1}/${rounds} done`);
      }
      return [summarize(backup), summarize(restore), summarize(restoreArchive)];
    }
  }
}

/**
 * The long fuzz run: the fuzz test files that read MONGOSAFE_FUZZ_CASES, run with `cases`
 * cases each. Files that do not read it would run their usual count, so they are left out.
 */
function runFuzz(cases: number): { code: number; files: string[]; summary: string } {
  const archiveDir = join(REPO_ROOT, 'test', 'unit', 'archive');
  const candidates = [
    ...(existsSync(archiveDir) ? readdirSync(archiveDir).filter((name) => name.includes('fuzz')).map((name) => join('test', 'unit', 'archive', name)) : []),
    join('test', 'unit', 'core', 'manifest-fuzz.test.ts'),
  ];
  const files = candidates.filter((file) => existsSync(join(REPO_ROOT, file)) && readFileSync(join(REPO_ROOT, file), 'utf8').includes('MONGOSAFE_FUZZ_CASES'));
  if (files.length === 0) {
    return { code: 0, files, summary: `skipped: none of ${candidates.join(', ')} reads MONGOSAFE_FUZZ_CASES yet` };
  }
  log(`fuzzing with MONGOSAFE_FUZZ_CASES=${cases}: ${files.join(', ')}…`);
  const started = Date.now();
  const vitest = join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  const result = spawnSync(process.execPath, [vitest, 'run', '--project', 'unit', '--testTimeout=3600000', ...files], {
    cwd: REPO_ROOT,
    env: { ...process.env, MONGOSAFE_FUZZ_CASES: String(cases) },
    // Its report on stderr: stdout is the bench's tables.
    stdio: ['ignore', 2, 2],
  });
  const code = result.status ?? 1;
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  return { code, files, summary: `${code === 0 ? 'passed' : `FAILED (exit ${code})`}: ${files.join(', ')} with ${cases} cases each, ${minutes} min` };
}
