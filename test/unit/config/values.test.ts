import { describe, expect, it } from 'vitest';
import { parseBoolean, parseValue } from '../../../src/config/values.js';
import { thrown } from '../../helpers/thrown.js';

describe('parseBoolean', () => {
  it.each(['1', 'true', 'yes', 'on', 'TRUE', 'Yes', 'ON', ' on '])('%j is true', (text) => {
    expect(parseBoolean(text)).toBe(true);
  });
  it.each(['0', 'false', 'no', 'off', 'False', 'NO', 'Off'])('%j is false', (text) => {
    expect(parseBoolean(text)).toBe(false);
  });
  it.each(['', 'maybe', 'y', '2', 'enabled'])('%j is neither', (text) => {
    expect(parseBoolean(text)).toBeUndefined();
  });
});

describe('parseValue', () => {
  it('names what was expected and what it got, with the caller’s code', () => {
    expect(thrown(() => parseValue({ type: 'boolean' }, 'maybe', 'MONGOSAFE_DEBUG', 'USAGE'))).toMatchObject({
      code: 'USAGE',
      message: 'MONGOSAFE_DEBUG must be one of 1, true, yes, on, 0, false, no, off; got "maybe"',
    });
    expect(thrown(() => parseValue({ type: 'int', min: 1 }, '0', 'PARALLEL', 'CONFIG'))).toMatchObject({ code: 'CONFIG', message: 'PARALLEL must be a whole number ≥ 1; got "0"' });
  });

  it.each(['', ' 8', '1e3', '0x10', '-1', '2.5', '99999999999999999999'])('takes only digits for an int, not %j', (text) => {
    expect(thrown(() => parseValue({ type: 'int' }, text, '--parallel', 'USAGE'))).toMatchObject({ code: 'USAGE' });
  });

  it('splits a list on commas, trimming and dropping blanks; parses durations and choices', () => {
    expect(parseValue({ type: 'list' }, ' a, b ,,', 'DATABASES', 'CONFIG')).toEqual(['a', 'b']);
    expect(parseValue({ type: 'duration' }, '2d', '--max-age', 'USAGE')).toBe(172_800_000);
    expect(parseValue({ type: 'string', choices: ['gzip', 'none'] }, 'none', 'COMPRESSION', 'CONFIG')).toBe('none');
    expect(thrown(() => parseValue({ type: 'string', choices: ['gzip', 'none'] }, 'rar', 'COMPRESSION', 'CONFIG'))).toMatchObject({ message: 'COMPRESSION must be one of gzip, none; got "rar"' });
  });
});
