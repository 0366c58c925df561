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
