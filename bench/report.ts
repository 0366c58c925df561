// The bench's figures: medians, ratios, verdicts against the targets of issues 4, 7 and 17, and
// the markdown tables printed on stdout.
import type { GzipReport } from './gzip.js';
import { median, type Measurement } from './measure.js';
import { READING_COMMANDS, type ReadsRow } from './reads.js';
import type { S3Report } from './s3-upload.js';

/** Ratios are mongosafe ÷ peer (mongodump or mongorestore): below 1 is better. */
export const TARGETS = {
  backup: { wall: 0.7, cpu: 0.5 },
  // Issue 7 sets restore wall time; issue 4's bar for every ratio is 1.0, so restore CPU gets that.
  restore: { wall: 0.8, cpu: 1.0 },
  'restore-archive': { wall: 0.8, cpu: 1.0 },
  peakRssMb: 200,
  gzipSpeedup: 1.6,
  // Issue 17: client-side encryption against the same backup without it.
  encrypt: { rssDeltaMb: 20, cpuRatio: 1.1 },
} as const;

/**
 * restore: each tool restores its own backup (the path users run); restore-archive: mongosafe
 * restores mongodump's archive, which it must read twice (checked whole before any write).
 */
export type Operation = 'backup' | 'restore' | 'restore-archive';

export interface Side {
  runs: Measurement[];
  /** Bytes the backup wrote (0 for restores). */
  bytes: number;
}

/** The dataset a row was measured on. */
export interface DatasetInfo {
  dataset: string;
  scale: number;
  documents: number;
  collections: number;
  bsonMb: number;
}

/** What a part that runs on a loaded dataset (reads, encrypt) is given. */
export interface LoadedDataset {
  dataset: DatasetInfo;
  /** Drops the database restores write into. */
  dropRestored: () => Promise<void>;
  log: (line: string) => void;
}

export interface Row extends DatasetInfo {
  operation: Operation;
  mongosafe: Side;
  peer: Side;
}

/** Two sides' figures over their rounds, [first, second]. */
export interface Figures {
  medianWallSeconds: [number, number];
  medianCpuSeconds: [number, number];
  /** Highest of the rounds. */
  peakRssMb: [number, number];
}

export interface Check {
  what: string;
  value: number;
  limit: number;
  pass: boolean;
  /** Decimals to show the value with. */
  digits: number;
}

/** Figures are [mongosafe, peer]. */
export interface RowSummary extends Row, Figures {
  wallRatio: number;
  cpuRatio: number;
  checks: Check[];
  pass: boolean;
}

export interface BenchReport {
  server: string;
  rounds: number;
  rows: RowSummary[];
  reads?: ReadsRow[];
  encrypt?: EncryptSummary[];
  gzip?: GzipReport;
  s3?: S3Report;
}

const check = (what: string, value: number, limit: number, digits = 2): Check => ({ what, value, limit, pass: value <= limit, digits });

/** Median wall and CPU time and the highest peak RSS of each side's rounds. */
function figures(first: Side, second: Side): Figures {
  const both = (pick: (run: Measurement) => number, reduce: (values: number[]) => number): [number, number] => [
    reduce(first.runs.map(pick)),
    reduce(second.runs.map(pick)),
  ];
  return {
    medianWallSeconds: both((run) => run.wallSeconds, median),
    medianCpuSeconds: both((run) => run.cpuSeconds, median),
    peakRssMb: both((run) => run.peakRssMb, (values) => Math.max(...values)),
  };
}

export function summarize(row: Row): RowSummary {
  const { medianWallSeconds, medianCpuSeconds, peakRssMb } = figures(row.mongosafe, row.peer);
  const wallRatio = medianWallSeconds[0] / medianWallSeconds[1];
  const cpuRatio = medianCpuSeconds[0] / medianCpuSeconds[1];
  const target = TARGETS[row.operation];
  const checks = [check('wall', wallRatio, target.wall), check('CPU', cpuRatio, target.cpu), check('RSS MB', peakRssMb[0], TARGETS.peakRssMb, 0)];
  return { ...row, medianWallSeconds, medianCpuSeconds, peakRssMb, wallRatio, cpuRatio, checks, pass: checks.every((c) => c.pass) };
}

/**
 * backup: issue 17's goals; restore and verify: the same bars for the reading side, which holds
 * a frame while it authenticates.
 */
export type EncryptOperation = 'backup' | 'restore' | 'verify';

/** One mongosafe operation with `--encrypt key-file:` and without, on the same data in the same run. */
export interface EncryptRow extends DatasetInfo {
  operation: EncryptOperation;
  encrypted: Side;
  plain: Side;
}

/** Figures are [encrypted, plain]. */
export interface EncryptSummary extends EncryptRow, Figures {
  cpuRatio: number;
  rssDeltaMb: number;
  checks: Check[];
  pass: boolean;
}

export function summarizeEncryption(row: EncryptRow): EncryptSummary {
  const measured = figures(row.encrypted, row.plain);
  const cpuRatio = measured.medianCpuSeconds[0] / measured.medianCpuSeconds[1];
  const rssDeltaMb = measured.peakRssMb[0] - measured.peakRssMb[1];
  const checks = [check('CPU', cpuRatio, TARGETS.encrypt.cpuRatio), check('RSS +MB', rssDeltaMb, TARGETS.encrypt.rssDeltaMb, 1)];
  return { ...row, ...measured, cpuRatio, rssDeltaMb, checks, pass: checks.every((c) => c.pass) };
}

const fixed = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : '—');
const mb = (bytes: number): string => fixed(bytes / 1e6, 1);
const pair = (values: readonly [number, number], digits = 2): string => `${fixed(values[0], digits)} / ${fixed(values[1], digits)}`;
const verdict = (pass: boolean): string => (pass ? 'PASS' : 'MISS');

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((cells) => `| ${cells.join(' | ')} |`)].join('\n');
}

/** The first columns of a row: its dataset, operation, layout and size. */
function datasetCells(row: DatasetInfo & { operation?: string }): string[] {
  const operation = row.operation === undefined ? [] : [row.operation];
  return [`${row.dataset} ×${row.scale}`, ...operation, `${row.collections} × ${Math.round(row.documents / row.collections)}`, fixed(row.bsonMb, 0)];
}

function verdictCell(checks: readonly Check[]): string {
  const misses = checks.filter((c) => !c.pass).map((c) => `${c.what} ${fixed(c.value, c.digits)} > ${c.limit}`);
  return misses.length === 0 ? 'PASS' : `MISS: ${misses.join(', ')}`;
}

export function datasetTable(rows: readonly RowSummary[]): string {
  return table(
    ['dataset', 'op', 'colls × docs', 'BSON MB', 'wall s (ours / peer)', 'wall ratio', 'CPU s (ours / peer)', 'CPU ratio', 'peak RSS MB (ours / peer)', 'MB written (ours / peer)', 'verdict'],
    rows.map((row) => {
      const target = TARGETS[row.operation];
      return [
        ...datasetCells(row),
        pair(row.medianWallSeconds),
        `**${fixed(row.wallRatio)}** (≤ ${target.wall})`,
        pair(row.medianCpuSeconds),
        `**${fixed(row.cpuRatio)}** (≤ ${target.cpu})`,
        `${pair(row.peakRssMb, 0)} (≤ ${TARGETS.peakRssMb})`,
        row.operation === 'backup' ? `${mb(row.mongosafe.bytes)} / ${mb(row.peer.bytes)}` : '—',
        verdictCell(row.checks),
      ];
    }),
  );
}

export function encryptTable(rows: readonly EncryptSummary[]): string {
  const { cpuRatio, rssDeltaMb } = TARGETS.encrypt;
  return table(
    ['dataset', 'op', 'colls × docs', 'BSON MB', 'wall s (enc / plain)', 'CPU s (enc / plain)', 'CPU ratio', 'peak RSS MB (enc / plain)', 'RSS delta MB', 'MB written (enc / plain)', 'verdict'],
    rows.map((row) => {
      return [
        ...datasetCells(row),
        pair(row.medianWallSeconds),
        pair(row.medianCpuSeconds),
        `**${fixed(row.cpuRatio)}** (≤ ${cpuRatio})`,
        pair(row.peakRssMb, 0),
        `**${row.rssDeltaMb >= 0 ? '+' : ''}${fixed(row.rssDeltaMb, 1)}** (≤ +${rssDeltaMb})`,
        row.operation === 'backup' ? `${mb(row.encrypted.bytes)} / ${mb(row.plain.bytes)}` : '—',
        verdictCell(row.checks),
      ];
    }),
  );
}

export function readsTable(rows: readonly ReadsRow[]): string {
  return table(
    ['dataset', 'colls × docs', 'BSON MB', 'archive MB', ...READING_COMMANDS.map((command) => `${command} (× archive)`)],
    rows.map((row) => [...datasetCells(row), mb(row.archiveBytes), ...READING_COMMANDS.map((command) => `${fixed(row.bytesRead[command] / row.archiveBytes)}×`)]),
  );
}

export function gzipTable(gzip: GzipReport): string {
  const rows = gzip.variants.map((v) => [v.name, fixed(v.mbPerSecond, 1), fixed(v.medianSeconds), fixed(median(v.cpuSeconds)), mb(v.outputBytes)]);
  return [
    `gzip of ${mb(gzip.inputBytes)} MB of archive, median of ${gzip.variants[0]?.seconds.length ?? 0} rounds:\n`,
    table(['compressor', 'MB/s', 'seconds', 'CPU s', 'output MB'], rows),
    `\nparallel (${gzip.parallelism}) ÷ fastest single stream (${gzip.against}): **${fixed(gzip.speedup)}×** (target ≥ ${TARGETS.gzipSpeedup}×): ${verdict(gzip.speedup >= TARGETS.gzipSpeedup)}`,
  ].join('\n');
}

export function s3Table(s3: S3Report): string {
  const rows = s3.uploads.map((u) => [u.name, fixed(u.medianSeconds), fixed(u.mbPerSecond, 1), fixed(u.oursRatio)]);
  return [
    `S3 upload of ${mb(s3.bytes)} MB to ${s3.endpoint}, median of ${s3.uploads[0]?.seconds.length ?? 0} rounds:\n`,
    table(['upload', 'seconds', 'MB/s', 'mongosafe ÷ this'], rows),
  ].join('\n');
}

/** One line each for the chart's footer. */
export function footerLines(report: BenchReport): string[] {
  const lines: string[] = [];
  if (report.gzip) {
    lines.push(`GZIP ${report.gzip.parallelism} MEMBERS AT ONCE: ${fixed(report.gzip.speedup)}× SINGLE STREAM (TARGET ≥ ${TARGETS.gzipSpeedup}): ${verdict(report.gzip.speedup >= TARGETS.gzipSpeedup)}`);
  }
  const peers = report.s3?.uploads.slice(1) ?? [];
  if (peers.length > 0) lines.push(`S3 UPLOAD TIME (LOWER IS BETTER), MONGOSAFE ÷ ${peers.map((u) => `${u.name.split(',')[0]}: ${fixed(u.oursRatio)}`).join(', ÷ ')}`);
  return lines;
}
