import { describe, expect, it } from 'vitest';
import { parseKeySpec } from '../../../src/crypto/key-spec.js';
import { isMongosafeError, type MongosafeError } from '../../../src/errors.js';
import { thrown } from '../../helpers/thrown.js';

/** Looks like a key without being one: what must never reach an error message. */
const PEM = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7secretbody\n-----END PRIVATE KEY-----\n';

function usageError(run: () => unknown): MongosafeError {
  const error = thrown(run);
  if (!isMongosafeError(error, 'USAGE')) throw error;
  return error;
}

describe('parseKeySpec', () => {
  it('reads each kind; only the first colon separates, so ARNs keep theirs', () => {
    expect(parseKeySpec('kms:1234abcd-12ab-34cd-56ef-1234567890ab', '--encrypt')).toEqual({ kind: 'kms', keyId: '1234abcd-12ab-34cd-56ef-1234567890ab' });
    expect(parseKeySpec('kms:alias/backups', '--encrypt')).toEqual({ kind: 'kms', keyId: 'alias/backups' });
    const arn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(parseKeySpec(`kms:${arn}`, '--encrypt')).toEqual({ kind: 'kms', keyId: arn });
    expect(parseKeySpec('key-file:./backup.key', '--encrypt')).toEqual({ kind: 'key-file', path: './backup.key' });
    expect(parseKeySpec('key-file:C:/keys/a:b.key', '--encrypt')).toEqual({ kind: 'key-file', path: 'C:/keys/a:b.key' });
    expect(parseKeySpec('public-key:/etc/mongosafe/public.pem', '--encrypt')).toEqual({ kind: 'public-key', pem: '/etc/mongosafe/public.pem' });
    expect(parseKeySpec(`private-key:${PEM}`, '--decrypt-key')).toEqual({ kind: 'private-key', pem: PEM });
  });

  it.each([
    ['no kind', 'backup.key'],
    ['an empty kind', ':backup.key'],
    ['an unknown kind', 'aes-key:backup.key'],
    ['a kind in the wrong case', 'KMS:alias/backups'],
    ['an empty value', 'key-file:'],
    ['a blank value', 'kms:   '],
  ])('refuses %s as USAGE, naming the forms', (_what, text) => {
    const error = usageError(() => parseKeySpec(text, '--encrypt', ['kms', 'key-file', 'public-key']));
    expect(error.message).toBe(`--encrypt must be kms:KEY_ID|ALIAS|ARN, key-file:PATH, public-key:PEM; got "${text}"`);
    expect(error.details.kind).toBe('invalid');
    expect(error.hint).toMatch(/key-file:/);
  });

  it('refuses a kind the option does not take, with a hint on what to give instead', () => {
    const privateKey = usageError(() => parseKeySpec('private-key:./private.pem', '--encrypt', ['kms', 'key-file', 'public-key']));
    expect(privateKey.message).toBe('--encrypt does not take a private-key');
    expect(privateKey.hint).toMatch(/--encrypt public-key:PEM/);
    const publicKey = usageError(() => parseKeySpec('public-key:./public.pem', '--decrypt-key', ['key-file', 'private-key']));
    expect(publicKey.message).toBe('--decrypt-key does not take a public-key');
    expect(publicKey.hint).toMatch(/--decrypt-key private-key:PEM/);
    const kms = usageError(() => parseKeySpec('kms:alias/x', '--decrypt-key', ['key-file', 'private-key']));
    expect(kms.hint).toBe('give one of key-file:PATH, private-key:PEM');
  });

  it.each([
    ['a PEM without its kind', PEM],
    ['a PEM behind an unknown kind', `privatekey:${PEM}`],
    ['a PEM behind a refused kind', `private-key:${PEM}`],
    ['a PEM behind a kind in the wrong case', `Private-Key:${PEM}`],
  ])('never echoes %s', (_what, text) => {
    const error = usageError(() => parseKeySpec(text, '--encrypt', ['kms', 'key-file', 'public-key']));
    const said = JSON.stringify(error.toJSON());
    expect(said).not.toContain('MII');
    expect(said).not.toContain('secretbody');
    expect(said).not.toContain('BEGIN');
  });
});
