import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { mergeLimited } from '../../../src/util/merge.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('mergeLimited', () => {
  it('yields every value of every source, running at most `concurrency` at once', async () => {
    let running = 0;
    let most = 0;
    const source = (name: string, count: number) => async function* (): AsyncGenerator<string> {
      running++;
      most = Math.max(most, running);
      try {
        for (let i = 0; i < count; i++) {
          await tick();
          yield `${name}${i}`;
        }
      } finally {
        running--;
      }
    };
    const values: string[] = [];
    for await (const value of mergeLimited([source('a', 3), source('b', 1), source('c', 2), source('d', 0)], 2)) values.push(value);
    expect(values.sort()).toEqual(['a0', 'a1', 'a2', 'b0', 'c0', 'c1']);
    expect(most).toBe(2);
  });

  it('ends with the first failure and closes the other sources', async () => {
    let closed = false;
    async function* endless(): AsyncGenerator<number> {
      try {
        for (;;) {
          await tick();
          yield 1;
        }
      } finally {
        closed = true;
      }
    }
    // A source that fails before its first value.
    // eslint-disable-next-line require-yield
    async function* failing(): AsyncGenerator<number> {
      await tick();
      throw new Error('server went away');
    }
    const drain = async (): Promise<void> => {
      for await (const value of mergeLimited([endless, failing], 2)) void value;
    };
    await expect(drain()).rejects.toThrow('server went away');
    expect(closed).toBe(true);
  });

  it('keeps no value alive for a source that stays pending', async () => {
    let release = (): void => {};
    // A source whose first value never comes until released (a slow first batch).
    // eslint-disable-next-line require-yield
    async function* stalled(): AsyncGenerator<Uint8Array> {
      await new Promise<void>((resolve) => (release = resolve));
    }
    async function* busy(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 200; i++) {
        await tick();
        yield new Uint8Array(64 * 1024);
      }
    }
    const passed: Array<WeakRef<Uint8Array>> = [];
    for await (const value of mergeLimited([stalled, busy], 2)) {
      passed.push(new WeakRef(value));
      if (passed.length === 200) {
        await tick();
        collectGarbage();
        const alive = passed.slice(0, 190).filter((ref) => ref.deref() !== undefined).length;
        release();
        expect(alive).toBe(0);
      }
    }
  });
});
