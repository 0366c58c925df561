import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bodyNamespaceOf } from '../../../src/archive/body-namespace.js';
import type { PreludeEntry } from '../../../src/archive/types.js';
import { inspect } from '../../../src/core/inspect.js';
import { restore } from '../../../src/core/restore.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { blocksOf, writtenArchive } from '../archive/archive-io.js';
import { DOC_A, DOC_B, rawDoc } from '../archive/archive-parts.js';

const BUCKET = rawDoc({ _id: 'bucket-1', control: { version: 1 }, data: {} });
const PRELUDE: PreludeEntry[] = [
  { db: 'db', collection: 'plain', metadata: '', type: 'collection' },
  { db: 'db', collection: 'ts', metadata: '', type: 'timeseries' },
];

/** An archive file the project's writer produced for a server of `serverVersion`. */
async function archiveFile(serverVersion: string): Promise<string> {
  const namespaces = PRELUDE.map((entry) => ({ ...bodyNamespaceOf(entry, serverVersion), documents: entry.type === 'timeseries' ? [BUCKET] : [DOC_A, DOC_B] }));
  const path = join(await tempDir(), `${serverVersion}.archive`);
  await writeFile(path, await writtenArchive(serverVersion, PRELUDE, blocksOf(namespaces)));
  return path;
}

describe.each(['7.0.12', '8.3.0'])('a timeseries collection in an archive from server %s', (serverVersion) => {
  it('is inspected under its own name, with its documents', async () => {
    const result = await inspect({ backup: await archiveFile(serverVersion) });
    expect(result.namespaces.map((ns) => [ns.collection, ns.type, ns.documents])).toEqual([['plain', 'collection', 2], ['ts', 'timeseries', 1]]);
  });

  it('is planned for restore under its own name, with its documents', async () => {
    const result = await restore({ backup: await archiveFile(serverVersion), dryRun: true });
    expect(result.namespaces.map((ns) => [ns.target, ns.type, ns.documents])).toEqual([['db.plain', 'collection', 2], ['db.ts', 'timeseries', 1]]);
  });
});
