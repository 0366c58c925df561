import { describe, expect, it } from 'vitest';
import { decideNamespace, skipWarning } from '../../../src/core/special-namespaces.js';

const ns = (db: string, collection: string) => ({ db, collection });

describe('the namespace policy (what mongorestore does: shared/research/mongorestore-layouts.md §3.3)', () => {
  it.each([
    ['', 'oplog', 'oplog'],
    ['', 'stray', 'no-database'],
    ['admin', 'system.version', 'server-version'],
    ['admin', 'system.users', 'users'],
    ['admin', 'system.roles', 'roles'],
    ['admin', 'system.views', 'views'],
    ['shop', 'system.views', 'views'],
    ['shop', 'system.profile', 'profile'],
    ['shop', 'system.indexes', 'legacy-indexes'],
  ])('skips %s.%s (%s)', (db, collection, kind) => {
    expect(decideNamespace(ns(db, collection))).toMatchObject({ restore: false, kind });
  });

  it.each([
    ['shop', 'orders'],
    ['shop', 'system.js'],
    // Only admin's are the server's users, roles and version; another db's are its own collections.
    ['shop', 'system.users'],
    ['shop', 'system.version'],
    ['config', 'settings'],
    ['local', 'oplog.rs'],
    ['shop', 'oplog'],
    ['shop', 'system.buckets.ts'],
    ['admin', 'orders'],
  ])('restores %s.%s as an ordinary collection', (db, collection) => {
    expect(decideNamespace(ns(db, collection))).toEqual({ restore: true });
  });

  it('names the count in the reason when it is known', () => {
    expect(decideNamespace(ns('', 'oplog'), 18)).toMatchObject({
      reason: "the oplog (18 entries, written by mongodump --oplog) is not replayed without --oplog-replay; the data is as of the dump's start, not its end",
    });
    expect(decideNamespace(ns('', 'oplog'))).toMatchObject({ reason: expect.stringMatching(/^the oplog \(written by mongodump --oplog\)/) as unknown });
    expect(decideNamespace(ns('admin', 'system.users'), 1)).toMatchObject({ reason: expect.stringMatching(/^1 user not restored: recreate with createUser/) as unknown });
    expect(decideNamespace(ns('admin', 'system.roles'), 3)).toMatchObject({ reason: expect.stringMatching(/^3 roles not restored/) as unknown });
  });

  it('says each skip in one line, led by the namespace (the oplog names itself)', () => {
    const version = decideNamespace(ns('admin', 'system.version'));
    const oplog = decideNamespace(ns('', 'oplog'), 0);
    if (version.restore || oplog.restore) throw new Error('both are skipped');
    expect(skipWarning(ns('admin', 'system.version'), version.reason)).toBe(
      "admin.system.version: the server's own auth-schema/feature-version record, never restored (as mongorestore)",
    );
    expect(skipWarning(ns('', 'oplog'), oplog.reason)).toMatch(/^the oplog \(0 entries,/);
    for (const reason of [version.reason, oplog.reason]) expect(reason).not.toContain('\n');
  });
});
