import { describe, expect, it } from 'vitest';
import { bodyNamespaceOf, entriesByBodyNamespace } from '../../../src/archive/body-namespace.js';
import { namespaceOf, type PreludeEntry } from '../../../src/archive/types.js';
import { blocksOf, readEverything, writtenArchive } from './archive-io.js';
import { DOC_A, DOC_B } from './archive-parts.js';

const PRELUDE: PreludeEntry[] = [
  { db: 'db', collection: 'plain', metadata: '', type: 'collection' },
  { db: 'db', collection: 'ts', metadata: '', type: 'timeseries' },
  { db: 'db', collection: 'v', metadata: '', type: 'view' },
];

/** An archive written by the project's writer, each namespace's documents under the body namespace the rule names. */
function archiveFrom(serverVersion: string): Promise<Uint8Array> {
  const namespaces = PRELUDE.map((entry) => ({ ...bodyNamespaceOf(entry, serverVersion), documents: entry.type === 'view' ? [] : [DOC_A, DOC_B] }));
  return writtenArchive(serverVersion, PRELUDE, blocksOf(namespaces));
}

describe('bodyNamespaceOf', () => {
  it('puts timeseries data under system.buckets.X for a 7.0 server', () => {
    expect(bodyNamespaceOf({ db: 'db', collection: 'ts', type: 'timeseries' }, '7.0.12')).toEqual({ db: 'db', collection: 'system.buckets.ts' });
  });

  it('puts timeseries data under X itself for an 8.3 server', () => {
    expect(bodyNamespaceOf({ db: 'db', collection: 'ts', type: 'timeseries' }, '8.3.0')).toEqual({ db: 'db', collection: 'ts' });
    expect(bodyNamespaceOf({ db: 'db', collection: 'ts', type: 'timeseries' }, '8.3.0-rc1')).toEqual({ db: 'db', collection: 'ts' });
  });

  it('counts an unparsable version as 0.0.0, as mongorestore does', () => {
    expect(bodyNamespaceOf({ db: 'db', collection: 'ts', type: 'timeseries' }, '8.3')).toEqual({ db: 'db', collection: 'system.buckets.ts' });
  });

  it('leaves collections, views and untyped (pre-100.4.0) entries under their own name', () => {
    for (const type of ['collection', 'view', undefined]) {
      expect(bodyNamespaceOf({ db: 'db', collection: 'c', type }, '7.0.0')).toEqual({ db: 'db', collection: 'c' });
    }
  });
});

describe.each([
  ['7.0.12', 'db.system.buckets.ts'],
  ['8.3.0', 'db.ts'],
])('an archive whose header says server %s', (serverVersion, timeseriesBody) => {
  it(`carries the timeseries documents under ${timeseriesBody}, and maps every body namespace back to its entry`, async () => {
    const { events, result } = await readEverything(await archiveFrom(serverVersion));
    const header = events.find((event) => event.kind === 'header');
    const prelude = events.find((event) => event.kind === 'prelude');
    if (header?.kind !== 'header' || prelude?.kind !== 'prelude') throw new Error('the reader yields a header and a prelude first');
    const byBody = entriesByBodyNamespace(prelude.entries, header.header.serverVersion);

    expect(result.namespaces.map(namespaceOf).sort()).toEqual(['db.plain', timeseriesBody, 'db.v'].sort());
    expect(result.namespaces.find((ns) => namespaceOf(ns) === timeseriesBody)?.documents).toBe(2);
    for (const ns of result.namespaces) expect(byBody.get(namespaceOf(ns))).toBeDefined();
    expect(byBody.get(timeseriesBody)).toMatchObject({ collection: 'ts', type: 'timeseries' });
  });
});
