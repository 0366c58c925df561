import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { joinStreams } from '../../../src/util/join-streams.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) bytes += chunk.length;
  return bytes;
}

describe('joinStreams', () => {
  it('passes the bytes through every stage', async () => {
    const joined = joinStreams(Readable.from([Buffer.alloc(3), Buffer.alloc(4)]), new PassThrough(), new PassThrough());
    expect(await readAll(joined)).toBe(7);
  });

  it('keeps a source failure from before the first read for the reader, instead of an uncaught error', async () => {
    const failure = new Error('connection reset');
    const source = new Readable({ read: () => undefined });
    const joined = joinStreams(source, new PassThrough());
    source.destroy(failure);
    // The error event has long been emitted when the reader comes.
    await tick();
    await tick();
    await expect(readAll(joined)).rejects.toBe(failure);
  });

  it('destroys the source when the reader stops early', async () => {
    const source = Readable.from(
      (function* () {
        for (;;) yield Buffer.alloc(1024);
      })(),
    );
    const joined = joinStreams(source, new PassThrough());
    for await (const _chunk of joined) break;
    await tick();
    expect(source.destroyed).toBe(true);
  });
});
