import { describe, expect, it } from 'vitest';
import { describeProvenance, resolveArgs } from '../../../src/config/resolve.js';
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
});
