import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MIN_PART_BYTES,
  partBytesAt,
  planCapacityBytes,
  planParts,
  S3_MAX_PART_BYTES,
  S3_MAX_PARTS,
  S3_MIN_PART_BYTES,
} from '../../../src/storage/s3/part-size.js';

const MiB = 1024 ** 2;
const GB = 1e9;
const TB = 1e12;

/** Parts needed for `bytes` under a plan. */
function partsFor(bytes: number, plan: ReturnType<typeof planParts>): number {
  let left = bytes;
  let part = 0;
  while (left > 0) left -= partBytesAt(++part, plan);
  return Math.max(1, part);
}

describe('multipart part sizes', () => {
  it('small and unknown sizes use the minimum part (8 MiB)', () => {
    for (const expected of [0, 1, 5 * MiB, 100 * MiB, 10 * GB, undefined]) {
      expect(planParts(expected).basePartBytes).toBe(DEFAULT_MIN_PART_BYTES);
    }
  });

  it('never goes below S3 minimum, even when asked to', () => {
    expect(planParts(undefined, 1024).basePartBytes).toBe(S3_MIN_PART_BYTES);
    expect(planParts(undefined, 5 * MiB).basePartBytes).toBe(5 * MiB);
  });

  it('a known size fits in 9,000 parts of whole MiB with 20% to spare', () => {
    for (const expected of [100 * GB, 1 * TB, 5 * 1024 ** 4]) {
      const plan = planParts(expected);
      expect(plan.basePartBytes % MiB).toBe(0);
      expect(plan.basePartBytes * 9000).toBeGreaterThanOrEqual(expected * 1.2);
      expect(partsFor(expected, plan)).toBeLessThanOrEqual(9000);
    }
  });

  it('1 TB fits in 10,000 parts whether its size is known or not', () => {
    expect(partsFor(TB, planParts(TB))).toBeLessThanOrEqual(S3_MAX_PARTS);
    expect(partsFor(TB, planParts(undefined))).toBeLessThanOrEqual(S3_MAX_PARTS);
    expect(planCapacityBytes(planParts(undefined))).toBeGreaterThan(5 * 1024 ** 4);
  });

  it('an estimate ten times too low still fits', () => {
    expect(planCapacityBytes(planParts(100 * GB))).toBeGreaterThan(10 * 100 * GB);
  });

  it('unknown sizes keep small parts for ordinary backups, growing only after 1,000 parts', () => {
    const plan = planParts(undefined);
    expect(partBytesAt(1, plan)).toBe(8 * MiB);
    expect(partBytesAt(1000, plan)).toBe(8 * MiB);
    expect(partBytesAt(1001, plan)).toBe(16 * MiB);
    expect(partsFor(8 * GB, plan)).toBeLessThanOrEqual(1000);
  });

  it('every part is within S3 limits', () => {
    for (const plan of [planParts(undefined), planParts(1 * TB), planParts(5 * 1024 ** 4), planParts(1)]) {
      for (let part = 1; part <= S3_MAX_PARTS; part += 97) {
        expect(partBytesAt(part, plan)).toBeGreaterThanOrEqual(S3_MIN_PART_BYTES);
        expect(partBytesAt(part, plan)).toBeLessThanOrEqual(S3_MAX_PART_BYTES);
      }
    }
  });
});
