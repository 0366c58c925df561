import { MongosafeError } from '../errors.js';

/**
 * A key as the user names it (`--encrypt`, `--decrypt-key`, MONGOSAFE_ENCRYPT,
 * MONGOSAFE_DECRYPT_KEY): the kind, then what locates it. A PEM may be given
 * inline (an environment variable filled from a secret store) or as a file path.
 */
export type KeySpec =
  | { kind: 'kms'; keyId: string }
  | { kind: 'key-file'; path: string }
  | { kind: 'public-key'; pem: string }
  | { kind: 'private-key'; pem: string };

export type KeyKind = KeySpec['kind'];

const KINDS: readonly KeyKind[] = ['kms', 'key-file', 'public-key', 'private-key'];

/** Parses `kind:value`. Only the kinds `allowed` are accepted (backup cannot encrypt with a private key). */
export function parseKeySpec<K extends KeyKind = KeyKind>(text: string, option: string, allowed: readonly K[] = KINDS as readonly K[]): Extract<KeySpec, { kind: K }> {
  const colon = text.indexOf(':');
  const kind = text.slice(0, colon) as K;
  const value = text.slice(colon + 1);
  const forms = allowed.map((k) => `${k}:${PLACEHOLDER[k]}`).join(', ');
  if (colon <= 0 || !KINDS.includes(kind) || value.trim() === '') {
    throw new MongosafeError('USAGE', `${option} must be ${forms}; got "${redactPem(text)}"`, 'e.g. --encrypt key-file:./backup.key (docs/encryption.md)', { details: { kind: 'invalid' } });
  }
  if (!allowed.includes(kind)) {
    throw new MongosafeError('USAGE', `${option} does not take a ${kind}`, HINT_FOR_REFUSED[kind] ?? `give one of ${forms}`, { details: { kind: 'invalid' } });
  }
  const spec: KeySpec = kind === 'kms' ? { kind, keyId: value } : kind === 'key-file' ? { kind, path: value } : { kind, pem: value };
  return spec as Extract<KeySpec, { kind: K }>;
}

const PLACEHOLDER: Record<KeyKind, string> = { kms: 'KEY_ID|ALIAS|ARN', 'key-file': 'PATH', 'public-key': 'PEM', 'private-key': 'PEM' };

const HINT_FOR_REFUSED: Partial<Record<KeyKind, string>> = {
  'private-key': 'backups are encrypted to the public key (--encrypt public-key:PEM); the private key only decrypts (--decrypt-key private-key:PEM), and it is better kept off the backup host',
  'public-key': 'a public key can only encrypt; to read the backup give --decrypt-key private-key:PEM',
};

/** An inline PEM in an error would print a key: show only its kind. */
function redactPem(text: string): string {
  return text.includes('-----BEGIN') ? `${text.slice(0, text.indexOf(':') + 1)}<PEM>` : text;
}
