import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../../src/util/buffer-pool.js';

const KIB = 1024;

describe('BufferPool', () => {
  it('hands a given-back buffer out again, the smallest that fits, and never twice at once', () => {
    const pool = new BufferPool(64 * KIB, 64 * KIB, 1024 * KIB);
    const small = pool.take(100 * KIB);
    const large = pool.take(300 * KIB);
    expect([small.length, large.length]).toEqual([128 * KIB, 320 * KIB]);
    pool.give(large);
    pool.give(small);
    expect(pool.take(90 * KIB)).toBe(small);
    expect(pool.take(90 * KIB)).toBe(large);
    expect(pool.take(90 * KIB)).not.toBe(small);
  });

  it('allocates anew when no free buffer is large enough', () => {
    const pool = new BufferPool(64 * KIB, 64 * KIB, 1024 * KIB);
    const small = pool.take(64 * KIB);
    pool.give(small);
    const larger = pool.take(65 * KIB);
    expect(larger).not.toBe(small);
    expect(larger.length).toBe(128 * KIB);
    expect(pool.take(64 * KIB)).toBe(small);
  });

  it('keeps no more free bytes than its bound, and no small buffers', () => {
    const pool = new BufferPool(64 * KIB, 64 * KIB, 256 * KIB);
    const buffers = [pool.take(128 * KIB), pool.take(128 * KIB), pool.take(128 * KIB)];
    for (const buffer of buffers) pool.give(buffer);
    const tiny = pool.take(10);
    expect(tiny.length).toBe(10);
    pool.give(tiny);
    const again = [pool.take(128 * KIB), pool.take(128 * KIB), pool.take(128 * KIB)];
    expect(again.filter((buffer) => buffers.includes(buffer))).toHaveLength(2);
    expect(again).not.toContain(tiny);
  });

  it('ignores a buffer given back twice', () => {
    const pool = new BufferPool(64 * KIB, 64 * KIB, 1024 * KIB);
    const buffer = pool.take(64 * KIB);
    pool.give(buffer);
    pool.give(buffer);
    expect(pool.take(64 * KIB)).toBe(buffer);
    expect(pool.take(64 * KIB)).not.toBe(buffer);
  });
});
