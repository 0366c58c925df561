import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { splitJsonArray } from '../../../src/core/json-array.js';

function* pieces(bytes: Buffer, size: number): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** The text as a stream of `size`-byte chunks, as a zip entry arrives. */
function chunked(text: string | Buffer, size: number): Readable {
  return Readable.from(pieces(typeof text === 'string' ? Buffer.from(text) : text, size));
}

async function split(text: string | Buffer, size = 65_536, maxElementBytes?: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const element of splitJsonArray(chunked(text, size), { where: 'test.json', maxElementBytes })) out.push(JSON.parse(element));
  return out;
}

// What the seed's Lambda wrote: JSON.stringify(documents, null, 2), with every delimiter inside strings.
const DOCUMENTS = [
  { _id: '65a1b2c3d4e5f60718293a4b', title: 'Mom\'s "best" pie', tags: ['[sweet]', '{baked}', 'a,b'], n: 1, x: -2.5e-3 },
  { _id: '65a1b2c3d4e5f60718293a4c', path: 'C:\\recipes\\', quote: '\\"', nested: { deeper: [[], {}, [{ a: null }]] }, ok: true, no: false },
  { _id: '65a1b2c3d4e5f60718293a4d', unicode: 'crème brûlée — 🍮 日本語', createdAt: '2024-02-29T12:00:00.000Z', empty: '' },
  { _id: 'x', control: 'line\nbreak\ttab\u0001', slash: '/', surrogate: '\ud83c\udf70' },
];

describe('splitJsonArray', () => {
  it('returns each element of a pretty-printed array, whatever the chunk boundaries', async () => {
    const text = JSON.stringify(DOCUMENTS, null, 2);
    for (const size of [1, 2, 3, 5, 7, 64, 1000, text.length]) {
      expect(await split(text, size), `chunks of ${size}`).toEqual(DOCUMENTS);
    }
  });

  it('reads compact arrays, bare values and nested arrays', async () => {
    const values = [1, -0.5, 'a]b', true, false, null, [1, [2]], {}, 12345678901234, ''];
    for (const size of [1, 4, 1000]) expect(await split(JSON.stringify(values), size)).toEqual(values);
    expect(await split(' [ 1 , 2 ,\n\t3 ] \n', 1)).toEqual([1, 2, 3]);
  });

  it('reads empty arrays and skips a UTF-8 byte order mark', async () => {
    expect(await split('[]')).toEqual([]);
    expect(await split(' [\n] \n', 1)).toEqual([]);
    expect(await split(JSON.stringify([], null, 2))).toEqual([]);
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[{"a":1}]')]);
    for (const size of [1, 2, 100]) expect(await split(withBom, size)).toEqual([{ a: 1 }]);
  });

  it('refuses what is not one complete JSON array, saying where', async () => {
    await expect(split('')).rejects.toThrow(/test.json is not a JSON array of documents: no array \(empty input\)/);
    await expect(split('{"a":1}')).rejects.toThrow(/expected '\[' but found '\{' at byte 0/);
    await expect(split('[{"a":1},{"b":')).rejects.toThrow(/ends before the array is closed/);
    await expect(split('[{"a":"unterminated]')).rejects.toThrow(/ends before the array is closed/);
    await expect(split('[1,]')).rejects.toThrow(/a ',' before '\]' at byte 3/);
    await expect(split('[{"a":1} {"b":2}]')).rejects.toThrow(/expected ',' or '\]' but found '\{' at byte 9/);
    await expect(split('[1] [2]')).rejects.toThrow(/text after the closing \] at byte 4/);
    await expect(split('[1]', 1)).resolves.toEqual([1]);
  });

  it('refuses an element larger than the limit instead of buffering it', async () => {
    const big = JSON.stringify([{ a: 'x'.repeat(5000) }]);
    await expect(split(big, 100, 1000)).rejects.toMatchObject({ code: 'CORRUPT', message: expect.stringContaining('an element larger than 1000 bytes') as unknown });
    expect(await split(big, 100, 10_000)).toHaveLength(1);
  });

  it('streams: the first element arrives after reading only its own chunks', async () => {
    const text = JSON.stringify(Array.from({ length: 1000 }, (_, i) => ({ i, pad: 'p'.repeat(100) })), null, 2);
    let pulled = 0;
    async function* counting(): AsyncGenerator<Uint8Array> {
      for await (const chunk of chunked(text, 256) as AsyncIterable<Uint8Array>) {
        pulled++;
        yield chunk;
      }
    }
    const elements = splitJsonArray(counting(), { where: 'test.json' });
    const first = await elements.next();
    expect(JSON.parse(String(first.value))).toEqual({ i: 0, pad: 'p'.repeat(100) });
    expect(pulled).toBeLessThanOrEqual(2);
    await elements.return(undefined);
  });
});
