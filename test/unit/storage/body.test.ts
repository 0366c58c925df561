import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MongosafeError, messageOf } from '../../../src/errors.js';
import { readBody, translateReadable } from '../../../src/storage/body.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

describe('readBody', () => {
  it('holds no chunk it has already passed on, when a signal is given', async () => {
    const passed: Array<WeakRef<Uint8Array>> = [];
    async function* body(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 200; i++) {
        await new Promise((resolve) => setImmediate(resolve));
        yield new Uint8Array(64 * 1024).fill(i);
      }
    }
    let seen = 0;
    for await (const chunk of readBody(body(), new AbortController().signal, 'test')) {
      passed.push(new WeakRef(chunk));
      seen++;
      if (seen === 150) {
        // Let the chunks' last references go, then collect: only the current one may remain.
        await new Promise((resolve) => setImmediate(resolve));
        collectGarbage();
        const alive = passed.slice(0, 140).filter((ref) => ref.deref() !== undefined).length;
        expect(alive).toBe(0);
      }
    }
    expect(seen).toBe(200);
  });

  it('stops with ABORTED when the signal fires while the producer is stalled', async () => {
    const controller = new AbortController();
    async function* stalled(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(1);
      await new Promise(() => undefined);
    }
    const chunks = readBody(stalled(), controller.signal, 'writing x');
    await chunks.next();
    setTimeout(() => controller.abort(), 10);
    await expect(chunks.next()).rejects.toMatchObject({ code: 'ABORTED', message: 'writing x was interrupted' });
  });
});

describe('translateReadable', () => {
  const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  const translate = (error: unknown): Error => new MongosafeError('STORAGE', `reading x failed: ${messageOf(error)}`, undefined, { cause: error });
  async function readAll(stream: AsyncIterable<Uint8Array>): Promise<number> {
    let bytes = 0;
    for await (const chunk of stream) bytes += chunk.length;
    return bytes;
  }

  it('passes the bytes through', async () => {
    expect(await readAll(translateReadable(Readable.from([Buffer.alloc(5), Buffer.alloc(6)]), undefined, 'reading x', translate))).toBe(11);
  });

  it('a body that fails before anything reads it: the reader gets the translated error, the process no uncaught one', async () => {
    const source = new Readable({ read: () => undefined });
    const body = translateReadable(source, undefined, 'reading x', translate);
    source.destroy(new Error('aborted'));
    await tick();
    await tick();
    await expect(readAll(body)).rejects.toMatchObject({ code: 'STORAGE', message: 'reading x failed: aborted' });
  });

  it('an abort before the first read ends it with ABORTED and destroys the source', async () => {
    const controller = new AbortController();
    const source = new Readable({ read: () => undefined });
    const body = translateReadable(source, controller.signal, 'reading x', translate);
    controller.abort();
    await tick();
    await expect(readAll(body)).rejects.toMatchObject({ code: 'ABORTED', message: 'reading x was interrupted' });
    expect(source.destroyed).toBe(true);
  });
});
