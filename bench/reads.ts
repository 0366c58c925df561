// Issue 21: how many bytes each reading command downloads. One backup of the dataset to S3
// (moto), then `verify`, `verify --deep` and `restore` of it, each with S3 reached through a
// proxy of the bench's own that counts every answer's bytes (test/helpers/fault-proxy.ts,
// injecting nothing): the archive object's bytes read, as a multiple of its size.
import { CreateBucketCommand, DeleteBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { openStorage } from '../src/storage/registry.js';
import { s3ClientConfig } from '../src/storage/s3/s3-client.js';
import { startFaultProxy } from '../test/helpers/fault-proxy.js';
import { mongosafeCommands, type MongosafeCommands } from './mongosafe-cli.js';
import type { DatasetInfo, LoadedDataset } from './report.js';

export const READING_COMMANDS = ['verify', 'verify --deep', 'restore'] as const;
export type ReadingCommand = (typeof READING_COMMANDS)[number];

export interface ReadsRow extends DatasetInfo {
  archiveBytes: number;
  /** Bytes of the archive object each command downloaded. */
  bytesRead: Record<ReadingCommand, number>;
}

export interface ReadsBench extends LoadedDataset {
  mongoUri: string;
  dbName: string;
  /** The database restore writes into (renamed there, dropping first). */
  target: string;
}

export async function benchReads({ dataset, mongoUri, dbName, target, dropRestored, log }: ReadsBench): Promise<ReadsRow> {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) throw new Error('the reads part needs AWS_ENDPOINT_URL (the services set it)');
  const client = new S3Client(s3ClientConfig());
  const bucket = `mongosafe-reads-${process.pid}-${Date.now().toString(36)}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const url = `s3://${bucket}/reads`;
  const storage = await openStorage(url);
  const proxy = await startFaultProxy(endpoint);
  try {
    await mongosafeCommands(mongoUri, dbName, target).backup(url);
    let archive: { key: string; bytes: number } | undefined;
    for await (const object of storage.list('data/')) archive = { key: object.key, bytes: object.bytes };
    if (!archive) throw new Error(`the backup to ${url} wrote no archive`);
    const { key } = archive;
    const viaProxy = mongosafeCommands(mongoUri, dbName, target, { ...process.env, AWS_ENDPOINT_URL: proxy.url });
    const commands: Record<ReadingCommand, (run: MongosafeCommands) => Promise<unknown>> = {
      verify: (run) => run.verify('latest', '--from', url),
      'verify --deep': (run) => run.verify('latest', '--from', url, '--deep', '--uri', mongoUri),
      restore: (run) => run.restore('latest', '--from', url),
    };
    const bytesRead = {} as Record<ReadingCommand, number>;
    for (const command of READING_COMMANDS) {
      proxy.requests.length = 0;
      await commands[command](viaProxy);
      bytesRead[command] = proxy.downloadedBytes(key);
    }
    await dropRestored();
    log(`  ${dataset.dataset} reads done`);
    return { ...dataset, archiveBytes: archive.bytes, bytesRead };
  } finally {
    await proxy.close();
    for await (const object of storage.list('')) await storage.delete(object.key);
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
    client.destroy();
  }
}
