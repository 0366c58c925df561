// mongosafe's S3 storage (multipart, parts in parallel, never overwriting) against plain
// single-stream uploads of the same bytes to the same S3 server (moto in development).
// process.env must already name the endpoint and credentials (run.ts sets it from servicesUp()).
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { s3ClientConfig } from '../src/storage/s3/s3-client.js';
import { openStorage } from '../src/storage/registry.js';
import { byteLength } from './datasets.js';
import { median, rotated } from './measure.js';

export interface S3Upload {
  name: string;
  seconds: number[];
}

export interface S3Report {
  endpoint: string;
  bytes: number;
  uploads: Array<S3Upload & { medianSeconds: number; mbPerSecond: number; /** ours ÷ this one; below 1 means ours is faster. */ oursRatio: number }>;
}

const PREFIX = 'bench';

/** Uploads `archive` once per way per round, rotating the order; every object is deleted after it is timed. */
export async function benchS3Upload(archive: readonly Uint8Array[], rounds: number, log: (line: string) => void): Promise<S3Report> {
  const bytes = byteLength(archive);
  const whole = Buffer.concat(archive);
  const client = new S3Client(s3ClientConfig());
  const bucket = `mongosafe-bench-${process.pid}-${Date.now().toString(36)}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const storage = await openStorage(`s3://${bucket}/${PREFIX}`);
  const ways: Array<{ name: string; upload: (key: string, chunks: readonly Uint8Array[]) => Promise<unknown> }> = [
    {
      name: 'mongosafe S3 storage put (multipart, 3 parts at once)',
      upload: (key, chunks) => storage.put(key, Readable.from(chunks, { objectMode: false }), { ifAbsent: true, expectedBytes: byteLength(chunks) }),
    },
    {
      name: 'PutObject, whole body in one request',
      upload: (key, chunks) => client.send(new PutObjectCommand({ Bucket: bucket, Key: `${PREFIX}/${key}`, Body: chunks === archive ? whole : Buffer.concat(chunks) })),
    },
    {
      name: 'lib-storage Upload, queueSize 1 (one part at a time)',
      upload: (key, chunks) => new Upload({ client, params: { Bucket: bucket, Key: `${PREFIX}/${key}`, Body: Readable.from(chunks, { objectMode: false }) }, queueSize: 1 }).done(),
    },
  ];
  const results = ways.map((way): S3Upload & typeof way => ({ ...way, seconds: [] }));
  try {
    // Untimed: connections, credentials and the bucket warm for every way alike.
    for (const [index, way] of ways.entries()) await way.upload(`warm-up-${index}`, [new Uint8Array(1024)]);
    for (let round = 0; round < rounds; round++) {
      for (const [index, result] of rotated([...results.entries()], round)) {
        const key = `upload-${round}-${index}`;
        const start = process.hrtime.bigint();
        await result.upload(key, archive);
        result.seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${PREFIX}/${key}` }));
      }
      log(`  S3 upload round ${round + 1}/${rounds} done`);
    }
  } finally {
    for (const index of ways.keys()) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${PREFIX}/warm-up-${index}` }));
    await client.send(new DeleteBucketCommand({ Bucket: bucket })).catch((error: unknown) => log(`  could not delete bucket ${bucket}: ${String(error)}`));
    client.destroy();
  }
  const ours = median(results[0]?.seconds ?? []);
  return {
    endpoint: process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL ?? 'AWS',
    bytes,
    uploads: results.map(({ upload: _upload, ...result }) => {
      const medianSeconds = median(result.seconds);
      return { ...result, medianSeconds, mbPerSecond: bytes / 1e6 / medianSeconds, oursRatio: ours / medianSeconds };
    }),
  };
}
