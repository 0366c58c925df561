// npm run bench [-- --dataset typical,many --rounds 3 --scale 1]
// mongosafe vs mongodump/mongorestore on the same server, same data, same run,
// alternating order; prints median ratios and writes bench/results/<time>.json.
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { REPO_ROOT } from '../scripts/services/paths.js';
import { run } from '../scripts/services/process.js';
import { servicesUp } from '../scripts/services/services.js';
import { DATASETS, loadDataset } from './datasets.js';
import { measure, median, type Measurement } from './measure.js';

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'typical' },
    rounds: { type: 'string', default: '3' },
    scale: { type: 'string', default: '1' },
  },
});
const rounds = Number(values.rounds);
const scale = Number(values.scale);
const log = (line: string) => console.error(line);

const { state } = await servicesUp(log);
if (!('mongodump' in state.mongoTools)) {
  console.error(`bench needs mongodump and mongorestore: ${state.mongoTools.unavailable}`);
  process.exit(1);
}
const { mongodump, mongorestore } = state.mongoTools;
const uri = state.mongodb.uri;
const cli = join(REPO_ROOT, 'bin', 'mongosafe.js');
await run(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT });

interface Side {
  runs: Measurement[];
  bytes: number;
}
interface Row {
  dataset: string;
  documents: number;
  bsonMb: number;
  operation: 'backup' | 'restore';
  mongosafe: Side;
  peer: Side;
}
const rows: Row[] = [];
const client = await MongoClient.connect(uri);
const work = await mkdtemp(join(tmpdir(), 'mongosafe-bench-'));

async function sizeOf(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(path, { recursive: true })) {
    const s = await stat(join(path, entry));
    if (s.isFile()) total += s.size;
  }
  return total;
}

try {
  for (const name of (values.dataset ?? 'typical').split(',')) {
    const dataset = DATASETS[name];
    if (!dataset) throw new Error(`unknown dataset ${name}; have ${Object.keys(DATASETS).join(', ')}`);
    const dbName = `bench_${name}`;
    log(`loading ${name}: ${dataset.description} × scale ${scale}…`);
    const documents = await loadDataset(client.db(dbName), dataset, scale, log);
    const stats = await client.db(dbName).command({ dbStats: 1 });
    const bsonMb = Number(stats.dataSize ?? 0) / 1024 / 1024;
    const backup: Row = { dataset: name, documents, bsonMb, operation: 'backup', mongosafe: { runs: [], bytes: 0 }, peer: { runs: [], bytes: 0 } };
    const restore: Row = { dataset: name, documents, bsonMb, operation: 'restore', mongosafe: { runs: [], bytes: 0 }, peer: { runs: [], bytes: 0 } };
    for (let round = 0; round < rounds; round++) {
      const ours = join(work, `ours-${round}`);
      const theirs = join(work, `theirs-${round}.archive.gz`);
      const backups: Array<[Side, () => Promise<Measurement>]> = [
        [backup.mongosafe, () => measure(process.execPath, [cli, 'backup', '--uri', uri, '--db', dbName, '--to', ours])],
        [backup.peer, () => measure(mongodump, [`--uri=${uri}`, `--db=${dbName}`, `--archive=${theirs}`, '--gzip', '--quiet'])],
      ];
      if (round % 2) backups.reverse();
      for (const [side, go] of backups) side.runs.push(await go());
      backup.mongosafe.bytes = await sizeOf(join(ours, 'data'));
      backup.peer.bytes = await sizeOf(theirs);

      // Both restore the same archive (mongodump's), into a fresh namespace, dropping first.
      const target = `${dbName}_restored`;
      const restores: Array<[Side, () => Promise<Measurement>]> = [
        [restore.mongosafe, () => measure(process.execPath, [cli, 'restore', theirs, '--uri', uri, '--ns-from', `${dbName}.*`, '--ns-to', `${target}.*`, '--drop'])],
        [restore.peer, () => measure(mongorestore, [`--uri=${uri}`, `--archive=${theirs}`, '--gzip', '--drop', `--nsFrom=${dbName}.*`, `--nsTo=${target}.*`, '--quiet'])],
      ];
      if (round % 2) restores.reverse();
      for (const [side, go] of restores) side.runs.push(await go());
      await client.db(target).dropDatabase();
      await rm(ours, { recursive: true, force: true });
      await rm(theirs, { force: true });
      log(`  ${name} round ${round + 1}/${rounds} done`);
    }
    rows.push(backup, restore);
    await client.db(dbName).dropDatabase();
  }
} finally {
  await client.close();
  await rm(work, { recursive: true, force: true });
}

const fmt = (n: number, digits = 2) => n.toFixed(digits);
const lines = [
  '| dataset | op | docs | BSON MB | wall s (ours / peer) | wall ratio | CPU s (ours / peer) | CPU ratio | peak RSS MB (ours / peer) | bytes written (ours / peer) |',
  '|---|---|---|---|---|---|---|---|---|---|',
];
const summary = rows.map((row) => {
  const wall = [median(row.mongosafe.runs.map((r) => r.wallSeconds)), median(row.peer.runs.map((r) => r.wallSeconds))] as const;
  const cpu = [median(row.mongosafe.runs.map((r) => r.cpuSeconds)), median(row.peer.runs.map((r) => r.cpuSeconds))] as const;
  const rss = [Math.max(...row.mongosafe.runs.map((r) => r.peakRssMb)), Math.max(...row.peer.runs.map((r) => r.peakRssMb))] as const;
  lines.push(
    `| ${row.dataset} | ${row.operation} | ${row.documents} | ${fmt(row.bsonMb, 0)} | ${fmt(wall[0])} / ${fmt(wall[1])} | **${fmt(wall[0] / wall[1])}** | ${fmt(cpu[0])} / ${fmt(cpu[1])} | **${fmt(cpu[0] / cpu[1])}** | ${fmt(rss[0], 0)} / ${fmt(rss[1], 0)} | ${row.operation === 'backup' ? `${row.mongosafe.bytes} / ${row.peer.bytes}` : '—'} |`,
  );
  return { ...row, medianWallSeconds: wall, medianCpuSeconds: cpu, peakRssMb: rss, wallRatio: wall[0] / wall[1], cpuRatio: cpu[0] / cpu[1] };
});
console.log(`\nmongosafe vs mongodump/mongorestore on ${state.mongodb.kind} (${uri.replace(/\/\/.*@/, '//')}), median of ${rounds} rounds, alternating order\n`);
console.log(lines.join('\n'));
await mkdir(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
const file = join(REPO_ROOT, 'bench', 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
await writeFile(file, `${JSON.stringify({ server: state.mongodb.kind, rounds, scale, results: summary }, null, 2)}\n`);
console.log(`\nresults: ${file}`);
