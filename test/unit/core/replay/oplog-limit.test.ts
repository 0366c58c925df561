import { describe, expect, it } from 'vitest';
import { isBefore } from '../../../../src/core/replay/entry.js';
import { parseOplogLimit } from '../../../../src/core/replay/oplog-limit.js';
import { thrown } from '../../../helpers/thrown.js';

describe('parseOplogLimit', () => {
  it('reads SECONDS and SECONDS:ORDINAL, as mongorestore --oplogLimit', () => {
    expect(parseOplogLimit('1623711547')).toEqual({ t: 1623711547, i: 0 });
    expect(parseOplogLimit('1623711547:72')).toEqual({ t: 1623711547, i: 72 });
  });

  it.each(['', 'yesterday', '1623711547:', ':5', '-1', '1.5', '99999999999'])('refuses "%s" as USAGE', (text) => {
    expect(thrown(() => parseOplogLimit(text))).toMatchObject({ code: 'USAGE' });
  });
});

describe('isBefore', () => {
  it('orders by seconds, then ordinal: the limit itself is not applied', () => {
    const limit = { t: 100, i: 5 };
    expect(isBefore({ t: 99, i: 9 }, limit)).toBe(true);
    expect(isBefore({ t: 100, i: 4 }, limit)).toBe(true);
    expect(isBefore({ t: 100, i: 5 }, limit)).toBe(false);
    expect(isBefore({ t: 101, i: 0 }, limit)).toBe(false);
  });
});
