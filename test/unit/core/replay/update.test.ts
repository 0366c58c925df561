import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Binary, deserialize, Int32, Long, ObjectId, serialize, Timestamp, type Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { parseDocument, serializeDocument, type BsonDocument } from '../../../../src/core/replay/bson-tree.js';
import { applyUpdate, updateKind } from '../../../../src/core/replay/update.js';
import { MongosafeError } from '../../../../src/errors.js';
import { mongorestoreTestdata } from '../../../helpers/shared-testdata.js';
import { thrown } from '../../../helpers/thrown.js';

/** js-bson keeps a Map's insertion order, so Maps spell documents with integer-like keys. */
type Spelled = Document | Map<string, unknown>;

function bytes(value: Spelled): Buffer {
  return Buffer.from(serialize(value));
}

function applied(document: Spelled, o: Spelled): Buffer {
  return Buffer.from(applyUpdate(bytes(document), bytes(o)));
}

function delta(diff: Spelled): Map<string, unknown> {
  return new Map<string, unknown>([
    ['$v', 2],
    ['diff', diff],
  ]);
}

function m(...entries: Array<[string, unknown]>): Map<string, unknown> {
  return new Map(entries);
}

function refusal(document: Spelled, o: Spelled): unknown {
  const error = thrown(() => applyUpdate(bytes(document), bytes(o)));
  expect(error).toBeInstanceOf(MongosafeError);
  expect(error).toMatchObject({ code: 'CORRUPT', details: { kind: 'invalid' } });
  return error;
}

describe('updateKind', () => {
  it.each<[string, Spelled, string]>([
    ['_id first, even beside $v: 2', m(['_id', 1], ['$v', 2], ['diff', {}]), 'replacement'],
    ['$v: 2 (int32)', { $v: 2, diff: { u: { a: 1 } } }, 'delta'],
    ['$v: 2 (int64)', { $v: Long.fromNumber(2), diff: { u: { a: 1 } } }, 'delta'],
    ['$v: 1', { $v: 1, $set: { a: 1 } }, 'classic'],
    ['no $v (before 3.6)', { $set: { a: 1 } }, 'classic'],
  ])('%s', (_, o, kind) => {
    expect(updateKind(bytes(o))).toBe(kind);
  });
});

describe('applyUpdate: replacement', () => {
  it('is the logged document itself, byte for byte', () => {
    const o = bytes(m(['_id', 7], ['$v', 2], ['9', 'x'], ['a', 1]));
    expect(Buffer.from(applyUpdate(bytes({ _id: 7, old: true }), o))).toEqual(o);
  });
});

describe('applyUpdate: classic $set/$unset', () => {
  it('sets an existing field in place and appends a new one, dropping $v', () => {
    expect(applied({ a: 1, b: 2 }, { $v: 1, $set: { a: 5, c: 3 } })).toEqual(bytes({ a: 5, b: 2, c: 3 }));
  });

  it('creates missing intermediate documents, numeric components as field names', () => {
    expect(applied({ a: 1 }, { $set: { 'x.y.0': 1 } })).toEqual(bytes({ a: 1, x: { y: { '0': 1 } } }));
  });

  it('reads a numeric component as an index on an array, padding with nulls', () => {
    expect(applied({ a: [1] }, { $set: { 'a.3': 9, 'a.0': 0 } })).toEqual(bytes({ a: [0, null, null, 9] }));
  });

  it('creates a document past the end of an array for a longer path', () => {
    expect(applied({ a: [1] }, { $set: { 'a.2.b': 1 } })).toEqual(bytes({ a: [1, null, { b: 1 }] }));
  });

  it('reads a numeric component as a field name on a document', () => {
    expect(applied({ a: { b: 1 } }, { $set: { 'a.0': 2 } })).toEqual(bytes({ a: m(['b', 1], ['0', 2]) }));
  });

  it('skips a path through a scalar or a field name on an array, and applies the rest', () => {
    expect(applied({ a: 'text', l: [1] }, { $set: { 'a.b': 1, 'l.x': 1, c: 2 } })).toEqual(bytes({ a: 'text', l: [1], c: 2 }));
  });

  it('unsets a field, nulls an array element, and leaves missing or non-viable paths alone', () => {
    const document = { a: 1, b: { c: 2, d: 3 }, l: [1, 2], s: 'x' };
    const o = { $v: 1, $unset: { a: true, 'b.c': true, 'l.0': true, 'l.5': true, missing: true, 'x.y': true, 's.t': true } };
    expect(applied(document, o)).toEqual(bytes({ b: { d: 3 }, l: [null, 2], s: 'x' }));
  });

  it('refuses other operators', () => {
    expect(String(refusal({ a: 1 }, { $inc: { a: 1 } }))).toContain('$inc');
  });
});

describe('applyUpdate: $v:2 document diff', () => {
  it('d removes a field; a missing one is nothing', () => {
    expect(applied({ a: 1, b: 2, c: 3 }, delta({ d: { b: false, zz: false } }))).toEqual(bytes({ a: 1, c: 3 }));
  });

  it('u keeps an existing field in its place and appends a missing one', () => {
    expect(applied({ a: 1, b: 2 }, delta({ u: { z: 0, a: { n: 1 } } }))).toEqual(bytes({ a: { n: 1 }, b: 2, z: 0 }));
  });

  it('i moves an existing field to the end', () => {
    expect(applied({ a: 1, b: 2, c: 3 }, delta({ i: { a: 9 } }))).toEqual(bytes({ b: 2, c: 3, a: 9 }));
  });

  it('appends the u fields that did not exist (u order), then the i fields (i order)', () => {
    const o = delta({ d: { gone: false }, u: { y: 1, a: 2, x: 3 }, i: { b: 4, w: 5 } });
    expect(applied({ a: 1, b: 2, gone: 0, c: 3 }, o)).toEqual(bytes({ a: 2, c: 3, y: 1, x: 3, b: 4, w: 5 }));
  });

  it('s recurses into nested documents', () => {
    const o = delta({ sx: { sy: { u: { z: 2 }, i: { w: 1 } } } });
    expect(applied({ x: { y: { z: 1, v: 0 }, k: 1 } }, o)).toEqual(bytes({ x: { y: { z: 2, v: 0, w: 1 }, k: 1 } }));
  });

  it('s takes the field name verbatim: dotted, $-prefixed, numeric, empty', () => {
    const document = m(['a.b', { c: 1 }], ['$x', { c: 1 }], ['7', { c: 1 }], ['', { c: 1 }]);
    const o = delta(m(['sa.b', { u: { c: 2 } }], ['s$x', { u: { c: 3 } }], ['s7', { u: { c: 4 } }], ['s', { u: { c: 5 } }]));
    expect(applied(document, o)).toEqual(bytes(m(['a.b', { c: 2 }], ['$x', { c: 3 }], ['7', { c: 4 }], ['', { c: 5 }])));
  });

  it('s on a missing field is nothing; against a value of the other type it is null', () => {
    const o = delta({ smissing: { u: { a: 1 } }, sscalar: { u: { a: 1 } }, sarr: { u: { a: 1 } }, sdoc: { a: true, u0: 1 } });
    expect(applied({ scalar: 1, arr: [1], doc: { k: 1 } }, o)).toEqual(bytes({ scalar: null, arr: null, doc: null }));
  });

  it('b keeps the first o bytes of a BinData column and appends d', () => {
    const o = delta({ b: { col: { o: 2, d: new Binary(new Uint8Array([9, 8]), 7) } } });
    const document = { a: 1, col: new Binary(new Uint8Array([1, 2, 3, 4]), 7), z: 2 };
    expect(applied(document, o)).toEqual(bytes({ a: 1, col: new Binary(new Uint8Array([1, 2, 9, 8]), 7), z: 2 }));
  });

  it('b against a value that is not BinData is CORRUPT naming the field', () => {
    const o = delta({ b: { col: { o: 0, d: new Binary(new Uint8Array([1]), 7) } } });
    expect(String(refusal({ col: 'text' }, o))).toContain('"col"');
  });

  it('the time-series bucket update of research §5 A: control.max in place, "129" appended to each column', () => {
    const oid = (n: number) => new ObjectId(`60c7df3b15caf5ee94e01f${n.toString(16).padStart(2, '0')}`);
    const date = (ms: number) => new Date(Date.UTC(2021, 5, 14, 22, 59, 7) + ms);
    const column = (values: unknown[]) => m(...values.map((value, index): [string, unknown] => [String(index === 2 ? 128 : index), value]));
    const bucket = (max: [ObjectId, Date], extra: [ObjectId, Date, number] | undefined) => {
      const ts = column([date(1), date(2), date(3)]);
      const measurement = column([1, 2, 3]);
      const ids = column([oid(1), oid(2), oid(3)]);
      if (extra !== undefined) {
        ts.set('129', extra[1]);
        measurement.set('129', extra[2]);
        ids.set('129', extra[0]);
      }
      return m(
        ['_id', new ObjectId('60c7df2bf4549c58ea9377ec')],
        ['control', m(['version', 1], ['min', m(['_id', oid(1)], ['ts', date(1)])], ['max', m(['_id', max[0]], ['ts', max[1]])])],
        ['meta', { device: 2 }],
        ['data', m(['ts', ts], ['measurement', measurement], ['_id', ids])],
      );
    };
    const o = delta(
      m(
        ['scontrol', m(['smax', m(['u', m(['_id', oid(0x7e)], ['ts', date(966)])])])],
        ['sdata', m(['sts', m(['i', m(['129', date(966)])])], ['smeasurement', m(['i', m(['129', 292])])], ['s_id', m(['i', m(['129', oid(0x7e)])])])],
      ),
    );
    const before = bytes(bucket([oid(3), date(3)], undefined));
    const after = bytes(bucket([oid(0x7e), date(966)], [oid(0x7e), date(966), 292]));
    const once = Buffer.from(applyUpdate(before, bytes(o)));
    expect(once).toEqual(after);
    expect(Buffer.from(applyUpdate(once, bytes(o)))).toEqual(after);
  });
});

describe('applyUpdate: $v:2 array diff', () => {
  it('u<N> replaces an element; past the end pads with nulls; null is a real null', () => {
    expect(applied({ l: [1, 2, 3] }, delta({ sl: { a: true, u1: null, u5: 7 } }))).toEqual(bytes({ l: [1, null, 3, null, null, 7] }));
  });

  it('l truncates', () => {
    expect(applied({ l: [1, 2, 3] }, delta({ sl: { a: true, l: 2 } }))).toEqual(bytes({ l: [1, 2] }));
  });

  it('l pads with nulls, after the element writes', () => {
    expect(applied({ l: [1] }, delta({ sl: { a: true, l: new Int32(4), u1: 'x' } }))).toEqual(bytes({ l: [1, 'x', null, null] }));
  });

  it('s<N> recurses into an element; a missing element or one of the other type becomes null', () => {
    const o = delta({ sl: { a: true, s0: { u: { k: 2 } }, s1: { u: { k: 1 } }, s2: { a: true, u0: 5 }, s4: { u: { k: 0 } } } });
    expect(applied({ l: [{ k: 1, j: 0 }, 2, [0, 1]] }, o)).toEqual(bytes({ l: [{ k: 2, j: 0 }, null, [5, 1], null, null] }));
  });

  it('u8 before u11: indexes in numeric order', () => {
    const o = delta(m(['sl', m(['a', true], ['u8', 8], ['u11', 11])]));
    expect(applied({ l: [] }, o)).toEqual(bytes({ l: [null, null, null, null, null, null, null, null, 8, null, null, 11] }));
  });
});

describe('applyUpdate: $v:2 idempotence (u, i, d, l, and sub-diffs of them)', () => {
  it.each<[string, Spelled, Spelled]>([
    ['u', { a: 1, b: 2 }, delta({ u: { a: 3, c: 4 } })],
    ['i', { a: 1, b: 2 }, delta({ i: { a: 3, c: 4 } })],
    ['d', { a: 1, b: 2 }, delta({ d: { a: false } })],
    ['l and u<N>', { l: [1, 2, 3, 4] }, delta({ sl: { a: true, l: 3, u2: 9 } })],
    ['nested', { x: { y: [{ z: 1 }] } }, delta({ sx: { sy: { a: true, s0: { i: { z: 2 } } } } })],
  ])('%s applied twice gives the bytes of once', (_, document, o) => {
    const once = Buffer.from(applyUpdate(bytes(document), bytes(o)));
    expect(Buffer.from(applyUpdate(once, bytes(o)))).toEqual(once);
  });
});

describe('applyUpdate: malformed $v:2 diffs are CORRUPT, naming what', () => {
  it.each<[string, Spelled, string]>([
    ['u before d', m(['u', { a: 1 }], ['d', { b: false }]), '"d"'],
    ['a letter after a sub-diff', m(['sa', { u: { b: 1 } }], ['u', { c: 1 }]), '"u"'],
    ['an unknown letter', { x: { a: 1 } }, '"x"'],
    ['an empty diff', {}, 'empty'],
    ['a field named twice', { u: { a: 1 }, i: { a: 2 } }, '"a"'],
    ['a section that is not a document', { u: 1 }, 'diff.u'],
    ['an array diff whose a is not true', { sl: { a: false } }, 'diff.sl.a'],
    ['an array index out of order', m(['sl', m(['a', true], ['u11', 1], ['u8', 2])]), '"u8"'],
    ['an unknown array key', { sl: { a: true, x1: 1 } }, '"x1"'],
    ['l after an element', m(['sl', m(['a', true], ['u0', 1], ['l', 2])]), '"l"'],
    ['an index at or past l', { sl: { a: true, l: 2, u2: 1 } }, '"u2"'],
    ['a binary patch without d', { b: { col: { o: 0 } } }, 'diff.b.col'],
  ])('%s', (_, diff, named) => {
    expect(String(refusal({ a: 0, l: [1], col: new Binary(new Uint8Array([1]), 7) }, delta(diff)))).toContain(named);
  });

  it('a repeated section (which no js object or Map can spell)', () => {
    const o = parseDocument(bytes(delta({ u: { a: 1 }, i: { c: 1 } })));
    const diff = o.fields[1]?.value;
    if (diff?.kind !== 'document') throw new Error('no diff');
    diff.fields.push({ name: 'i', value: parseDocument(bytes({ b: 1 })) });
    const error = thrown(() => applyUpdate(bytes({ a: 0 }), serializeDocument(o)));
    expect(error).toMatchObject({ code: 'CORRUPT', details: { kind: 'invalid' } });
    expect(String(error)).toContain('"i"');
  });

  it('a $v:2 update without diff', () => {
    expect(String(refusal({ a: 1 }, { $v: 2 }))).toContain('no diff');
  });
});

describe('applyUpdate: the time-series dump with oplog of mongo-tools (research §5 A)', () => {
  const testdata = mongorestoreTestdata('the replay of ts_dump_with_oplog/oplog.bson onto its dumped buckets');
  it.skipIf(testdata === undefined)('replays all 872 bucket updates onto the dumped buckets: each column ends 0..N in order', () => {
    const folder = join(testdata ?? '', 'timeseries_tests', 'ts_dump_with_oplog');
    const buckets = new Map<string, Uint8Array>();
    for (const document of bsonFile(join(folder, 'timeseries_test', 'system.buckets.foo_ts.bson'))) {
      buckets.set(hexId(document), document);
    }
    const entries = bsonFile(join(folder, 'oplog.bson'));
    expect(entries).toHaveLength(872);
    // Per bucket, the highest data.ts index the oplog inserts: the dump may already hold the first ones.
    const highest = new Map<string, number>();
    for (const entry of entries) {
      const tree = parseDocument(entry);
      const field = (name: string) => tree.fields.find((candidate) => candidate.name === name)?.value;
      const o = field('o');
      const o2 = field('o2');
      if (o?.kind !== 'document' || o2?.kind !== 'document') throw new Error('an oplog update without o or o2');
      const id = hexId(serializeDocument(o2));
      const bucket = buckets.get(id);
      if (bucket === undefined) throw new Error(`no dumped bucket ${id}`);
      const oBytes = serializeDocument(o);
      expect(updateKind(oBytes)).toBe('delta');
      buckets.set(id, applyUpdate(bucket, oBytes));
      const inserted = fieldOf(fieldOf(fieldOf(fieldOf(o, 'diff'), 'sdata'), 'sts'), 'i').fields.map((cell) => Number(cell.name));
      highest.set(id, Math.max(highest.get(id) ?? 0, ...inserted));
    }
    expect(highest.size).toBe(10);
    for (const [id, bucket] of buckets) {
      const data = fieldOf(parseDocument(bucket), 'data');
      for (const column of data.fields) {
        if (column.value.kind !== 'document') throw new Error(`column ${column.name} is not a document`);
        const keys = column.value.fields.map((cell) => cell.name);
        expect(keys, `${id} data.${column.name}`).toEqual(keys.map((_, index) => String(index)));
        expect(keys.length, `${id} data.${column.name}`).toBe((highest.get(id) ?? 0) + 1);
      }
    }
    // The first entry is research §5 A.
    const first = deserialize(entries[0] ?? new Uint8Array()) as { ts: Timestamp };
    expect(first.ts.equals(new Timestamp({ t: 1623711547, i: 72 }))).toBe(true);
  });
});

function bsonFile(path: string): Uint8Array[] {
  const file = readFileSync(path);
  const documents: Uint8Array[] = [];
  for (let offset = 0; offset < file.byteLength; offset += file.readInt32LE(offset)) {
    documents.push(new Uint8Array(file.subarray(offset, offset + file.readInt32LE(offset))));
  }
  return documents;
}

function hexId(document: Uint8Array): string {
  return (deserialize(document) as { _id: ObjectId })._id.toHexString();
}

function fieldOf(document: BsonDocument, name: string): BsonDocument {
  const value = document.fields.find((field) => field.name === name)?.value;
  if (value?.kind !== 'document') throw new Error(`no document field ${name}`);
  return value;
}
