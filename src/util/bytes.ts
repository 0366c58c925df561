/**
 * Bytes per read from files and out of decompressors. Node's defaults (64 KiB for files,
 * 16 KiB for zlib output, each zlib chunk a round trip to the threadpool) cost a restore a
 * third of its client CPU in stream bookkeeping and copies of documents split across chunks.
 */
export const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * Views that lie next to each other in one buffer joined into one view each, copying nothing:
 * the documents of a batch mostly do (views into one server reply or one 1 MiB read chunk),
 * and a few large pieces cost far less per byte than a thousand small ones to checksum.
 */
export function contiguousRuns(documents: readonly Uint8Array[]): Uint8Array[] {
  const runs: Uint8Array[] = [];
  let first: Uint8Array | undefined;
  let end = 0;
  for (const document of documents) {
    if (first !== undefined && first.buffer === document.buffer && end === document.byteOffset) {
      end += document.byteLength;
      continue;
    }
    if (first !== undefined) runs.push(new Uint8Array(first.buffer, first.byteOffset, end - first.byteOffset));
    first = document;
    end = document.byteOffset + document.byteLength;
  }
  if (first !== undefined) runs.push(new Uint8Array(first.buffer, first.byteOffset, end - first.byteOffset));
  return runs;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** "90s", "15m", "26h", "7d" → milliseconds; undefined when the text is not a duration. */
export function parseDurationMs(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!match) return undefined;
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[match[2] as 'ms'];
  return Number(match[1]) * factor;
}

/** 93_784_000 → "1d 2h". Coarse on purpose: ages are read by people. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}
