// Client-side encryption through the CLI, on real FerretDB, local folders and moto (S3 and KMS):
// each kind of key round-trips every document byte for byte, the stored object holds no
// plaintext, the catalog commands need no key, and every wrong, missing or tampered case is
// refused with its own line, before anything is written.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { KMS } from '@aws-sdk/client-kms';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/core/manifest.js';
import type { Storage } from '../../src/storage/storage.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { collectionInfos, loadFidelityData, rawDocuments } from '../helpers/fidelity-data.js';
import { testServices, uniqueName } from '../helpers/services.js';
import { allKeys, freshDestination, type TestDestination } from '../helpers/synthetic-backups.js';
import { tempDir } from '../helpers/temp-dir.js';

const services = testServices();
// The AWS SDK may warn on stderr about Node 20; stderr is asserted here.
const QUIET = { NODE_NO_WARNINGS: '1' };
const SENTINEL = 'sentinel-plaintext-c0ffee-7e57';

let client: MongoClient;
let work: string;
/** The fidelity dataset, and every data collection's documents as raw BSON before any backup. */
let fidelityDb: Db;
let snapshot: Map<string, Buffer[]>;
/** A few documents carrying SENTINEL, small enough to back up in a moment. */
let sentinelDb: Db;
const kms = new KMS({});

const keys = {
  file: '',
  otherFile: '',
  publicPem: '',
  privatePem: '',
  otherPrivatePem: '',
  /** Inline, as MONGOSAFE_DECRYPT_KEY holds it when filled from a secret store. */
  privatePemText: '',
  kmsArn: '',
  kmsAlias: '',
};

async function writeKey(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(work, name);
  await writeFile(path, content, { mode: 0o600 });
  return path;
}

function rsaPair(bits: number): { publicPem: string; privatePem: string } {
  const pair = generateKeyPairSync('rsa', { modulusLength: bits });
  return { publicPem: String(pair.publicKey.export({ type: 'spki', format: 'pem' })), privatePem: String(pair.privateKey.export({ type: 'pkcs8', format: 'pem' })) };
}

beforeAll(async () => {
  client = await MongoClient.connect(services.mongodbUri);
  work = await tempDir();
  fidelityDb = client.db(uniqueName('enc_fidelity'));
  await loadFidelityData(fidelityDb, services.serverKind);
  snapshot = new Map();
  for (const info of await collectionInfos(fidelityDb)) {
    if (info.type !== 'view') snapshot.set(info.name, await rawDocuments(fidelityDb, info.name));
  }
  sentinelDb = client.db(uniqueName('enc_sentinel'));
  await sentinelDb.collection('notes').insertMany(Array.from({ length: 50 }, (_, i) => ({ i, text: `${SENTINEL} ${i}` })));

  keys.file = await writeKey('backup.key', randomBytes(32));
  keys.otherFile = await writeKey('other.key', randomBytes(32));
  const rsa = rsaPair(3072);
  keys.publicPem = await writeKey('public.pem', rsa.publicPem);
  keys.privatePem = await writeKey('private.pem', rsa.privatePem);
  keys.privatePemText = rsa.privatePem;
  keys.otherPrivatePem = await writeKey('other-private.pem', rsaPair(3072).privatePem);

  const created = await kms.createKey({ Description: 'mongosafe encryption test' });
  keys.kmsArn = created.KeyMetadata?.Arn ?? '';
  keys.kmsAlias = `alias/${uniqueName('mongosafe-test')}`;
  await kms.createAlias({ AliasName: keys.kmsAlias, TargetKeyId: keys.kmsArn });
});

afterAll(async () => {
  await fidelityDb.dropDatabase();
  await sentinelDb.dropDatabase();
  await client.close();
  kms.destroy();
});

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function readObject(storage: Storage, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await storage.get(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Replaces a stored object (storage writes only if absent: delete, then put). */
async function replaceObject(storage: Storage, key: string, bytes: Uint8Array): Promise<void> {
  await storage.delete(key);
  await storage.put(key, Readable.from([Buffer.from(bytes)]), { ifAbsent: true });
}

/** Runs `check` with the stored object of `manifest` replaced by `damage(original)`, then puts the original back. */
async function withStoredObject(storage: Storage, manifest: Manifest, damage: (original: Buffer) => Uint8Array, check: () => Promise<void>): Promise<void> {
  const original = await readObject(storage, manifest.archive.key);
  await replaceObject(storage, manifest.archive.key, damage(original));
  try {
    await check();
  } finally {
    await replaceObject(storage, manifest.archive.key, original);
  }
}

/** A backup through the CLI; `encrypt` as --encrypt, or as MONGOSAFE_ENCRYPT with `viaEnv`. */
async function backupCli(db: Db, to: string, encrypt: string | undefined, options: { extra?: string[]; viaEnv?: boolean } = {}): Promise<Manifest> {
  const flagged = encrypt && !options.viaEnv ? ['--encrypt', encrypt] : [];
  const env = encrypt && options.viaEnv ? { MONGOSAFE_ENCRYPT: encrypt } : {};
  const run = await runCli(['backup', '--db', db.databaseName, '--to', to, ...flagged, ...(options.extra ?? []), '--json'], { ...QUIET, ...env, MONGODB_URI: services.mongodbUri });
  expect(run.code, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as { manifest: Manifest }).manifest;
}

/** The CLI failed with `code` and said `line` as its first stderr line, with no stack. */
function expectRefused(run: CliRun, code: number, line: RegExp): void {
  expect(run.code, run.stderr).toBe(code);
  const first = run.stderr.split('\n')[0] ?? '';
  expect(first).toMatch(/^mongosafe: /);
  expect(first).toMatch(line);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

/** verify exits 3, prints the backup as FAILED with `problem`, and says so in one stderr line. */
function expectVerifyFailed(run: CliRun, id: string, problem: RegExp): void {
  expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(3);
  const failed = run.stdout.split('\n').find((line) => line.startsWith('FAILED'));
  expect(failed).toBeDefined();
  expect(failed).toMatch(new RegExp(`^FAILED  ${id}: `));
  expect(failed).toMatch(problem);
  expect(run.stderr).toBe('mongosafe: verify found 1 damaged or incomplete backup\n');
}

async function collectionNames(name: string): Promise<string[]> {
  return (await client.db(name).listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
}

interface KeyCase {
  name: string;
  dest: 'local' | 's3';
  encrypt: () => string;
  /** Give the key to backup as MONGOSAFE_ENCRYPT rather than --encrypt. */
  viaEnv?: boolean;
  /** How `verify`, `restore` and `export` are given the key; with their environment. */
  read: () => { args: string[]; env: NodeJS.ProcessEnv };
  recorded: () => Partial<Manifest['encryption']>;
}

const CASES: KeyCase[] = [
  {
    name: 'key-file',
    dest: 'local',
    encrypt: () => `key-file:${keys.file}`,
    read: () => ({ args: ['--encrypt', `key-file:${keys.file}`], env: {} }),
    recorded: () => ({ keyring: 'raw-aes' }),
  },
  {
    name: 'public-key, read with the private key from MONGOSAFE_DECRYPT_KEY (inline PEM)',
    dest: 'local',
    encrypt: () => `public-key:${keys.publicPem}`,
    read: () => ({ args: [], env: { MONGOSAFE_DECRYPT_KEY: `private-key:${keys.privatePemText}` } }),
    recorded: () => ({ keyring: 'raw-rsa' }),
  },
  {
    name: 'KMS key ARN',
    dest: 's3',
    encrypt: () => `kms:${keys.kmsArn}`,
    read: () => ({ args: [], env: {} }),
    recorded: () => ({ keyring: 'kms', keyId: keys.kmsArn }),
  },
  {
    name: 'KMS alias, from MONGOSAFE_ENCRYPT',
    dest: 's3',
    encrypt: () => `kms:${keys.kmsAlias}`,
    viaEnv: true,
    read: () => ({ args: [], env: {} }),
    recorded: () => ({ keyring: 'kms', keyId: keys.kmsArn }),
  },
];

describe.each(CASES)('encrypted with $name', (keyCase) => {
  let dest: TestDestination;
  let manifest: Manifest;

  beforeAll(async () => {
    dest = await freshDestination(keyCase.dest);
  });

  it('backup → verify → restore gives back every document byte for byte; export writes the plain archive', async () => {
    manifest = await backupCli(fidelityDb, dest.url, keyCase.encrypt(), { viaEnv: keyCase.viaEnv });
    const { encryption } = manifest;
    expect(encryption).toMatchObject({ scheme: 'aws-encryption-sdk', ...keyCase.recorded() });
    expect(manifest.archive.key).toBe(`data/${manifest.id}/backup.archive.gz.enc`);
    const stored = await readObject(dest.storage, manifest.archive.key);
    expect({ bytes: stored.length, sha256: sha256(stored) }).toEqual({ bytes: encryption?.ciphertextBytes, sha256: encryption?.ciphertextSha256 });
    expect(sha256(stored)).not.toBe(manifest.archive.sha256);

    const { args, env } = keyCase.read();
    const verified = await runCli(['verify', manifest.id, '--from', dest.url, ...args], { ...QUIET, ...env });
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(new RegExp(`^ok      ${manifest.id}: `));

    const target = uniqueName('enc_copy');
    const restored = await runCli(['restore', manifest.id, '--from', dest.url, '--uri', services.mongodbUri, '--ns-from', `${fidelityDb.databaseName}.*`, '--ns-to', `${target}.*`, ...args], { ...QUIET, ...env });
    expect(restored.code, restored.stderr).toBe(0);
    try {
      for (const [name, before] of snapshot) {
        const after = await rawDocuments(client.db(target), name);
        expect(after.length, name).toBe(before.length);
        expect(after.every((doc, i) => doc.equals(before[i] ?? Buffer.alloc(0))), `${name} byte-identical`).toBe(true);
      }
    } finally {
      await client.db(target).dropDatabase();
    }

    const out = join(work, `${uniqueName('export')}.archive.gz`);
    const exported = await runCli(['export', manifest.id, '--from', dest.url, '--out', out, ...args], { ...QUIET, ...env });
    expect(exported.code, exported.stderr).toBe(0);
    const plain = await readFile(out);
    expect({ bytes: plain.length, sha256: sha256(plain) }).toEqual({ bytes: manifest.archive.bytes, sha256: manifest.archive.sha256 });
    const dryRun = await runCli(['restore', out, '--dry-run', '--uri', services.mongodbUri, '--ns-from', `${fidelityDb.databaseName}.*`, '--ns-to', `${target}.*`], QUIET);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(await collectionNames(target)).toEqual([]);
  });

  it('stores no plaintext: the sentinel is in an unencrypted backup and not in the encrypted one', async () => {
    const encrypted = await backupCli(sentinelDb, dest.url, keyCase.encrypt(), { extra: ['--compression', 'none'], viaEnv: keyCase.viaEnv });
    const plain = await backupCli(sentinelDb, dest.url, undefined, { extra: ['--compression', 'none'] });
    expect(encrypted.archive.key).toMatch(/\/backup\.archive\.enc$/);
    expect((await readObject(dest.storage, plain.archive.key)).includes(SENTINEL)).toBe(true);
    const stored = await readObject(dest.storage, encrypted.archive.key);
    expect(stored.includes(SENTINEL)).toBe(false);
    expect(stored.includes(Buffer.from(SENTINEL, 'utf16le'))).toBe(false);
  });

  it('list, inspect, status and prune --dry-run need no key', async () => {
    const list = await runCli(['list', '--from', dest.url], QUIET);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(manifest.id);
    const inspect = await runCli(['inspect', manifest.id, '--from', dest.url, '--json'], QUIET);
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ id: manifest.id, encryption: keyCase.recorded() });
    const status = await runCli(['status', '--from', dest.url], QUIET);
    expect(status.code, status.stderr).toBe(0);
    const prune = await runCli(['prune', '--from', dest.url, '--keep-last', '1', '--dry-run'], QUIET);
    expect(prune.code, prune.stderr).toBe(0);
    expect(await allKeys(dest.storage)).toContain(manifest.archive.key);
  });
});

/**
 * The AWS Encryption SDK message header (v2, the committing suites'): version, suite id, message
 * id (32), the encryption context (its length first), then the encrypted data keys (a count, then
 * for each: provider id, provider info and wrapped key, each with its length). Where those keys are.
 */
function encryptedDataKeys(message: Buffer): { start: number; end: number } {
  expect(message[0], 'message format version 2').toBe(2);
  let at = 1 + 2 + 32;
  at += 2 + message.readUInt16BE(at);
  const start = at;
  const count = message.readUInt16BE(at);
  at += 2;
  for (let i = 0; i < count * 3; i++) at += 2 + message.readUInt16BE(at);
  // Proof the walk is right: framed content (type 2) in 256 KiB frames follows.
  expect([message[at], message.readUInt32BE(at + 1)]).toEqual([2, 256 * 1024]);
  return { start, end: at };
}

function flipped(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = (copy[at] ?? 0) ^ 0x01;
  return copy;
}

describe('refusals', () => {
  let dest: TestDestination;
  let refusalDb: Db;
  /** A and B: key-file backups of the same data; R and R2: public-key ones. */
  let a: Manifest;
  let b: Manifest;
  let r: Manifest;
  let r2: Manifest;

  beforeAll(async () => {
    dest = await freshDestination('local');
    refusalDb = client.db(uniqueName('enc_refusal'));
    // Over 1 MiB uncompressed: the ciphertext has several 256 KiB frames.
    await refusalDb.collection<{ _id: number; data: string }>('blobs').insertMany(Array.from({ length: 600 }, (_, i) => ({ _id: i, data: randomBytes(1500).toString('base64') })));
    const none = ['--compression', 'none'];
    a = await backupCli(refusalDb, dest.url, `key-file:${keys.file}`, { extra: none });
    // A second apart: two backups started in the same second get ids "<id>" and "<id>-2", and the
    // two bytes more in b's header (its id is bound into it) would make the swap a size mismatch.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    b = await backupCli(refusalDb, dest.url, `key-file:${keys.file}`, { extra: none });
    r = await backupCli(refusalDb, dest.url, `public-key:${keys.publicPem}`, { extra: none });
    r2 = await backupCli(refusalDb, dest.url, `public-key:${keys.publicPem}`, { extra: none });
  });

  afterAll(async () => {
    await refusalDb.dropDatabase();
  });

  /** verify exits 3 with `problem`; restore exits 1 ("refusing to restore …") with `problem` and writes nothing. */
  async function expectRefusedToRead(manifest: Manifest, keyArgs: string[], problem: RegExp): Promise<void> {
    const verified = await runCli(['verify', manifest.id, '--from', dest.url, ...keyArgs], QUIET);
    expectVerifyFailed(verified, manifest.id, problem);
    const target = uniqueName('enc_refused');
    const restored = await runCli(['restore', manifest.id, '--from', dest.url, '--uri', services.mongodbUri, '--ns-from', `${refusalDb.databaseName}.*`, '--ns-to', `${target}.*`, ...keyArgs], QUIET);
    expectRefused(restored, 1, new RegExp(`^mongosafe: refusing to restore backup ${manifest.id} in \\S+: .*${problem.source}`));
    expect(await collectionNames(target)).toEqual([]);
  }

  const keyFile = () => ['--encrypt', `key-file:${keys.file}`];
  const privateKey = () => ['--decrypt-key', `private-key:${keys.privatePem}`];

  it('the backups open with their own keys (so every refusal below is the damage or the key)', async () => {
    for (const [manifest, args] of [[a, keyFile()], [r, privateKey()]] as const) {
      const run = await runCli(['verify', manifest.id, '--from', dest.url, ...args], QUIET);
      expect(run.code, run.stdout + run.stderr).toBe(0);
    }
    expect(a.encryption?.ciphertextBytes).toBeGreaterThan(3 * 256 * 1024);
  });

  it('a wrong key file', async () => {
    await expectRefusedToRead(a, ['--encrypt', `key-file:${keys.otherFile}`], /wrong key for backup \S+: it was encrypted with key sha256:/);
  });

  it('a wrong private key', async () => {
    await expectRefusedToRead(r, ['--decrypt-key', `private-key:${keys.otherPrivatePem}`], /wrong key for backup \S+: it was encrypted with key sha256:/);
  });

  it('no key at all, and export writes no file', async () => {
    await expectRefusedToRead(a, [], /is encrypted with a key file \(key sha256:[0-9a-f]+\): give --encrypt key-file:PATH/);
    await expectRefusedToRead(r, [], /is encrypted with an RSA public key \(key sha256:[0-9a-f]+\): give --decrypt-key private-key:PEM/);
    const out = join(work, 'no-key.archive');
    const exported = await runCli(['export', a.id, '--from', dest.url, '--out', out], QUIET);
    expectRefused(exported, 1, /give --encrypt key-file:PATH/);
    await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('one flipped byte in the ciphertext body, and export writes no file', async () => {
    await withStoredObject(dest.storage, a, (stored) => flipped(stored, Math.floor(stored.length / 2)), async () => {
      await expectRefusedToRead(a, keyFile(), /the encrypted archive fails authentication: it was altered or truncated after it was written/);
      const out = join(work, 'flipped.archive');
      const exported = await runCli(['export', a.id, '--from', dest.url, '--out', out, ...keyFile()], QUIET);
      expectRefused(exported, 1, /the encrypted archive fails authentication/);
      await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' });
    });
  });

  it('one flipped byte in the header (the message id)', async () => {
    await withStoredObject(dest.storage, a, (stored) => flipped(stored, 10), async () => {
      await expectRefusedToRead(a, keyFile(), /the encrypted archive's header or data key does not authenticate with its key/);
    });
  });

  it("another backup's stored object under this manifest", async () => {
    expect(b.encryption?.ciphertextBytes).toBe(a.encryption?.ciphertextBytes);
    const other = await readObject(dest.storage, b.archive.key);
    await withStoredObject(dest.storage, a, () => other, async () => {
      await expectRefusedToRead(a, keyFile(), new RegExp(`the encrypted archive belongs to backup ${b.id}`));
    });
  });

  it.each([
    ['key-file', () => [a, b] as const, keyFile],
    ['public-key', () => [r, r2] as const, privateKey],
  ])("another backup's encrypted data key in the header (%s)", async (_kind, pair, args) => {
    const [victim, donor] = pair();
    const donorBytes = await readObject(dest.storage, donor.archive.key);
    const donorKeys = encryptedDataKeys(donorBytes);
    await withStoredObject(
      dest.storage,
      victim,
      (stored) => {
        const own = encryptedDataKeys(stored);
        expect(own.end - own.start).toBe(donorKeys.end - donorKeys.start);
        const swapped = Buffer.concat([stored.subarray(0, own.start), donorBytes.subarray(donorKeys.start, donorKeys.end), stored.subarray(own.end)]);
        expect(swapped.equals(stored)).toBe(false);
        return swapped;
      },
      async () => {
        await expectRefusedToRead(victim, args(), /the encrypted archive's header or data key does not authenticate with its key/);
      },
    );
  });

  it('a truncated object', async () => {
    const bytes = a.encryption?.ciphertextBytes ?? 0;
    await withStoredObject(dest.storage, a, (stored) => stored.subarray(0, stored.length - 100), async () => {
      await expectRefusedToRead(a, keyFile(), new RegExp(`the encrypted archive ${a.archive.key} has ${bytes - 100} bytes, the manifest says ${bytes}`));
    });
  });
});

describe('encryption asked for and impossible: nothing is written', () => {
  /** Every object under data/ or manifests/ of the destination (seen from above it, so a folder never made counts as empty). */
  async function backupObjects(dest: TestDestination): Promise<string[]> {
    return (await allKeys(dest.outside)).filter((key) => key.startsWith(`${dest.base}data/`) || key.startsWith(`${dest.base}manifests/`));
  }

  // A disabled KMS key is not among them: moto's GenerateDataKey ignores the key state (moto 5.2.5,
  // kms/models.py), so test/unit/crypto/kms.test.ts proves what DisabledException becomes instead.
  const cases: Array<[string, 'local' | 's3', () => Promise<string>, RegExp]> = [
    ['a missing key file', 'local', () => Promise.resolve(`key-file:${join(work, 'no-such.key')}`), /the key file \S+no-such\.key does not exist/],
    ['a 2048-bit public key', 'local', async () => `public-key:${await writeKey('public-2048.pem', rsaPair(2048).publicPem)}`, /the RSA key has 2048 bits; at least 3072 are needed/],
    ['a KMS alias that does not exist', 's3', () => Promise.resolve(`kms:alias/${uniqueName('no-such-key')}`), /KMS key alias\/no-such-key\S* does not exist/],
  ];

  it.each(cases)('%s', async (_what, kind, encrypt, line) => {
    const dest = await freshDestination(kind);
    const run = await runCli(['backup', '--db', sentinelDb.databaseName, '--to', dest.url, '--encrypt', await encrypt()], { ...QUIET, MONGODB_URI: services.mongodbUri });
    expectRefused(run, 1, line);
    expect(await backupObjects(dest)).toEqual([]);
  });
});
