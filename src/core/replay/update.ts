/**
 * Oplog update entries (`op: "u"`) applied to a document, as mongod's oplog applier does:
 * research/oplog-replay.md §2. Works on the ordered tree (bson-tree.ts) so field order, integer-like
 * names and every value's bytes come out as the server would write them.
 */
import { MongosafeError } from '../../errors.js';
import {
  BSON_TYPE,
  bsonNull,
  parseDocument,
  serializeDocument,
  type BsonArray,
  type BsonDocument,
  type BsonField,
  type BsonScalar,
  type BsonValue,
} from './bson-tree.js';

/** `o` has `_id`: a replacement; else `$v: 2`: a delta (`diff`); else classic `$set`/`$unset`. */
export type UpdateKind = 'replacement' | 'delta' | 'classic';

/** Which kind of update the entry's `o` (raw BSON) is. */
export function updateKind(o: Uint8Array): UpdateKind {
  return kindOf(parseDocument(o));
}

/**
 * The document (raw BSON) after the update entry's `o` (raw BSON) is applied to it, byte for
 * byte as mongod's applier would write it (field order included). Throws a MongosafeError
 * (code CORRUPT, details.kind 'invalid') for an `o` it cannot apply exactly, naming why.
 */
export function applyUpdate(document: Uint8Array, o: Uint8Array): Uint8Array {
  const update = parseDocument(o);
  const kind = kindOf(update);
  // The replacement is the whole new document, `_id` first, exactly as logged.
  if (kind === 'replacement') return o;
  const target = parseDocument(document);
  if (kind === 'delta') applyDocumentDiff(target, parseDocumentDiff(deltaDiffOf(update), 'diff'));
  else applyClassic(target, update);
  return serializeDocument(target);
}

// `_id` is tested first: in a replacement a `$v` field is the user's data [S3 extractUpdateType].
function kindOf(o: BsonDocument): UpdateKind {
  if (o.fields.some((field) => field.name === '_id')) return 'replacement';
  const version = o.fields.find((field) => field.name === '$v')?.value;
  return version !== undefined && numberOf(version) === 2 ? 'delta' : 'classic';
}

function invalid(message: string): MongosafeError {
  return new MongosafeError('CORRUPT', `oplog update: ${message}`, 'the oplog entry cannot be applied exactly; take a fresh backup', {
    details: { kind: 'invalid' },
  });
}

function numberOf(value: BsonValue): number | undefined {
  if (value.kind !== 'scalar') return undefined;
  const view = new DataView(value.bytes.buffer, value.bytes.byteOffset, value.bytes.byteLength);
  if (value.type === BSON_TYPE.INT32 && value.bytes.byteLength === 4) return view.getInt32(0, true);
  if (value.type === BSON_TYPE.INT64 && value.bytes.byteLength === 8) return Number(view.getBigInt64(0, true));
  if (value.type === BSON_TYPE.DOUBLE && value.bytes.byteLength === 8) return view.getFloat64(0, true);
  return undefined;
}

function integerOf(value: BsonValue, what: string): number {
  const number = numberOf(value);
  if (number === undefined || !Number.isSafeInteger(number) || number < 0) throw invalid(`${what} is not a non-negative integer`);
  return number;
}

// ---------------------------------------------------------------------------------------------
// Classic ($v: 1, or no $v before 3.6): $set and $unset of concrete dotted paths.

/** mongod refuses to backfill an array by more than this many nulls (`kMaxPaddingAllowed`). */
const MAX_CLASSIC_PADDING = 1_500_000;

function applyClassic(target: BsonDocument, update: BsonDocument): void {
  for (const { name, value } of update.fields) {
    // `$v` is the log format, not a modifier: a user update carrying it is refused as internal.
    if (name === '$v') continue;
    if (name !== '$set' && name !== '$unset') throw invalid(`a classic update holds "${name}"; only $set and $unset are logged`);
    if (value.kind !== 'document') throw invalid(`${name} is not a document`);
    for (const field of value.fields) {
      const path = pathOf(field.name, name);
      if (name === '$set') setPath(target, path, field.value);
      else unsetPath(target, path);
    }
  }
}

function pathOf(dotted: string, operator: string): string[] {
  const path = dotted.split('.');
  if (path.some((component) => component === '')) throw invalid(`${operator} path "${dotted}" has an empty component`);
  return path;
}

/** An array index as mongod reads a path component: decimal digits, no leading zero. */
function indexOf(component: string): number | undefined {
  return /^(0|[1-9][0-9]*)$/.test(component) ? Number(component) : undefined;
}

/** The value at the end of `rest`, wrapped in new documents for each missing component. */
function created(rest: string[], value: BsonValue): BsonValue {
  return rest.reduceRight<BsonValue>((inner, name) => ({ kind: 'document', fields: [{ name, value: inner }] }), value);
}

function padTo(array: BsonArray, length: number): void {
  while (array.items.length < length) array.items.push(bsonNull());
}

/**
 * `$set` of one path. A component that meets a scalar, or a field name that meets an array, makes
 * the path non-viable: in oplog mode mongod skips just that path [S5 applyToNonexistentElement].
 */
function setPath(root: BsonDocument, path: string[], value: BsonValue): void {
  let container: BsonDocument | BsonArray = root;
  for (const [depth, component] of path.entries()) {
    const last = depth === path.length - 1;
    const rest = path.slice(depth + 1);
    if (container.kind === 'document') {
      const field: BsonField | undefined = container.fields.find((candidate) => candidate.name === component);
      if (field === undefined) {
        container.fields.push({ name: component, value: created(rest, value) });
        return;
      }
      if (last) {
        field.value = value;
        return;
      }
      if (field.value.kind === 'scalar') return;
      container = field.value;
    } else {
      const index = indexOf(component);
      if (index === undefined) return;
      if (index >= container.items.length) {
        if (index - container.items.length > MAX_CLASSIC_PADDING) throw invalid(`$set of "${path.join('.')}" would pad an array with more than ${MAX_CLASSIC_PADDING} nulls`);
        padTo(container, index);
        container.items.push(created(rest, value));
        return;
      }
      if (last) {
        container.items[index] = value;
        return;
      }
      const item: BsonValue | undefined = container.items[index];
      if (item === undefined || item.kind === 'scalar') return;
      container = item;
    }
  }
}

/** `$unset` of one path: a missing or non-viable path is left alone; an array element becomes null. */
function unsetPath(root: BsonDocument, path: string[]): void {
  let container: BsonDocument | BsonArray = root;
  for (const [depth, component] of path.entries()) {
    const last = depth === path.length - 1;
    let next: BsonValue | undefined;
    if (container.kind === 'document') {
      const at = container.fields.findIndex((candidate) => candidate.name === component);
      if (at < 0) return;
      if (last) {
        container.fields.splice(at, 1);
        return;
      }
      next = container.fields[at]?.value;
    } else {
      const index = indexOf(component);
      if (index === undefined || index >= container.items.length) return;
      if (last) {
        container.items[index] = bsonNull();
        return;
      }
      next = container.items[index];
    }
    if (next === undefined || next.kind === 'scalar') return;
    container = next;
  }
}

// ---------------------------------------------------------------------------------------------
// Delta ($v: 2): the diff grammar of research §2.1, parsed whole (so a malformed part is refused even
// where the document no longer has the field), then applied.

interface DocumentDiff {
  kind: 'document';
  deletes: string[];
  updates: BsonField[];
  inserts: BsonField[];
  binaries: Array<{ name: string; offset: number; data: BsonScalar }>;
  subDiffs: Array<{ name: string; diff: Diff }>;
}

interface ArrayDiff {
  kind: 'array';
  /** `l`: the array's final length. */
  length?: number;
  entries: Array<{ index: number; update: BsonValue } | { index: number; diff: Diff }>;
}

type Diff = DocumentDiff | ArrayDiff;

/** The document diffs' letter sections, in the only order the reader accepts [S2 DocumentDiffReader]. */
const SECTIONS = ['d', 'u', 'i', 'b'] as const;

/** A document can hold no more array elements than this (16 MiB, at least 3 bytes per element). */
const MAX_ARRAY_INDEX = Math.floor((16 * 1024 * 1024) / 3);

function deltaDiffOf(update: BsonDocument): BsonDocument {
  let diff: BsonDocument | undefined;
  for (const { name, value } of update.fields) {
    if (name === '$v') continue;
    if (name !== 'diff') throw invalid(`a $v:2 update holds "${name}" beside $v and diff`);
    if (value.kind !== 'document') throw invalid('diff is not a document');
    diff = value;
  }
  if (diff === undefined) throw invalid('a $v:2 update has no diff');
  return diff;
}

function parseDiff(value: BsonValue, where: string): Diff {
  if (value.kind !== 'document') throw invalid(`${where} is not a document`);
  return value.fields[0]?.name === 'a' ? parseArrayDiff(value, where) : parseDocumentDiff(value, where);
}

function parseDocumentDiff(diff: BsonDocument, where: string): DocumentDiff {
  if (diff.fields.length === 0) throw invalid(`${where} is an empty diff`);
  const parsed: DocumentDiff = { kind: 'document', deletes: [], updates: [], inserts: [], binaries: [], subDiffs: [] };
  const named = new Set<string>();
  const name = (field: string, section: string): void => {
    if (named.has(field)) throw invalid(`${where} names field "${field}" twice (again in ${section})`);
    named.add(field);
  };
  // Sections rank 0..3 in SECTIONS order, sub-diffs 4: each key must rank above the last letter section.
  let rank = -1;
  for (const { name: key, value } of diff.fields) {
    const section = SECTIONS.indexOf(key as (typeof SECTIONS)[number]);
    if (section >= 0) {
      if (section <= rank) throw invalid(`${where}: section "${key}" is repeated or out of order (d, u, i, b, then s<field>)`);
      rank = section;
      if (value.kind !== 'document') throw invalid(`${where}.${key} is not a document`);
      for (const field of value.fields) {
        name(field.name, key);
        if (key === 'd') parsed.deletes.push(field.name);
        else if (key === 'u') parsed.updates.push(field);
        else if (key === 'i') parsed.inserts.push(field);
        else parsed.binaries.push(parseBinaryPatch(field, `${where}.b.${field.name}`));
      }
    } else if (key.startsWith('s')) {
      rank = SECTIONS.length;
      // The name is the key minus its "s", verbatim: it may be empty, numeric, dotted or $-prefixed.
      const field = key.slice(1);
      name(field, key);
      parsed.subDiffs.push({ name: field, diff: parseDiff(value, `${where}.${key}`) });
    } else {
      throw invalid(`${where}: unknown section "${key}"`);
    }
  }
  return parsed;
}

function parseBinaryPatch(field: BsonField, where: string): DocumentDiff['binaries'][number] {
  const patch = field.value;
  if (patch.kind !== 'document') throw invalid(`${where} is not a document {o, d}`);
  let offset: number | undefined;
  let data: BsonScalar | undefined;
  for (const { name, value } of patch.fields) {
    if (name === 'o') offset = integerOf(value, `${where}.o`);
    else if (name === 'd' && value.kind === 'scalar' && value.type === BSON_TYPE.BINARY) data = value;
    else throw invalid(`${where}: unexpected "${name}" (a binary patch is {o: offset, d: BinData})`);
  }
  if (offset === undefined || data === undefined) throw invalid(`${where} lacks o or d`);
  return { name: field.name, offset, data };
}

function parseArrayDiff(diff: BsonDocument, where: string): ArrayDiff {
  const [marker, ...rest] = diff.fields;
  const value = marker?.value;
  if (value?.kind !== 'scalar' || value.type !== BSON_TYPE.BOOLEAN || value.bytes[0] !== 1) throw invalid(`${where}.a is not true`);
  const parsed: ArrayDiff = { kind: 'array', entries: [] };
  let previous = -1;
  for (const [position, { name: key, value: item }] of rest.entries()) {
    if (key === 'l' && position === 0) {
      parsed.length = integerOf(item, `${where}.l`);
      if (parsed.length > MAX_ARRAY_INDEX) throw invalid(`${where}.l (${parsed.length}) is beyond any document's size`);
      continue;
    }
    const match = /^([us])([0-9]+)$/.exec(key);
    if (match === null) throw invalid(`${where}: unknown array diff key "${key}" (a, then l, then u<N> or s<N>)`);
    const index = Number(match[2]);
    if (index <= previous) throw invalid(`${where}: "${key}" is repeated or out of ascending order`);
    if (index >= MAX_ARRAY_INDEX) throw invalid(`${where}: "${key}" is beyond any document's size`);
    if (parsed.length !== undefined && index >= parsed.length) throw invalid(`${where}: "${key}" is at or past the final length l (${parsed.length})`);
    previous = index;
    parsed.entries.push(match[1] === 'u' ? { index, update: item } : { index, diff: parseDiff(item, `${where}.${key}`) });
  }
  return parsed;
}

/** A sub-diff against the current value: of the other type, or missing → null [S2 applier]. */
function appliedTo(current: BsonValue | undefined, diff: Diff): BsonValue {
  if (diff.kind === 'document' && current?.kind === 'document') return applyDocumentDiff(current, diff);
  if (diff.kind === 'array' && current?.kind === 'array') return applyArrayDiff(current, diff);
  return bsonNull();
}

/**
 * Existing fields keep their places (updated, sub-diffed, patched or removed); `i` fields leave
 * theirs. Then come the `u` fields that did not exist, in `u` order, then every `i` field, in `i`
 * order [S2 applyDiffToObject].
 */
function applyDocumentDiff(document: BsonDocument, diff: DocumentDiff): BsonDocument {
  const deletes = new Set(diff.deletes);
  const inserts = new Set(diff.inserts.map((field) => field.name));
  const updates = new Map(diff.updates.map((field) => [field.name, field.value]));
  const subDiffs = new Map(diff.subDiffs.map((entry) => [entry.name, entry.diff]));
  const binaries = new Map(diff.binaries.map((entry) => [entry.name, entry]));
  const present = new Set<string>();
  const fields: BsonField[] = [];
  for (const field of document.fields) {
    present.add(field.name);
    if (deletes.has(field.name) || inserts.has(field.name)) continue;
    const update = updates.get(field.name);
    const subDiff = subDiffs.get(field.name);
    const binary = binaries.get(field.name);
    if (update !== undefined) fields.push({ name: field.name, value: update });
    else if (subDiff !== undefined) fields.push({ name: field.name, value: appliedTo(field.value, subDiff) });
    else if (binary !== undefined) fields.push({ name: field.name, value: patchedBinary(field, binary.offset, binary.data) });
    else fields.push(field);
  }
  for (const field of diff.updates) if (!present.has(field.name)) fields.push(field);
  fields.push(...diff.inserts);
  document.fields = fields;
  return document;
}

/** `u<N>` past the end pads with nulls; `l` cuts or pads to the final length. */
function applyArrayDiff(array: BsonArray, diff: ArrayDiff): BsonArray {
  if (diff.length !== undefined && array.items.length > diff.length) array.items.length = diff.length;
  for (const entry of diff.entries) {
    const current = array.items[entry.index];
    padTo(array, entry.index);
    array.items[entry.index] = 'update' in entry ? entry.update : appliedTo(current, entry.diff);
  }
  if (diff.length !== undefined) padTo(array, diff.length);
  return array;
}

/**
 * A time-series compressed column (BinData subtype 7) patched in place: its first `offset` bytes
 * kept, `data`'s bytes appended [S8 makeBSONColumnDocDiff]. The subtype stays the current one.
 */
function patchedBinary(field: BsonField, offset: number, data: BsonScalar): BsonScalar {
  const current = field.value;
  if (current.kind !== 'scalar' || current.type !== BSON_TYPE.BINARY) {
    throw invalid(`a binary patch (b) targets "${field.name}", which is not BinData but ${current.kind === 'scalar' ? `BSON type 0x${current.type.toString(16)}` : `an ${current.kind}`}`);
  }
  const length = binaryLength(current);
  if (offset > length) throw invalid(`a binary patch (b) of "${field.name}" keeps ${offset} bytes of ${length}`);
  const appended = data.bytes.subarray(5);
  const bytes = new Uint8Array(5 + offset + appended.byteLength);
  new DataView(bytes.buffer).setInt32(0, offset + appended.byteLength, true);
  bytes[4] = current.bytes[4] ?? 0;
  bytes.set(current.bytes.subarray(5, 5 + offset), 5);
  bytes.set(appended, 5 + offset);
  return { kind: 'scalar', type: BSON_TYPE.BINARY, bytes };
}

/** The data length of a BinData value's bytes (int32 length, subtype, data). */
function binaryLength(value: BsonScalar): number {
  return new DataView(value.bytes.buffer, value.bytes.byteOffset, value.bytes.byteLength).getInt32(0, true);
}
