import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import type { Document } from 'mongodb';
import yazl from 'yazl';

/** Zips `[name, content]` entries as `zip -r` of the seed's folder does (deflated, top level). */
export async function writeZip(dir: string, name: string, entries: Array<[string, string | Buffer]>, options: { compress?: boolean } = {}): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const [entryName, content] of entries) zip.addBuffer(Buffer.from(content), entryName, { compress: options.compress ?? true });
  zip.end();
  const path = join(dir, name);
  await writeFile(path, await buffer(zip.outputStream));
  return path;
}

/** The seed Lambda's export of one collection: find({}).toArray(), then JSON.stringify(documents, null, 2). */
export function seedJson(documents: Document[]): string {
  return JSON.stringify(documents, null, 2);
}
