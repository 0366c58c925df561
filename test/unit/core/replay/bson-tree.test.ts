import {
  Binary,
  BSONRegExp,
  BSONSymbol,
  Code,
  DBRef,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  serialize,
  Timestamp,
  UUID,
} from 'bson';
import { describe, expect, it } from 'vitest';
import { MongosafeError } from '../../../../src/errors.js';
import { parseDocument, serializeDocument, type BsonDocument } from '../../../../src/core/replay/bson-tree.js';
import { thrown } from '../../../helpers/thrown.js';
import { bsonString, concat, handBuilt, int32 } from './hand-built.js';

/** One field of every BSON type js-bson writes, keys not integer-like so js-bson keeps their order. */
const EVERY_TYPE = {
  double: new Double(1.5),
  string: 'héllo',
  document: { b: 1, a: { c: [1, 'x'] } },
  array: [1, 'two', { three: 3 }, [4]],
  binary: new Binary(new Uint8Array([1, 2, 3]), 7),
  uuid: new UUID('0123456789abcdef0123456789abcdef').toBinary(),
  objectId: new ObjectId('60c7df2bf4549c58ea9377ec'),
  true: true,
  false: false,
  date: new Date('2021-06-14T22:59:07.966Z'),
  null: null,
  regex: new BSONRegExp('^a.*b$', 'im'),
  code: new Code('function () { return 1; }'),
  symbol: new BSONSymbol('sym'),
  codeWithScope: new Code('function () { return x; }', { x: 1, nested: { y: [2] } }),
  int32: new Int32(-7),
  timestamp: new Timestamp({ t: 1623711547, i: 72 }),
  int64: Long.fromString('-9007199254740993'),
  decimal: Decimal128.fromString('1.000000000000000000000000000000001'),
  minKey: new MinKey(),
  maxKey: new MaxKey(),
  dbRef: new DBRef('coll', new ObjectId('60c7df3b15caf5ee94e01f7e'), 'db'),
  empty: {},
  emptyArray: [],
};

describe('parseDocument / serializeDocument', () => {
  it('round-trips every BSON type byte for byte', () => {
    const bytes = serialize(EVERY_TYPE);
    const tree = parseDocument(bytes);
    expect(tree.fields.map((field) => field.name)).toEqual(Object.keys(EVERY_TYPE));
    expect(Buffer.from(serializeDocument(tree))).toEqual(Buffer.from(bytes));
  });

  it('keeps undefined and DBPointer, which js-bson only reads', () => {
    const bytes = handBuilt([
      [0x06, 'undefined', new Uint8Array(0)],
      [0x0c, 'pointer', concat(bsonString('db.coll'), new Uint8Array(12).fill(9))],
    ]);
    const tree = parseDocument(bytes);
    expect(tree.fields.map((field) => [field.name, field.value.kind === 'scalar' ? field.value.type : -1])).toEqual([
      ['undefined', 0x06],
      ['pointer', 0x0c],
    ]);
    expect(serializeDocument(tree)).toEqual(bytes);
  });

  it('keeps integer-like keys where they stand (js-bson objects would move them first)', () => {
    const bytes = handBuilt([
      [0x02, 'b', bsonString('x')],
      [0x10, '2', int32(2)],
      [0x10, 'a', int32(0)],
      [0x03, '1', handBuilt([[0x10, '10', int32(10)], [0x10, '9', int32(9)]])],
    ]);
    const tree = parseDocument(bytes);
    expect(tree.fields.map((field) => field.name)).toEqual(['b', '2', 'a', '1']);
    expect(serializeDocument(tree)).toEqual(bytes);
  });

  it('re-keys arrays "0".."n-1" when items change', () => {
    const tree = parseDocument(serialize({ list: [1, 2, 3] }));
    const list = tree.fields[0]?.value;
    if (list?.kind !== 'array') throw new Error('expected an array');
    list.items.splice(1, 1);
    expect(Buffer.from(serializeDocument(tree))).toEqual(Buffer.from(serialize({ list: [1, 3] })));
  });

  it('serializes a tree built by hand', () => {
    const tree: BsonDocument = {
      kind: 'document',
      fields: [
        { name: 'z', value: { kind: 'array', items: [{ kind: 'document', fields: [] }] } },
        { name: 'a', value: { kind: 'scalar', type: 0x10, bytes: int32(5) } },
      ],
    };
    expect(Buffer.from(serializeDocument(tree))).toEqual(Buffer.from(serialize({ z: [{}], a: 5 })));
  });

  const good = serialize({ a: 'text', b: [1, { c: 2 }] });
  const malformed: Array<[string, Uint8Array]> = [
    ['empty input', new Uint8Array(0)],
    ['a length longer than the bytes', withInt32(good, 0, good.byteLength + 1)],
    ['a length shorter than the bytes', concat(good, new Uint8Array([0]))],
    ['no final 0x00', withByte(good, good.byteLength - 1, 1)],
    ['an unknown type byte', withByte(good, 4, 0x42)],
    ['a string length past the end', withInt32(good, 7, 1000)],
    ['a string without its 0x00', withByte(good, 7 + 4 + 4, 0x21)],
    ['an array with a key out of sequence', handBuilt([[0x04, 'x', handBuilt([[0x10, '1', int32(1)]])]])],
    ['a name that is not UTF-8', handBuilt([[0x10, new Uint8Array([0xff, 0xfe]), int32(1)]])],
    ['a truncated document', good.subarray(0, good.byteLength - 3)],
  ];
  it.each(malformed)('refuses %s as CORRUPT (invalid)', (_, bytes) => {
    const error = thrown(() => parseDocument(bytes));
    expect(error).toBeInstanceOf(MongosafeError);
    expect(error).toMatchObject({ code: 'CORRUPT', details: { kind: 'invalid' } });
  });
});

function withInt32(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const out = Buffer.from(bytes);
  out.writeInt32LE(value, at);
  return new Uint8Array(out);
}

function withByte(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const out = new Uint8Array(bytes);
  out[at] = value;
  return out;
}
