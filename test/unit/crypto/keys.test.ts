import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDecryptionKey, loadEncryptionKey, type KeyDescription } from '../../../src/crypto/keys.js';
import { isMongosafeError, type MongosafeError } from '../../../src/errors.js';
import { tempDir } from '../../helpers/temp-dir.js';

const FINGERPRINT = /^sha256:[0-9a-f]{64}$/;

async function keyError(loading: Promise<unknown>): Promise<MongosafeError> {
  const error: unknown = await loading.then(
    () => new Error('expected a KEY error, but the key loaded'),
    (failure: unknown) => failure,
  );
  if (!isMongosafeError(error, 'KEY')) throw error;
  return error;
}

function pems(bits: number): { publicPem: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { publicPem: String(publicKey.export({ type: 'spki', format: 'pem' })), privatePem: String(privateKey.export({ type: 'pkcs8', format: 'pem' })) };
}

let dir: string;
/** Writes `content` to a fresh file in the test folder and returns its path. */
async function file(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

// 3072-bit keys take a while to make: two pairs for the whole file.
let rsa: { publicPem: string; privatePem: string };
let otherRsa: { publicPem: string; privatePem: string };

beforeAll(async () => {
  dir = await tempDir();
  rsa = pems(3072);
  otherRsa = pems(3072);
});

describe('loadEncryptionKey: key-file', () => {
  it('takes 32 bytes and records only a fingerprint, the same for the same key', async () => {
    const bytes = randomBytes(32);
    const path = await file('backup.key', bytes);
    const first = await loadEncryptionKey(`key-file:${path}`);
    expect(first.description).toEqual({ keyring: 'raw-aes', keyFingerprint: expect.stringMatching(FINGERPRINT) as unknown });
    const again = await loadEncryptionKey(`key-file:${await file('copy.key', bytes)}`);
    expect(again.description).toEqual(first.description);
    const other = await loadEncryptionKey(`key-file:${await file('other.key', randomBytes(32))}`);
    expect(other.description).not.toEqual(first.description);
    expect(JSON.stringify(first.description)).not.toContain(bytes.toString('hex'));
  });

  it.each([31, 33, 0])('refuses %i bytes as KEY, saying how to make a key', async (size) => {
    const path = await file(`short-${size}.key`, randomBytes(size));
    const error = await keyError(loadEncryptionKey(`key-file:${path}`));
    expect(error.message).toBe(`the key file ${path} holds ${size} bytes; a key is 32 random bytes`);
    expect(error.hint).toMatch(/openssl rand 32 > backup\.key/);
    expect(error.details.kind).toBe('key');
  });

  it('refuses a key written as hex, and says that is what it is', async () => {
    const path = await file('hex.key', `${randomBytes(32).toString('hex')}\n`);
    const error = await keyError(loadEncryptionKey(`key-file:${path}`));
    expect(error.message).toMatch(/holds 65 bytes; a key is 32 random bytes \(this one is written as hex\)$/);
    expect(error.hint).toMatch(/openssl rand 32/);
  });

  it('refuses a missing file as KEY not-found, saying nothing was written', async () => {
    const path = join(dir, 'no-such.key');
    const error = await keyError(loadEncryptionKey(`key-file:${path}`));
    expect(error.message).toBe(`the key file ${path} does not exist`);
    expect(error.hint).toMatch(/nothing was written/);
    expect(error.details).toMatchObject({ kind: 'not-found', key: path });
  });

  it('refuses a folder as KEY (cannot be read)', async () => {
    const error = await keyError(loadEncryptionKey(`key-file:${dir}`));
    expect(error.message).toMatch(/cannot be read \(EISDIR\)/);
  });
});

describe('loadEncryptionKey: public-key', () => {
  it('takes an RSA 3072 public key from a file or inline, with the same fingerprint', async () => {
    const fromFile = await loadEncryptionKey(`public-key:${await file('public.pem', rsa.publicPem)}`);
    expect(fromFile.description).toEqual({ keyring: 'raw-rsa', keyFingerprint: expect.stringMatching(FINGERPRINT) as unknown });
    const inline = await loadEncryptionKey(`public-key:${rsa.publicPem}`);
    expect(inline.description).toEqual(fromFile.description);
    const other = await loadEncryptionKey(`public-key:${otherRsa.publicPem}`);
    expect(other.description).not.toEqual(fromFile.description);
  });

  it('takes the public half of a private key PEM, with the public key fingerprint', async () => {
    const fromPrivate = await loadEncryptionKey(`public-key:${rsa.privatePem}`);
    expect(fromPrivate.description).toEqual((await loadEncryptionKey(`public-key:${rsa.publicPem}`)).description);
  });

  it('refuses an RSA 2048 key', async () => {
    const error = await keyError(loadEncryptionKey(`public-key:${pems(2048).publicPem}`));
    expect(error.message).toBe('the RSA key has 2048 bits; at least 3072 are needed');
    expect(error.hint).toMatch(/rsa_keygen_bits:3072/);
  });

  it('refuses an EC key', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const error = await keyError(loadEncryptionKey(`public-key:${String(publicKey.export({ type: 'spki', format: 'pem' }))}`));
    expect(error.message).toBe('the public key is ec, not RSA');
  });

  it('refuses a garbage PEM, inline or in a file, without echoing it', async () => {
    const garbage = '-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END PUBLIC KEY-----\n';
    for (const spec of [`public-key:${garbage}`, `public-key:${await file('garbage.pem', garbage)}`, `public-key:${await file('empty.pem', '')}`]) {
      const error = await keyError(loadEncryptionKey(spec));
      expect(error.message).toBe('the public key is not a readable PEM');
      expect(JSON.stringify(error.toJSON())).not.toContain('bm90IGEga2V5');
    }
  });

  it('refuses a missing PEM file as KEY not-found', async () => {
    const path = join(dir, 'missing.pem');
    const error = await keyError(loadEncryptionKey(`public-key:${path}`));
    expect(error.message).toBe(`the PEM file ${path} does not exist`);
    expect(error.details.kind).toBe('not-found');
  });

  it('refuses a private key and a malformed spec as USAGE, before reading anything', async () => {
    await expect(loadEncryptionKey(`private-key:${rsa.privatePem}`)).rejects.toMatchObject({ code: 'USAGE', message: '--encrypt does not take a private-key' });
    await expect(loadEncryptionKey('backup.key')).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('loadDecryptionKey', () => {
  let aesPath: string;
  let aes: KeyDescription;
  let rsaRecorded: KeyDescription;
  const kms: KeyDescription = { keyring: 'kms', keyId: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' };

  beforeAll(async () => {
    aesPath = await file('right.key', randomBytes(32));
    aes = (await loadEncryptionKey(`key-file:${aesPath}`)).description;
    rsaRecorded = (await loadEncryptionKey(`public-key:${rsa.publicPem}`)).description;
  });

  it('opens with the very key: the key file, or the private key (inline or a file)', async () => {
    await expect(loadDecryptionKey(`key-file:${aesPath}`, aes, 'backup X')).resolves.toMatchObject({ kmsFailures: [] });
    await expect(loadDecryptionKey(`private-key:${rsa.privatePem}`, rsaRecorded, 'backup X')).resolves.toMatchObject({ kmsFailures: [] });
    await expect(loadDecryptionKey(`private-key:${await file('private.pem', rsa.privatePem)}`, rsaRecorded, 'backup X')).resolves.toMatchObject({ kmsFailures: [] });
  });

  it('says "wrong key" when the fingerprint differs, naming both fingerprints', async () => {
    const wrongFile = await keyError(loadDecryptionKey(`key-file:${await file('wrong.key', randomBytes(32))}`, aes, 'backup X'));
    expect(wrongFile.message).toMatch(new RegExp(`^wrong key for backup X: it was encrypted with key ${aes.keyring === 'raw-aes' ? aes.keyFingerprint : ''}, the key given is sha256:[0-9a-f]{64}$`));
    const wrongPrivate = await keyError(loadDecryptionKey(`private-key:${otherRsa.privatePem}`, rsaRecorded, 'backup X'));
    expect(wrongPrivate.message).toMatch(/^wrong key for backup X/);
    expect(JSON.stringify(wrongPrivate.toJSON())).not.toContain('PRIVATE KEY');
  });

  it('names the option to give when the key is missing', async () => {
    const noKeyFile = await keyError(loadDecryptionKey(undefined, aes, 'backup X'));
    expect(noKeyFile.message).toMatch(/^backup X is encrypted with a key file \(key sha256:[0-9a-f]{64}\): give --encrypt key-file:PATH$/);
    expect(noKeyFile.hint).toMatch(/MONGOSAFE_ENCRYPT/);
    const noPrivateKey = await keyError(loadDecryptionKey(undefined, rsaRecorded, 'backup X'));
    expect(noPrivateKey.message).toMatch(/: give --decrypt-key private-key:PEM$/);
    expect(noPrivateKey.hint).toMatch(/MONGOSAFE_DECRYPT_KEY/);
  });

  it('says which kind of key the backup needs when given another kind', async () => {
    const fileForRsa = await keyError(loadDecryptionKey(`key-file:${aesPath}`, rsaRecorded, 'backup X'));
    expect(fileForRsa.message).toMatch(/encrypted with an RSA public key .*, not with a key-file: give --decrypt-key private-key:PEM$/);
    const privateForAes = await keyError(loadDecryptionKey(`private-key:${rsa.privatePem}`, aes, 'backup X'));
    expect(privateForAes.message).toMatch(/encrypted with a key file .*, not with a private-key: give --encrypt key-file:PATH$/);
    const publicForRsa = await keyError(loadDecryptionKey(`public-key:${rsa.publicPem}`, rsaRecorded, 'backup X'));
    expect(publicForRsa.message).toMatch(/not with a public-key: give --decrypt-key private-key:PEM$/);
    expect(JSON.stringify(publicForRsa.toJSON())).not.toContain('PUBLIC KEY');
  });

  it('needs no key for a KMS backup, and refuses a raw key for one', async () => {
    await expect(loadDecryptionKey(undefined, kms, 'backup X')).resolves.toMatchObject({ kmsFailures: [] });
    const error = await keyError(loadDecryptionKey(`key-file:${aesPath}`, kms, 'backup X'));
    expect(error.message).toBe(`backup X is encrypted with the KMS key ${kms.keyring === 'kms' ? kms.keyId : ''}, not with a key-file`);
    expect(error.hint).toMatch(/leave --encrypt\/--decrypt-key out/);
  });

  it('refuses a key file of the wrong size before comparing fingerprints', async () => {
    const error = await keyError(loadDecryptionKey(`key-file:${await file('short.key', randomBytes(16))}`, aes, 'backup X'));
    expect(error.message).toMatch(/holds 16 bytes/);
  });
});
