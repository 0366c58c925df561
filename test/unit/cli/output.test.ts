import { describe, expect, it } from 'vitest';
import { formatCount } from '../../../src/cli/output.js';

describe('formatCount', () => {
  it.each([
    [0, '0'],
    [999, '999'],
    [1000, '1,000'],
    [1_024_016, '1,024,016'],
    [-1_234_567, '-1,234,567'],
    [12_345.25, '12,345.25'],
  ])('%d → %s', (n, text) => {
    expect(formatCount(n)).toBe(text);
  });
});
