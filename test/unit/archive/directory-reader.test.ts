import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BSON } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { readDirectoryDump } from '../../../src/archive/directory-reader.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** A mongodump directory with one gzipped collection of `count` documents; returns the .bson.gz path. */
async function gzipDump(count: number): Promise<{ root: string; dataFile: string; data: Buffer }> {
  const root = await tempDir();
  await mkdir(join(root, 'db'));
  const data = gzipSync(Buffer.concat(Array.from({ length: count }, (_, i) => BSON.serialize({ _id: i, text: 'x'.repeat(500) }))));
  const dataFile = join(root, 'db', 'c.bson.gz');
  await writeFile(dataFile, data);
  await writeFile(join(root, 'db', 'c.metadata.json.gz'), gzipSync(JSON.stringify({ options: {}, indexes: [] })));
  return { root, dataFile, data };
}

async function drain(root: string): Promise<number> {
  let documents = 0;
  for await (const event of readDirectoryDump(root)) if (event.kind === 'end-of-namespace') documents += event.documents;
  return documents;
}

describe('readDirectoryDump, gzipped files', () => {
  it('reads every document', async () => {
    const { root } = await gzipDump(3000);
    expect(await drain(root)).toBe(3000);
  });

  it('reports a truncated .bson.gz as CORRUPT, naming the file', async () => {
    const { root, dataFile, data } = await gzipDump(3000);
    await writeFile(dataFile, data.subarray(0, 5000));
    await expect(drain(root)).rejects.toMatchObject({ code: 'CORRUPT', message: `${dataFile} is invalid: unexpected end of file` });
  });
});

/** A mongodump directory with timeseries `ts` (its data in `dataStem`.bson) and prelude.json naming the server. */
async function timeseriesDump(serverVersion: string, dataStem: string): Promise<string> {
  const root = await tempDir();
  await mkdir(join(root, 'db'));
  await writeFile(join(root, 'prelude.json'), JSON.stringify({ ServerVersion: serverVersion, ToolVersion: '100.16.0' }));
  await writeFile(join(root, 'db', `${dataStem}.bson`), Buffer.concat([BSON.serialize({ _id: 'b1', control: { version: 1 } }), BSON.serialize({ _id: 'b2', control: { version: 1 } })]));
  await writeFile(join(root, 'db', 'ts.metadata.json'), JSON.stringify({ options: { timeseries: { timeField: 't' } }, indexes: [], collectionName: 'ts', type: 'timeseries' }));
  return root;
}

describe.each([
  ['7.0.12', 'system.buckets.ts'],
  ['8.3.0', 'ts'],
])('readDirectoryDump, a timeseries dump from server %s', (serverVersion, dataStem) => {
  it(`reads its data from ${dataStem}.bson and names it db.${dataStem}`, async () => {
    const ends: string[] = [];
    const prelude: string[] = [];
    for await (const event of readDirectoryDump(await timeseriesDump(serverVersion, dataStem))) {
      if (event.kind === 'prelude') prelude.push(...event.entries.map((entry) => `${entry.db}.${entry.collection} ${entry.type ?? ''}`));
      if (event.kind === 'end-of-namespace') ends.push(`${event.db}.${event.collection} ${event.documents}`);
    }
    expect(prelude).toEqual(['db.ts timeseries']);
    expect(ends).toEqual([`db.${dataStem} 2`]);
  });
});
