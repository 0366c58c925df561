// The research note's §10.1 example, byte for byte: db test, collection c, {_id: 1}, {_id: 2}.
import { createHash } from 'node:crypto';
import { Int32 } from 'bson';
import { describe, expect, it } from 'vitest';
import { buildMetadataJson } from '../../../src/archive/metadata.js';
import { encodeArchive } from '../../../src/archive/writer.js';
import type { ArchiveBlock } from '../../../src/archive/types.js';
import { bsonDoc, concatAll, hex, readEverything } from './archive-io.js';

const METADATA =
  '{"indexes":[{"v":{"$numberInt":"2"},"key":{"_id":{"$numberInt":"1"}},"name":"_id_"}],"uuid":"00112233445566778899aabbccddeeff","collectionName":"c","type":"collection"}';

const BODY_HEX = `
37 00 00 00 02 64 62 00 05 00 00 00 74 65 73 74 00 02 63 6f 6c 6c 65 63 74 69 6f 6e 00 02 00 00
00 63 00 08 45 4f 46 00 00 12 43 52 43 00 00 00 00 00 00 00 00 00 00 0e 00 00 00 10 5f 69 64 00
01 00 00 00 00 0e 00 00 00 10 5f 69 64 00 02 00 00 00 00 ff ff ff ff 37 00 00 00 02 64 62 00 05
00 00 00 74 65 73 74 00 02 63 6f 6c 6c 65 63 74 69 6f 6e 00 02 00 00 00 63 00 08 45 4f 46 00 01
12 43 52 43 00 7d 2e e4 9e 24 dd 51 0f 00 ff ff ff ff`.replace(/\s+/g, '');

async function* blocks(): AsyncGenerator<ArchiveBlock> {
  await Promise.resolve();
  yield { kind: 'documents', db: 'test', collection: 'c', documents: [bsonDoc({ _id: 1 }), bsonDoc({ _id: 2 })] };
  yield { kind: 'end', db: 'test', collection: 'c' };
}

async function workedExample(): Promise<Uint8Array> {
  return concatAll(
    encodeArchive(
      { concurrentCollections: 4, version: '0.1', serverVersion: '8.0.0', toolVersion: '100.18.0' },
      [{ db: 'test', collection: 'c', metadata: METADATA, type: 'collection' }],
      blocks(),
    ),
  );
}

describe('§10.1 worked example', () => {
  it('metadata builder reproduces the example metadata string', () => {
    const built = buildMetadataJson({
      indexes: [{ v: new Int32(2), key: { _id: new Int32(1) }, name: '_id_' }],
      uuid: '00112233-4455-6677-8899-AABBCCDDEEFF',
      collectionName: 'c',
      type: 'collection',
      options: {},
    });
    expect(built).toBe(METADATA);
    expect(built.length).toBe(168);
  });

  it('writer output is the 507 bytes of the example', async () => {
    const bytes = await workedExample();
    expect(bytes.length).toBe(507);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe('b7ec1705ea24eab87b6219f6b2bcfa19e0d5f7b89a7bc1e5aeec350ffed17d8e');
    expect(hex(bytes.subarray(0, 4))).toBe('6de29981');
    expect(hex(bytes.subarray(0x169))).toBe(BODY_HEX);
  });

  it('reader parses it, in any chunking', async () => {
    const bytes = await workedExample();
    for (const chunkSize of [1, 3, 7, 64, 507]) {
      const { events, result } = await readEverything(bytes, chunkSize);
      expect(events.map((event) => event.kind)).toEqual(['header', 'prelude', 'documents', 'end-of-namespace']);
      expect(events[0]).toEqual({ kind: 'header', header: { concurrentCollections: 4, version: '0.1', serverVersion: '8.0.0', toolVersion: '100.18.0' } });
      expect(events[1]).toEqual({ kind: 'prelude', entries: [{ db: 'test', collection: 'c', metadata: METADATA, type: 'collection' }] });
      const docs = events[2]?.kind === 'documents' ? events[2].documents.map(hex) : [];
      expect(docs).toEqual(['0e000000105f6964000100000000', '0e000000105f6964000200000000']);
      expect(events[3]).toEqual({ kind: 'end-of-namespace', db: 'test', collection: 'c', documents: 2, bsonBytes: 28, crc64: 0x0f51dd249ee42e7dn });
      expect(result.bytes).toBe(507);
      expect(result.namespaces).toHaveLength(1);
    }
  });
});
