import { describe, expect, it } from 'vitest';
import { readArchive } from '../../../src/archive/reader.js';
import { namespaceOf, type ArchiveBlock, type ArchiveEvent, type PreludeEntry } from '../../../src/archive/types.js';
import { DrillPlanner, type ExpectedNamespace } from '../../../src/core/drill.js';
import { blocksOf, chunked, writtenArchive } from '../archive/archive-io.js';
import { DOC_A, DOC_B, rawDoc } from '../archive/archive-parts.js';

const BUCKET = rawDoc({ _id: 'bucket-1', control: { version: 1 }, data: {} });
const PRELUDE: PreludeEntry[] = [
  { db: 'db', collection: 'plain', metadata: '', type: 'collection' },
  { db: 'db', collection: 'ts', metadata: '', type: 'timeseries' },
  { db: 'db', collection: 'v', metadata: '', type: 'view' },
];

/**
 * The events of an archive the project's writer produced for a server of `serverVersion`,
 * each namespace's documents under the body namespace that generation uses (SPEC.md "Prelude").
 */
async function* archiveEvents(serverVersion: string, timeseriesBody: string): AsyncGenerator<ArchiveEvent> {
  const blocks: ArchiveBlock[] = [
    { kind: 'documents', db: 'db', collection: 'plain', documents: [DOC_A, DOC_B] },
    { kind: 'end', db: 'db', collection: 'plain' },
    { kind: 'documents', db: 'db', collection: timeseriesBody, documents: [BUCKET] },
    { kind: 'end', db: 'db', collection: timeseriesBody },
    { kind: 'end', db: 'db', collection: 'v' },
  ];
  const bytes = await writtenArchive(serverVersion, PRELUDE, blocks);
  yield* readArchive(chunked(bytes, 64 * 1024));
}

/** The drill plan of every event, as verify's pass gathers it. */
async function drillPlan(events: AsyncIterable<ArchiveEvent>): Promise<Map<string, ExpectedNamespace>> {
  const planner = new DrillPlanner();
  for await (const event of events) planner.add(event);
  return planner.expected;
}

describe.each([
  ['7.0.12', 'system.buckets.ts'],
  ['8.3.0', 'ts'],
])('the drill plan of an archive from server %s', (serverVersion, timeseriesBody) => {
  it(`compares the timeseries documents, read back from ${timeseriesBody}`, async () => {
    const plan = await drillPlan(archiveEvents(serverVersion, timeseriesBody));
    const timeseries = [...plan.values()].find((ns) => ns.collection === 'ts');
    expect(timeseries).toMatchObject({ db: 'db', bodyCollection: timeseriesBody, documents: 1, type: 'timeseries' });
    expect(timeseries?.digest).not.toBe(0n);
  });

  it('compares every namespace that has documents in the archive, and no view', async () => {
    const withDocuments = new Map<string, number>();
    for await (const event of archiveEvents(serverVersion, timeseriesBody)) {
      if (event.kind === 'end-of-namespace' && event.documents > 0) withDocuments.set(namespaceOf(event), event.documents);
    }
    const plan = await drillPlan(archiveEvents(serverVersion, timeseriesBody));
    const compared = new Map([...plan.values()].map((ns) => [`${ns.db}.${ns.bodyCollection}`, ns.documents]));
    expect(compared).toEqual(withDocuments);
  });

  it("counts every body namespace's documents for restore's plan, views and all", async () => {
    const planner = new DrillPlanner();
    for await (const event of archiveEvents(serverVersion, timeseriesBody)) planner.add(event);
    expect(planner.documents).toEqual(new Map([['db.plain', 2], [`db.${timeseriesBody}`, 1], ['db.v', 0]]));
  });
});

describe('the drill plan', () => {
  it('refuses documents that no prelude namespace claims, rather than leaving them uncompared', async () => {
    // Events as a reader with a different idea of the 8.3 rule would yield them.
    async function* events(): AsyncGenerator<ArchiveEvent> {
      await Promise.resolve();
      yield { kind: 'header', header: { concurrentCollections: 1, version: '0.1', serverVersion: '8.3.0', toolVersion: 'mongosafe-test' } };
      yield { kind: 'prelude', entries: [PRELUDE[1] as PreludeEntry] };
      yield { kind: 'documents', db: 'db', collection: 'system.buckets.ts', documents: [BUCKET] };
    }
    await expect(drillPlan(events())).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('db.system.buckets.ts') as unknown });
  });
});

describe('the drill plan of a dump with the oplog and system collections', () => {
  it('compares exactly what restore writes: none of the namespaces restore skips', async () => {
    const prelude: PreludeEntry[] = [
      { db: 'shop', collection: 'orders', metadata: '', type: 'collection' },
      { db: 'shop', collection: 'system.views', metadata: '', type: 'collection' },
      { db: 'admin', collection: 'system.version', metadata: '', type: 'collection' },
      { db: 'admin', collection: 'system.users', metadata: '', type: 'collection' },
      { db: 'admin', collection: 'system.roles', metadata: '', type: 'collection' },
      { db: '', collection: 'oplog', metadata: '' },
    ];
    const blocks = blocksOf(prelude.map(({ db, collection }) => ({ db, collection, documents: [rawDoc({ _id: `${db}.${collection}` })] })));
    const bytes = await writtenArchive('7.0.12', prelude, blocks);
    const plan = await drillPlan(readArchive(chunked(bytes, 64 * 1024)));
    expect([...plan.keys()]).toEqual(['shop.orders']);
  });
});
