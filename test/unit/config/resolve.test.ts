import { describe, expect, it } from 'vitest';
import { COMMANDS, type CommandName } from '../../../src/config/options.js';
import { debugRequested, describeProvenance, resolveArgs } from '../../../src/config/resolve.js';
import { thrown } from '../../helpers/thrown.js';

describe('resolveArgs', () => {
  it('takes flags over env over defaults and records where each came from', () => {
    const args = resolveArgs('backup', ['--parallel', '8', '--db', 'a', '--db', 'b'], { MONGOSAFE_PARALLEL: '2', MONGODB_URI: 'mongodb://u:canary-7f3a@h/', MONGOSAFE_COMPRESSION: 'none' });
    expect(args.values.parallel).toBe(8);
    expect(args.provenance.parallel).toBe('flag');
    expect(args.values.db).toEqual(['a', 'b']);
    expect(args.values.compression).toBe('none');
    expect(args.provenance.compression).toBe('env MONGOSAFE_COMPRESSION');
    expect(args.values.to).toBe('./backups');
    expect(args.provenance.to).toBe('default');
    const described = describeProvenance(args).join('\n');
    expect(described).toContain('uri=<redacted> (env MONGODB_URI)');
    expect(described).not.toContain('canary-7f3a');
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--parallel', 'many'], /whole number/],
    [['--parallel', '0'], /^--parallel must be a whole number ≥ 1; got "0"$/],
    [['--parallel', '1e1'], /whole number/],
    [['--json=maybe'], /^--json must be one of 1, true, yes, on, 0, false, no, off; got "maybe"$/],
    [['--compression', 'rar'], /one of gzip, zstd, none/],
    [['extra'], /takes no arguments/],
  ])('refuses %j with a USAGE error', (argv, message) => {
    expect(thrown(() => resolveArgs('backup', argv, {}))).toMatchObject({ code: 'USAGE', message: expect.stringMatching(message) as unknown });
  });

  it('parses durations', () => {
    expect(resolveArgs('status', ['--max-age', '2d'], {}).values['max-age']).toBe(172_800_000);
    expect(resolveArgs('status', [], {}).values['max-age']).toBe(93_600_000);
  });

  it('requires the positional of restore', () => {
    expect(thrown(() => resolveArgs('restore', [], {}))).toMatchObject({ code: 'USAGE' });
  });

  it.each(Object.keys(COMMANDS))('%s takes -h and --help, and nothing else is checked then', (command) => {
    for (const help of ['-h', '--help']) {
      const args = resolveArgs(command as CommandName, [help], { MONGOSAFE_PARALLEL: 'many', MONGOSAFE_DEBUG: 'maybe' });
      expect(args.values.help).toBe(true);
    }
  });

  it('reads every boolean variable with one parser: 1/true/yes/on, 0/false/no/off, any case', () => {
    for (const [text, value] of [['yes', true], ['ON', true], ['1', true], ['True', true], ['no', false], ['off', false], ['0', false], ['FALSE', false]] as const) {
      const args = resolveArgs('list', [], { MONGOSAFE_DEBUG: text });
      expect(args.values.debug, text).toBe(value);
      expect(args.provenance.debug).toBe('env MONGOSAFE_DEBUG');
    }
  });

  it('refuses any other boolean value with a USAGE error naming the variable', () => {
    expect(thrown(() => resolveArgs('list', [], { MONGOSAFE_DEBUG: 'maybe' }))).toMatchObject({
      code: 'USAGE',
      message: 'MONGOSAFE_DEBUG must be one of 1, true, yes, on, 0, false, no, off; got "maybe"',
    });
  });

  it('takes a value on a boolean flag, which beats the variable', () => {
    expect(resolveArgs('list', ['--debug=no'], { MONGOSAFE_DEBUG: 'yes' }).values.debug).toBe(false);
    expect(resolveArgs('list', ['--debug=on'], {}).values.debug).toBe(true);
    expect(resolveArgs('list', ['--debug'], { MONGOSAFE_DEBUG: 'off' }).values.debug).toBe(true);
    expect(resolveArgs('inspect', ['--', '--debug=on'], {}).positionals).toEqual(['--debug=on']);
  });

  it('still tells whether --debug was asked for when resolution fails', () => {
    expect(debugRequested(['--bogus', '--debug'], {})).toBe(true);
    expect(debugRequested(['--bogus'], { MONGOSAFE_DEBUG: 'Yes' })).toBe(true);
    expect(debugRequested(['--debug=off'], { MONGOSAFE_DEBUG: 'yes' })).toBe(false);
    expect(debugRequested([], { MONGOSAFE_DEBUG: 'maybe' })).toBe(false);
    expect(debugRequested(['--', '--debug'], {})).toBe(false);
  });
});
