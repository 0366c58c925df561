import { describe, expect, it } from 'vitest';
import { MongosafeError } from '../../../src/errors.js';
import { namespaceFilter, namespaceRenamer, splitNamespace } from '../../../src/source/namespace-filter.js';

describe('namespace patterns (mongorestore rules)', () => {
  it('* matches any run, dots and nothing included', () => {
    const keep = namespaceFilter({ include: ['app.*'] });
    expect(keep('app.recipes')).toBe(true);
    expect(keep('app.system.js')).toBe(true);
    expect(keep('app.')).toBe(true);
    expect(keep('other.recipes')).toBe(false);
    expect(namespaceFilter({ include: ['*.users'] })('a.b.users')).toBe(true);
  });

  it('excludes win over includes; no include means everything', () => {
    const keep = namespaceFilter({ exclude: ['app.logs*'] });
    expect(keep('app.recipes')).toBe(true);
    expect(keep('app.logs2024')).toBe(false);
    expect(namespaceFilter({ include: ['app.*'], exclude: ['app.tmp'] })('app.tmp')).toBe(false);
  });

  it('escaped stars are literal and regex characters are not special', () => {
    const keep = namespaceFilter({ include: ['app.a\\*b', 'x.(y)+'] });
    expect(keep('app.a*b')).toBe(true);
    expect(keep('app.axxb')).toBe(false);
    expect(keep('x.(y)+')).toBe(true);
  });

  it('refuses $ in a pattern', () => {
    expect(() => namespaceFilter({ include: ['app.$cmd'] })).toThrow(MongosafeError);
  });

  it('renames by placing captured stars in order; the last matching rule wins', () => {
    const rename = namespaceRenamer([
      { from: 'app.*', to: 'copy.*' },
      { from: 'app.users', to: 'people.accounts' },
      { from: '*.old_*', to: '*_archive.*' },
    ]);
    expect(rename('app.recipes')).toBe('copy.recipes');
    expect(rename('app.users')).toBe('people.accounts');
    expect(rename('shop.old_orders')).toBe('shop_archive.orders');
    expect(rename('other.x')).toBe('other.x');
  });

  it('refuses rename pairs with different numbers of stars', () => {
    expect(() => namespaceRenamer([{ from: 'a.*', to: 'b.c' }])).toThrow(/different numbers of \*/);
  });

  it('splits at the first dot', () => {
    expect(splitNamespace('db.system.buckets.x')).toEqual({ db: 'db', collection: 'system.buckets.x' });
    expect(() => splitNamespace('nodot')).toThrow(MongosafeError);
  });
});
