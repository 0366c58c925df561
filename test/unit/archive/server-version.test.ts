import { describe, expect, it } from 'vitest';
import { parseServerVersion, serverVersionAtLeast } from '../../../src/archive/server-version.js';

describe('server_version as mongorestore parses it', () => {
  it.each([
    ['8.0.4', [8, 0, 4]],
    ['8.0.4-rc1', [8, 0, 4]],
    ['5.0.0-rc0', [5, 0, 0]],
    ['7.0.2-ent', [7, 0, 2]],
    ['8.0.0+abc', [8, 0, 0]],
    ['8.3.0-alpha+x.y', [8, 3, 0]],
  ])('%s parses', (text, expected) => {
    expect(parseServerVersion(text)).toEqual(expected);
  });

  it.each(['unknown', '', '8.0', '8', '8.0.4.1', ' 8.0.4', '8.0.x', '8..4'])('%j does not', (text) => {
    expect(parseServerVersion(text)).toBeUndefined();
  });

  it('compares, treating an unparsable version as 0.0.0', () => {
    expect(serverVersionAtLeast('8.3.0', [8, 3, 0])).toBe(true);
    expect(serverVersionAtLeast('8.2.9', [8, 3, 0])).toBe(false);
    expect(serverVersionAtLeast('10.0.0', [8, 3, 0])).toBe(true);
    expect(serverVersionAtLeast('unknown', [0, 0, 0])).toBe(true);
    expect(serverVersionAtLeast('unknown', [8, 3, 0])).toBe(false);
  });
});
