import { describe, expect, it } from 'vitest';
import { MongosafeError, detailsOf, withDetails } from '../../src/errors.js';

describe('MongosafeError details', () => {
  it('are JSON-safe: toJSON is {code, message, hint, details}, unknown fields left out', () => {
    const error = new MongosafeError('NOT_FOUND', 'backup x not found', 'run list', { details: { backupId: 'x', namespace: undefined, kind: 'not-found' } });
    expect(JSON.parse(JSON.stringify(error))).toEqual({ code: 'NOT_FOUND', message: 'backup x not found', hint: 'run list', details: { backupId: 'x', kind: 'not-found' } });
    expect(Object.keys(error.details)).toEqual(['backupId', 'kind']);
    expect(new MongosafeError('USAGE', 'bad').toJSON()).toEqual({ code: 'USAGE', message: 'bad', details: {} });
  });

  it('a wrapper keeps what its MongosafeError cause knew; its own fields win', () => {
    const inner = new MongosafeError('CORRUPT', 'CRC mismatch', undefined, { details: { namespace: 'db.c', kind: 'checksum' } });
    const outer = new MongosafeError('CORRUPT', `refusing to restore: ${inner.message}`, undefined, { cause: inner, details: { backupId: 'b', kind: 'invalid' } });
    expect(outer.details).toEqual({ namespace: 'db.c', backupId: 'b', kind: 'invalid' });
    expect(new MongosafeError('SOURCE', 'x', undefined, { cause: new Error('foreign') }).details).toEqual({});
  });

  it('withDetails adds only what is missing, and leaves foreign errors alone', () => {
    const inner = new MongosafeError('STORAGE', 'reading k failed', 'retry', { details: { key: 'k', kind: 'network' } });
    const added = withDetails(inner, { backupId: 'b', key: 'other' }) as MongosafeError;
    expect(added).toMatchObject({ code: 'STORAGE', message: 'reading k failed', hint: 'retry', cause: inner });
    expect(added.details).toEqual({ key: 'k', kind: 'network', backupId: 'b' });
    expect(withDetails(inner, { key: 'other' })).toBe(inner);
    const foreign = new Error('x');
    expect(withDetails(foreign, { backupId: 'b' })).toBe(foreign);
    expect(detailsOf(foreign)).toEqual({});
  });
});
