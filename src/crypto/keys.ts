import { createHash, createPrivateKey, createPublicKey, constants, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { KmsKeyringNode, RawAesKeyringNode, RawAesWrappingSuiteIdentifier, RawRsaKeyringNode, type KeyringNode } from '@aws-crypto/client-node';
import { MongosafeError } from '../errors.js';
import { kmsClient, kmsClientProvider, kmsFailure } from './kms.js';
import { parseKeySpec, type KeySpec } from './key-spec.js';

/** What a manifest records of the key that encrypted a backup: its KMS key ARN or a fingerprint, never key material. */
export type KeyDescription = { keyring: 'kms'; keyId: string } | { keyring: 'raw-aes'; keyFingerprint: string } | { keyring: 'raw-rsa'; keyFingerprint: string };

export interface EncryptionKey {
  keyring: KeyringNode;
  description: KeyDescription;
}

export interface DecryptionKey {
  keyring: KeyringNode;
  /** The KMS errors met while unwrapping the data key (the SDK folds them into one message). */
  kmsFailures: unknown[];
}

/** Raw keyrings name their key; the name is checked on decryption, so it is the fingerprint. */
const KEY_NAMESPACE = 'mongosafe';
const AES_KEY_BYTES = 32;
const MIN_RSA_BITS = 3072;

/**
 * The key `--encrypt` names, loaded and proven usable before anything is written: the file
 * holds 32 bytes, the PEM is an RSA public key of 3072 bits or more, the KMS key lets us
 * GenerateDataKey. Any problem is a KEY error (AUTH when KMS refuses), never a plain backup.
 */
export async function loadEncryptionKey(text: string, signal?: AbortSignal): Promise<EncryptionKey> {
  const spec = parseKeySpec(text, '--encrypt', ['kms', 'key-file', 'public-key']);
  switch (spec.kind) {
    case 'key-file': {
      const key = await readAesKey(spec.path);
      const keyFingerprint = fingerprint(key);
      return { keyring: aesKeyring(key, keyFingerprint), description: { keyring: 'raw-aes', keyFingerprint } };
    }
    case 'public-key': {
      const publicKey = rsaKey(await readPem(spec.pem), 'public');
      const keyFingerprint = fingerprint(publicKey.export({ type: 'spki', format: 'der' }));
      return { keyring: rsaKeyring({ publicKey }, keyFingerprint), description: { keyring: 'raw-rsa', keyFingerprint } };
    }
    case 'kms': {
      const keyId = await provenKmsKey(spec.keyId, signal);
      return { keyring: new KmsKeyringNode({ generatorKeyId: keyId, clientProvider: kmsClientProvider() }), description: { keyring: 'kms', keyId } };
    }
  }
}

/**
 * The keyring that opens a backup encrypted as `recorded` says. `text` (`--decrypt-key`, else
 * `--encrypt`) may be left out for KMS, whose data key names its key; for a raw key it must be
 * the very key: its fingerprint is compared with the manifest's first, so a wrong key is said
 * as such, not as damage.
 */
export async function loadDecryptionKey(text: string | undefined, recorded: KeyDescription, where: string): Promise<DecryptionKey> {
  const spec = text === undefined ? undefined : parseKeySpec(text, '--decrypt-key');
  const needed = NEEDED[recorded.keyring];
  if (recorded.keyring === 'kms') {
    if (spec && spec.kind !== 'kms') throw keyError(`${where} is encrypted with the KMS key ${recorded.keyId}, not with a ${spec.kind}`, 'leave --encrypt/--decrypt-key out: the backup names its KMS key, and kms:Decrypt on it is all that is needed');
    const kmsFailures: unknown[] = [];
    return { keyring: new KmsKeyringNode({ keyIds: [recorded.keyId], clientProvider: kmsClientProvider(kmsFailures) }), kmsFailures };
  }
  if (!spec || spec.kind !== needed.kind || (spec.kind !== 'key-file' && spec.kind !== 'private-key')) {
    const given = spec ? `, not with a ${spec.kind}` : '';
    throw keyError(`${where} is encrypted with ${needed.what} (key ${recorded.keyFingerprint})${given}: give ${needed.option}`, `or set ${needed.env}; docs/encryption.md`);
  }
  let keyring: KeyringNode;
  let keyFingerprint: string;
  if (spec.kind === 'key-file') {
    const key = await readAesKey(spec.path);
    keyFingerprint = fingerprint(key);
    keyring = aesKeyring(key, keyFingerprint);
  } else {
    const privateKey = rsaKey(await readPem(spec.pem), 'private');
    keyFingerprint = fingerprint(createPublicKey(privateKey).export({ type: 'spki', format: 'der' }));
    keyring = rsaKeyring({ privateKey }, keyFingerprint);
  }
  if (keyFingerprint !== recorded.keyFingerprint) {
    throw keyError(`wrong key for ${where}: it was encrypted with key ${recorded.keyFingerprint}, the key given is ${keyFingerprint}`, 'give the key the backup was made with (docs/encryption.md: where keys are kept)');
  }
  return { keyring, kmsFailures: [] };
}

const NEEDED = {
  'raw-aes': { kind: 'key-file', what: 'a key file', option: '--encrypt key-file:PATH', env: 'MONGOSAFE_ENCRYPT' },
  'raw-rsa': { kind: 'private-key', what: 'an RSA public key', option: '--decrypt-key private-key:PEM', env: 'MONGOSAFE_DECRYPT_KEY' },
  kms: { kind: 'kms', what: 'a KMS key', option: '', env: '' },
} as const satisfies Record<KeyDescription['keyring'], { kind: KeySpec['kind']; what: string; option: string; env: string }>;

/**
 * "sha256:<hex>" of a key (the AES key, or the RSA public key's SPKI), domain-separated: it
 * names a key in manifests and errors and gives no way back to it (the AES key is 256 random bits).
 */
function fingerprint(key: Uint8Array): string {
  return `sha256:${createHash('sha256').update('mongosafe key fingerprint\0').update(key).digest('hex')}`;
}

function aesKeyring(key: Buffer, keyName: string): KeyringNode {
  // The keyring keeps its own copy and wants it alone in its memory (not a slice of a pool).
  const isolated = new Uint8Array(AES_KEY_BYTES);
  isolated.set(key);
  key.fill(0);
  return new RawAesKeyringNode({ keyNamespace: KEY_NAMESPACE, keyName, unencryptedMasterKey: isolated, wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING });
}

function rsaKeyring(rsaKey: { publicKey?: KeyObject; privateKey?: KeyObject }, keyName: string): KeyringNode {
  const pem = (key: KeyObject | undefined, type: 'spki' | 'pkcs8') => key && String(key.export({ type, format: 'pem' }));
  return new RawRsaKeyringNode({
    keyNamespace: KEY_NAMESPACE,
    keyName,
    rsaKey: { publicKey: pem(rsaKey.publicKey, 'spki'), privateKey: pem(rsaKey.privateKey, 'pkcs8') },
    padding: constants.RSA_PKCS1_OAEP_PADDING,
    oaepHash: 'sha256',
  });
}

async function readAesKey(path: string): Promise<Buffer> {
  const key = await readKeyMaterial(path, 'key file');
  if (key.length !== AES_KEY_BYTES) {
    const looksHex = /^[0-9a-f]{64}\s*$/i.test(key.toString('latin1'));
    throw keyError(
      `the key file ${path} holds ${key.length} bytes; a key is ${AES_KEY_BYTES} random bytes${looksHex ? ' (this one is written as hex)' : ''}`,
      'make one with: openssl rand 32 > backup.key (docs/encryption.md)',
    );
  }
  return key;
}

/** An inline PEM (from an environment variable or secret), else a file holding one. */
async function readPem(value: string): Promise<string> {
  return value.trimStart().startsWith('-----BEGIN') ? value : (await readKeyMaterial(value, 'PEM file')).toString('utf8');
}

async function readKeyMaterial(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const missing = code === 'ENOENT';
    throw new MongosafeError('KEY', `the ${what} ${path} ${missing ? 'does not exist' : `cannot be read (${code ?? 'error'})`}`, 'check the path and that this user may read it; nothing was written', {
      cause: error,
      details: { key: path, kind: missing ? 'not-found' : 'permission' },
    });
  }
}

/** The RSA key of `type` in a PEM (a private key's PEM also yields its public key), 3072 bits or more. */
function rsaKey(pem: string, type: 'public' | 'private'): KeyObject {
  let key: KeyObject;
  try {
    key = type === 'public' ? createPublicKey(pem) : createPrivateKey(pem);
  } catch (error) {
    throw keyError(`the ${type} key is not a readable PEM${type === 'private' ? ' private key' : ''}`, `give an RSA ${type} key in PEM form (openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072); docs/encryption.md`, error);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa') throw keyError(`the ${type} key is ${key.asymmetricKeyType ?? 'not RSA'}, not RSA`, 'backups are encrypted to RSA keys (RSA-OAEP); docs/encryption.md');
  if (bits < MIN_RSA_BITS) throw keyError(`the RSA key has ${bits} bits; at least ${MIN_RSA_BITS} are needed`, 'make one with: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out backup-private.pem');
  return key;
}

/** Proves GenerateDataKey works on the key (the backup needs no more) and returns its ARN. */
async function provenKmsKey(keyId: string, signal?: AbortSignal): Promise<string> {
  try {
    const generated = await kmsClient(keyId).generateDataKey({ KeyId: keyId, KeySpec: 'AES_256' }, { abortSignal: signal });
    generated.Plaintext?.fill(0);
    return generated.KeyId ?? keyId;
  } catch (error) {
    throw kmsFailure(error, `KMS key ${keyId}`, 'kms:GenerateDataKey');
  }
}

function keyError(message: string, hint: string, cause?: unknown): MongosafeError {
  return new MongosafeError('KEY', message, hint, { cause, details: { kind: 'key' } });
}
