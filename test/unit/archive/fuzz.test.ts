// Damaged archives: random truncations, bit flips and overwrites of real mongodump output and of
// our own. Each must end in a MongosafeError or in a parse whose namespaces and documents are
// exactly the original's (a flip in, say, tool_version changes nothing that is checked). A flip
// inside a document can never pass: the CRC catches every single-bit error.
import { readFileSync } from 'node:fs';
import { Int32 } from 'bson';
import { describe, expect, it } from 'vitest';
import { MongosafeError } from '../../../src/errors.js';
import { decompressAuto } from '../../../src/archive/compression.js';
import { readArchive } from '../../../src/archive/reader.js';
import { encodeArchive } from '../../../src/archive/writer.js';
import type { ArchiveEvent } from '../../../src/archive/types.js';
import { chunked, concatAll, randomSource } from './archive-io.js';
import { rawDoc } from './archive-parts.js';
import { mutateBytes } from '../../helpers/mutate-bytes.js';

const fixture = (name: string): Uint8Array => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url));
const TIMEOUT_MS = 5000;

/** What a successful parse must reproduce: every namespace's documents and totals. */
function fingerprint(events: ArchiveEvent[]): string {
  const parts: string[] = [];
  for (const event of events) {
    if (event.kind === 'documents') parts.push(`${event.db}.${event.collection}:${event.documents.map((doc) => Buffer.from(doc).toString('hex')).join(',')}`);
    if (event.kind === 'end-of-namespace') parts.push(`end ${event.db}.${event.collection} ${event.documents} ${event.bsonBytes} ${event.crc64}`);
  }
  return parts.join('\n');
}

type Outcome = { ok: true; fingerprint: string } | { ok: false; error: unknown };

async function parse(source: AsyncIterable<Uint8Array>): Promise<Outcome> {
  const events: ArchiveEvent[] = [];
  const attempt = (async (): Promise<Outcome> => {
    try {
      for await (const event of readArchive(source)) events.push(event);
      return { ok: true, fingerprint: fingerprint(events) };
    } catch (error) {
      return { ok: false, error };
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: new Error('reader hung') }), TIMEOUT_MS);
  });
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}


async function ourArchive(): Promise<Uint8Array> {
  const docs = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => rawDoc({ _id: new Int32(i), v: 'value '.repeat(i % 7) }));
  return concatAll(
    encodeArchive(
      { concurrentCollections: 2, version: '0.1', serverVersion: '8.0.4', toolVersion: 'test' },
      [
        { db: 'db', collection: 'a', metadata: '', type: 'collection' },
        { db: 'db', collection: 'b', metadata: '', type: 'collection' },
        { db: 'db', collection: 'empty', metadata: '', type: 'collection' },
      ],
      [
        { kind: 'documents', db: 'db', collection: 'a', documents: docs(20) },
        { kind: 'documents', db: 'db', collection: 'b', documents: docs(5) },
        { kind: 'documents', db: 'db', collection: 'a', documents: docs(10) },
        { kind: 'end', db: 'db', collection: 'a' },
        { kind: 'end', db: 'db', collection: 'empty' },
        { kind: 'end', db: 'db', collection: 'b' },
      ],
    ),
  );
}

describe('reader under damage', () => {
  it.each([
    ['mongodump fixture', () => Promise.resolve(fixture('ferretdb.archive')), 1800, 11],
    ['our own archive', ourArchive, 1200, 23],
  ])('%s: mutations end in a MongosafeError or an identical parse', async (_name, load, rounds, seed) => {
    const original = await load();
    const reference = await parse(chunked(original, 4096));
    expect(reference.ok).toBe(true);
    const expected = reference.ok ? reference.fingerprint : '';
    const random = randomSource(seed);
    let rejected = 0;
    for (let round = 0; round < rounds; round++) {
      const { bytes, what } = mutateBytes(original, random);
      const outcome = await parse(chunked(bytes, 1 + Math.floor(random() * 2000)));
      if (outcome.ok) {
        expect(outcome.fingerprint, what).toBe(expected);
      } else {
        expect(outcome.error, `${what}: ${String(outcome.error)}`).toBeInstanceOf(MongosafeError);
        expect((outcome.error as MongosafeError).code, what).toBe('CORRUPT');
        rejected++;
      }
    }
    // Most damage must be caught; a few flips (header strings, metadata, data-header CRC) change nothing checked.
    expect(rejected).toBeGreaterThan(rounds * 0.6);
  });

  it('gzip fixture: damage to the compressed bytes ends in a MongosafeError or an identical parse', async () => {
    const original = fixture('ferretdb.archive.gz');
    const reference = await parse((await decompressAuto(chunked(original, 512))).stream);
    expect(reference.ok).toBe(true);
    const random = randomSource(5);
    for (let round = 0; round < 300; round++) {
      const { bytes, what } = mutateBytes(original, random);
      let outcome: Outcome;
      try {
        outcome = await parse((await decompressAuto(chunked(bytes, 1 + Math.floor(random() * 600)))).stream);
      } catch (error) {
        outcome = { ok: false, error };
      }
      if (outcome.ok) expect(outcome.fingerprint, what).toBe(reference.ok ? reference.fingerprint : '');
      else {
        expect(outcome.error, `${what}: ${String(outcome.error)}`).toBeInstanceOf(MongosafeError);
        expect((outcome.error as MongosafeError).code, what).toBe('CORRUPT');
      }
    }
  });
});
