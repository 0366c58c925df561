// Parallel gzip (mongosafe's createCompressor as a backup uses it) against single-stream gzip
// on the same archive bytes: no server involved, only the compressor and the machine's cores.
import { Readable, Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { createCompressor, DEFAULT_GZIP_LEVEL, DEFAULT_GZIP_PARALLELISM } from '../src/archive/compression.js';
import { byteLength } from './datasets.js';
import { median, rotated } from './measure.js';

export interface GzipVariant {
  name: string;
  /**
   * parallel: mongosafe's; single: a single stream at the same level, what the speedup is
   * measured against; reference: level 6, mongodump's, for the cost of the level alone.
   */
  role: 'parallel' | 'single' | 'reference';
  seconds: number[];
  /** Process CPU (user + system, the threadpool included) per round. */
  cpuSeconds: number[];
  outputBytes: number;
}

export interface GzipReport {
  inputBytes: number;
  parallelism: number;
  variants: Array<GzipVariant & { medianSeconds: number; mbPerSecond: number }>;
  /** Parallel MB/s over the faster single-stream MB/s at the same level. */
  speedup: number;
  /** The single-stream variant the speedup is measured against. */
  against: string;
}

const VARIANTS: Array<Pick<GzipVariant, 'name' | 'role'> & { create: () => Transform }> = [
  {
    name: `createCompressor('gzip'), default parallelism ${DEFAULT_GZIP_PARALLELISM}, level ${DEFAULT_GZIP_LEVEL}`,
    role: 'parallel',
    create: () => createCompressor('gzip'),
  },
  { name: `createCompressor('gzip'), parallelism 1, level ${DEFAULT_GZIP_LEVEL}`, role: 'single', create: () => createCompressor('gzip', { parallelism: 1 }) },
  { name: `zlib.createGzip() level ${DEFAULT_GZIP_LEVEL}`, role: 'single', create: () => createGzip({ level: DEFAULT_GZIP_LEVEL }) },
  { name: "zlib.createGzip() level 6 (mongodump's level)", role: 'reference', create: () => createGzip({ level: 6 }) },
];

/** Compresses `archive` (as its chunks) with each variant `rounds` times, rotating the order. */
export async function benchGzip(archive: readonly Uint8Array[], rounds: number, log: (line: string) => void): Promise<GzipReport> {
  const inputBytes = byteLength(archive);
  const results = VARIANTS.map((variant): GzipVariant & { create: () => Transform } => ({ ...variant, seconds: [], cpuSeconds: [], outputBytes: 0 }));
  for (let round = 0; round < rounds; round++) {
    for (const result of rotated(results, round)) {
      let outputBytes = 0;
      const sink = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          outputBytes += chunk.length;
          callback();
        },
      });
      const cpu = process.cpuUsage();
      const start = process.hrtime.bigint();
      await pipeline(Readable.from(archive, { objectMode: false }), result.create(), sink);
      result.seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
      const used = process.cpuUsage(cpu);
      result.cpuSeconds.push((used.user + used.system) / 1e6);
      result.outputBytes = outputBytes;
    }
    log(`  gzip round ${round + 1}/${rounds} done`);
  }
  const variants = results.map(({ create: _create, ...result }) => {
    const medianSeconds = median(result.seconds);
    return { ...result, medianSeconds, mbPerSecond: inputBytes / 1e6 / medianSeconds };
  });
  const parallel = variants.find((variant) => variant.role === 'parallel');
  const single = variants.filter((variant) => variant.role === 'single').sort((a, b) => b.mbPerSecond - a.mbPerSecond)[0];
  return {
    inputBytes,
    parallelism: DEFAULT_GZIP_PARALLELISM,
    variants,
    speedup: parallel && single ? parallel.mbPerSecond / single.mbPerSecond : Number.NaN,
    against: single?.name ?? '',
  };
}
