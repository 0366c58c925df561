// Damaged manifests and archives of a real backup in a local destination (an
// archive from encodeArchive, gzip from the product's compressor, a manifest as
// backup writes it; no server). Every case must end in a typed MongosafeError or
// a correct result: never a crash, a hang, or `verify` passing a backup whose
// manifest or data was changed. The test/unit/archive fuzz test covers the
// reader alone; here the damage goes through parseManifest, verify, list and
// inspect. MONGOSAFE_FUZZ_CASES sets the cases per kind (default 1000) for
// longer runs (npm run bench).
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Binary, Double, Int32, Long } from 'bson';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCompressor } from '../../../src/archive/compression.js';
import { crc64Hex } from '../../../src/archive/crc64.js';
import type { NamespaceSummary } from '../../../src/archive/types.js';
import { encodeArchive } from '../../../src/archive/writer.js';
import { inspect } from '../../../src/core/inspect.js';
import { list } from '../../../src/core/list.js';
import { archiveKey, manifestKey, parseManifest, type Manifest } from '../../../src/core/manifest.js';
import { verify } from '../../../src/core/verify.js';
import { MongosafeError } from '../../../src/errors.js';
import { LocalStorage } from '../../../src/storage/local/local-storage.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { concatAll, randomSource, readEverything } from '../archive/archive-io.js';
import { rawDoc } from '../archive/archive-parts.js';
import { mutateBytes } from '../../helpers/mutate-bytes.js';
import { testManifest } from '../../helpers/test-manifest.js';

const CASES = Number(process.env.MONGOSAFE_FUZZ_CASES ?? 1000);
const ID = '20261126T030000Z';
const HANG_MS = 5000;
// About 5 ms a case; longer runs get the time they need.
const TIMEOUT_MS = Math.max(60_000, CASES * 20);

let storage: LocalStorage;
let root: string;
let manifest: Manifest;
let manifestText: string;
/** The archive before compression, and as stored. */
let raw: Uint8Array;
let stored: Uint8Array;

function documents(n: number, seed: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) =>
    rawDoc({ _id: new Int32(i), title: `recipe ${seed}-${i}`, price: new Double(i / 4), big: Long.fromNumber(i * 1_000_003), tag: new Binary(Buffer.from([i & 255, seed])), steps: ['mix', 'bake'] }),
  );
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  return concatAll(Readable.from([bytes]).pipe(createCompressor('gzip')));
}

/** The manifest `backup` would write for this archive (src/core/backup.ts buildManifest). */
function manifestFor(summaries: NamespaceSummary[], archive: Uint8Array): Manifest {
  const namespaces = summaries.map((s) => ({
    db: s.db,
    collection: s.collection,
    type: 'collection' as const,
    documents: s.documents,
    bsonBytes: s.bsonBytes,
    crc64: crc64Hex(s.crc64),
    indexes: [{ name: '_id_', key: { _id: 1 } }],
    options: {},
  }));
  return testManifest(ID, { key: archiveKey(ID, 'gzip'), format: 'mongodump-archive', compression: 'gzip', bytes: archive.length, sha256: sha256(archive), mongorestoreCompatible: true }, namespaces);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Writes over the stored objects directly: damage, as a bad disk or a careless hand would do it. */
async function store(manifestBody: string, archive: Uint8Array = stored): Promise<void> {
  await writeFile(join(root, ...manifestKey(ID).split('/')), manifestBody);
  await writeFile(join(root, ...archiveKey(ID, 'gzip').split('/')), archive);
}

beforeAll(async () => {
  root = await tempDir('mongosafe-fuzz-');
  storage = new LocalStorage(root);
  const summaries: NamespaceSummary[] = [];
  raw = await concatAll(
    encodeArchive(
      { concurrentCollections: 2, version: '0.1', serverVersion: '8.0.4', toolVersion: 'mongosafe-test' },
      [
        { db: 'recipes', collection: 'cakes', metadata: '', type: 'collection' },
        { db: 'recipes', collection: 'pies', metadata: '', type: 'collection' },
        { db: 'users', collection: 'empty', metadata: '', type: 'collection' },
      ],
      [
        { kind: 'documents', db: 'recipes', collection: 'cakes', documents: documents(20, 1) },
        { kind: 'documents', db: 'recipes', collection: 'pies', documents: documents(7, 2) },
        { kind: 'documents', db: 'recipes', collection: 'cakes', documents: documents(12, 3) },
        { kind: 'end', db: 'recipes', collection: 'cakes' },
        { kind: 'end', db: 'users', collection: 'empty' },
        { kind: 'end', db: 'recipes', collection: 'pies' },
      ],
      { onNamespaceEnd: (summary) => summaries.push(summary) },
    ),
  );
  stored = await gzip(raw);
  manifest = manifestFor(summaries, stored);
  manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
  await mkdir(join(root, 'manifests'));
  await mkdir(join(root, 'data', ID), { recursive: true });
});

// Each test starts from the pristine backup, whatever the one before left behind.
beforeEach(() => store(manifestText));

/** Settles within HANG_MS or fails the case as a hang. */
async function settle<T>(what: string, run: () => Promise<T>): Promise<{ value: T } | { error: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} hung`)), HANG_MS);
  });
  try {
    return { value: await Promise.race([run(), hang]) };
  } catch (error) {
    if (error instanceof Error && error.message === `${what} hung`) throw error;
    return { error };
  } finally {
    clearTimeout(timer);
  }
}

/** A thrown error must be ours; anything else is a crash. */
function expectTyped(error: unknown, what: string): void {
  expect(error, `${what}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`).toBeInstanceOf(MongosafeError);
}

/** What `verify` vouches for when it passes: the archive object and every namespace's contents. */
function checkedFields(m: Manifest): string {
  return JSON.stringify({
    id: m.id,
    archive: [m.archive.key, m.archive.bytes, m.archive.sha256],
    namespaces: m.namespaces.map((ns) => [ns.db, ns.collection, ns.documents, ns.bsonBytes, ns.crc64]),
    totals: [m.totals.namespaces, m.totals.documents, m.totals.bsonBytes],
  });
}

// ---- manifest mutations ----------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every [container, key] in a JSON value, depth first. */
function slots(value: Json, out: Array<[Json[] | { [key: string]: Json }, string | number]> = []): typeof out {
  if (value === null || typeof value !== 'object') return out;
  for (const key of Array.isArray(value) ? value.keys() : Object.keys(value)) {
    out.push([value, key]);
    slots((value as Record<string | number, Json>)[key] as Json, out);
  }
  return out;
}

function pick<T>(items: readonly T[], random: () => number): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('nothing to pick from');
  return item;
}

const HEX = '0123456789abcdef';

/** A value near the old one: what a bit of damage or a plausible edit would leave. */
function nearby(old: Json, random: () => number): Json {
  if (typeof old === 'number') return pick([old + 1, old - 1, old * 2, -old, old + 0.5, 0, 2 ** 53, 1e308], random);
  if (typeof old === 'string' && old.length > 0) {
    const at = Math.floor(random() * old.length);
    const hex = /^[0-9a-f]+$/.test(old);
    // Hex stays hex, so that the damage gets past the format checks to the comparisons.
    const replacement = hex ? pick([...HEX].filter((c) => c !== old[at]), random) : String.fromCharCode(old.charCodeAt(at) ^ (1 << Math.floor(random() * 5)));
    return old.slice(0, at) + replacement + old.slice(at + 1);
  }
  return anyValue(random);
}

function anyValue(random: () => number): Json {
  return pick<Json>([null, true, false, 0, -1, 1.5, 1e308, '', 'x', '20261126T030000Z', 'a'.repeat(64), [], [null], {}, { db: 'x' }], random);
}

/** One to three random edits of the manifest: on its JSON value, or on its text. */
function mutateManifest(random: () => number): { text: string; what: string } {
  const value = JSON.parse(manifestText) as Json;
  const edits: string[] = [];
  let text: string | undefined;
  let duplicate: { key: string; value: Json } | undefined;
  for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
    const [container, key] = pick(slots(value), random);
    const old = (container as Record<string | number, Json>)[key] as Json;
    const kind = random();
    if (kind < 0.2) {
      if (Array.isArray(container)) container.splice(key as number, 1);
      else delete container[key];
      edits.push(`delete ${key}`);
    } else if (kind < 0.55) {
      (container as Record<string | number, Json>)[key] = nearby(old, random);
      edits.push(`nudge ${key}`);
    } else if (kind < 0.75) {
      (container as Record<string | number, Json>)[key] = anyValue(random);
      edits.push(`retype ${key}`);
    } else if (kind < 0.85 && Array.isArray(container)) {
      container.splice(key as number, 0, structuredClone(old));
      edits.push(`repeat element ${key}`);
    } else if (kind < 0.92 && !Array.isArray(container)) {
      // JSON.parse keeps the last of duplicate keys: the text carries both, the nudged one first or last.
      duplicate = { key: String(key), value: nearby(old, random) };
      edits.push(`duplicate key ${key}`);
    } else {
      (container as Record<string | number, Json>)[typeof key === 'number' ? key : `${key}Extra`] = anyValue(random);
      edits.push(`add ${key}Extra`);
    }
  }
  text = JSON.stringify(value, null, 2);
  if (duplicate) {
    const line = `"${duplicate.key}": ${JSON.stringify(duplicate.value)},`;
    const at = text.indexOf(`"${duplicate.key}":`);
    if (at !== -1) text = random() < 0.5 ? text.slice(0, at) + line + text.slice(at) : text.replace(/\n}$/, `,\n${line.slice(0, -1)}\n}`);
  }
  const textual = random();
  if (textual < 0.15) {
    const at = Math.floor(random() * text.length);
    text = text.slice(0, at) + String.fromCharCode(32 + Math.floor(random() * 95)) + text.slice(at + 1);
    edits.push(`flip char ${at}`);
  } else if (textual < 0.25) {
    const at = Math.floor(random() * text.length);
    text = text.slice(0, at);
    edits.push(`truncate at ${at}`);
  }
  return { text, what: edits.join(', ') };
}

describe('damaged manifests', () => {
  // A manifest that lies consistently (its totals made to agree) gets past parseManifest: verify must catch it.
  it.each([
    ['sha256', (m: Manifest) => void (m.archive.sha256 = `${m.archive.sha256.slice(0, 63)}${m.archive.sha256.endsWith('0') ? '1' : '0'}`)],
    ['archive size', (m: Manifest) => void m.archive.bytes++],
    ['document count', (m: Manifest) => void (m.namespaces[0] && (m.namespaces[0].documents++, m.totals.documents++))],
    ['namespace size', (m: Manifest) => void (m.namespaces[0] && (m.namespaces[0].bsonBytes++, m.totals.bsonBytes++))],
    ['crc64', (m: Manifest) => void (m.namespaces[0] && (m.namespaces[0].crc64 = '0123456789abcdef'))],
    ['namespace list (one dropped)', (m: Manifest) => void (m.namespaces.pop(), (m.totals = { namespaces: 2, documents: 32, bsonBytes: 3564 }))],
  ])('a manifest with a changed %s never verifies', async (_field, change) => {
    const changed = structuredClone(manifest);
    change(changed);
    const text = JSON.stringify(changed);
    expect(parseManifest(text, 'fuzz').id).toBe(ID);
    await store(text);
    const result = await verify({ backup: ID, storage, record: false });
    expect(result.ok).toBe(false);
    expect(result.backups[0]?.problem).toMatch(/CRC|sha256|bytes|not in the manifest/);
  });

  it(`${CASES} mutated manifests: parseManifest, verify, list and inspect end in a typed error or a correct result`, async () => {
    const pristine = await verify({ backup: ID, storage, record: false });
    expect(pristine.backups[0]).toMatchObject({ ok: true, namespaces: 3, documents: 39 });

    const random = randomSource(20261126);
    const tally = { refusedByParse: 0, verifyFailed: 0, verifyRefused: 0, verifiedUnchanged: 0 };
    for (let round = 0; round < CASES; round++) {
      const { text, what } = mutateManifest(random);
      let parsed: Manifest | undefined;
      try {
        parsed = parseManifest(text, 'fuzz');
      } catch (error) {
        expectTyped(error, `parseManifest after ${what}`);
        expect((error as MongosafeError).code, what).toBe('CORRUPT');
      }
      await store(text);
      const verified = await settle('verify', () => verify({ backup: ID, storage, record: false }));
      if ('error' in verified) {
        expectTyped(verified.error, `verify after ${what}`);
        tally.verifyRefused++;
      } else if (verified.value.ok) {
        // A pass vouches for the backup: the manifest must still say what the pristine one said.
        expect(parsed, `verify passed a manifest parseManifest refused (${what})`).toBeDefined();
        expect(checkedFields(parsed ?? manifest), `verify passed a changed manifest (${what})`).toBe(checkedFields(manifest));
        tally.verifiedUnchanged++;
      } else {
        tally.verifyFailed++;
      }
      if (parsed === undefined) tally.refusedByParse++;
      // The other readers of manifests: whatever parseManifest lets through, they must not trip on.
      const listed = await settle('list', () => list({ storage }));
      if ('error' in listed) expectTyped(listed.error, `list after ${what}`);
      const inspected = await settle('inspect', () => inspect({ backup: ID, storage }));
      if ('error' in inspected) expectTyped(inspected.error, `inspect after ${what}`);
    }
    console.info(`manifest fuzz: ${CASES} cases, ${JSON.stringify(tally)}`);
  }, TIMEOUT_MS);
});

// ---- archive mutations, through verify -------------------------------------------------


/** Each namespace's documents, as the reader returns them from an intact archive. */
async function contents(archive: Uint8Array): Promise<string> {
  const { events } = await readEverything(archive);
  return JSON.stringify(events.flatMap((e) => (e.kind === 'documents' ? [`${e.db}.${e.collection}`, ...e.documents.map((d) => Buffer.from(d).toString('hex'))] : [])));
}

describe('damaged archives, through verify', () => {
  it(`${CASES} mutated archives: verify fails them (or passes an unchanged one), never crashes or hangs`, async () => {
    const random = randomSource(1126);
    const pristineContents = await contents(raw);
    const tally = { storedDamageCaught: 0, storedUnchanged: 0, rehashedDamageCaught: 0, rehashedHarmless: 0 };
    for (let round = 0; round < CASES; round++) {
      // Half: the stored object damaged (sha256 catches it). Half: damage before compression, with the
      // manifest's size and sha256 made to match, so that only the archive's own checks and the
      // manifest's counts and CRCs stand between the damage and a pass.
      const rehashed = round % 2 === 1;
      const { bytes, what } = mutateBytes(rehashed ? raw : stored, random);
      const object = rehashed ? await gzip(bytes) : bytes;
      const body = rehashed ? JSON.stringify({ ...manifest, archive: { ...manifest.archive, bytes: object.length, sha256: sha256(object) } }) : manifestText;
      await store(body, object);
      const outcome = await settle('verify', () => verify({ backup: ID, storage, record: false }));
      if ('error' in outcome) throw new Error(`verify threw after ${what}: ${String(outcome.error)}`);
      const result = outcome.value.backups[0];
      if (result?.ok) {
        if (rehashed) {
          expect(await contents(bytes), `verify passed changed documents (${what})`).toBe(pristineContents);
          tally.rehashedHarmless++;
        } else {
          expect(Buffer.from(bytes).equals(Buffer.from(stored)), `verify passed a changed object (${what})`).toBe(true);
          tally.storedUnchanged++;
        }
        expect(result).toMatchObject({ namespaces: 3, documents: 39 });
      } else {
        expect(result?.problem, what).toBeTruthy();
        if (rehashed) tally.rehashedDamageCaught++;
        else tally.storedDamageCaught++;
      }
    }
    console.info(`archive fuzz through verify: ${CASES} cases, ${JSON.stringify(tally)}`);
  }, TIMEOUT_MS);
});
