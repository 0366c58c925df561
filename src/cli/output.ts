import { formatBytes, formatDuration } from '../util/bytes.js';

export { formatBytes, formatDuration };

/** Writes to stdout; `--json` mode prints exactly one JSON document and nothing else. */
export interface Output {
  json: boolean;
  /** The one summary line (human mode) or nothing (json mode). */
  line(text: string): void;
  /** The result object (json mode) or nothing (human mode). */
  result(value: unknown): void;
  /** Warnings go to stderr in both modes. */
  warn(text: string): void;
}

export function createOutput(json: boolean, stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): Output {
  return {
    json,
    line: (text) => {
      if (!json) stdout.write(`${text}\n`);
    },
    result: (value) => {
      if (json) stdout.write(`${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
    },
    warn: (text) => {
      stderr.write(`mongosafe: warning: ${text}\n`);
    },
  };
}

/** A plain text table with right-aligned numeric columns. */
export function table(headers: string[], rows: string[][], numeric: ReadonlySet<number> = new Set()): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const render = (cells: string[]) =>
    cells
      .map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [render(headers), ...rows.map(render)].join('\n');
}

/** 1234567 → "1,234,567". Not toLocaleString: loading ICU for it cost every command 17 ms of CPU. */
export function formatCount(n: number): string {
  const [whole = '', fraction] = String(n).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}
