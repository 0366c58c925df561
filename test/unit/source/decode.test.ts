import { BSON, Binary, BSONRegExp, BSONSymbol, Code, DBRef, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, UUID } from 'bson';
import { describe, expect, it } from 'vitest';
import { EXACT_ENCODE, decodeExact } from '../../../src/source/decode.js';

/**
 * Restore decodes each raw document and lets the driver re-encode it, because
 * the driver has no raw insert. These cases prove that round trip is
 * byte-identical for every BSON type and edge value — including the ones the
 * test server (FerretDB) refuses, which is why they are proven here.
 */
function roundTrips(doc: BSON.Document): void {
  const bytes = BSON.serialize(doc, { checkKeys: false, ignoreUndefined: false });
  const { document, lossy } = decodeExact(bytes);
  expect(Buffer.from(BSON.serialize(document, EXACT_ENCODE)).equals(Buffer.from(bytes))).toBe(true);
  expect(lossy).toBe(false);
}

/** Builds raw BSON by hand for types js-bson can no longer write. */
function rawDocument(elements: Buffer[]): Uint8Array {
  const body = Buffer.concat([...elements, Buffer.from([0])]);
  const length = Buffer.alloc(4);
  length.writeInt32LE(body.length + 4);
  return Buffer.concat([length, body]);
}
const cstring = (s: string) => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);

describe('decodeExact: decode then re-encode gives the same bytes', () => {
  it.each([
    ['int32 extremes', { a: new Int32(0), b: new Int32(-2147483648), c: new Int32(2147483647) }],
    ['int64 extremes', { a: Long.fromString('9223372036854775807'), b: Long.fromString('-9223372036854775808'), c: Long.fromInt(5) }],
    ['whole doubles stay doubles', { a: new Double(1), b: new Double(0), c: new Double(1e21) }],
    ['negative zero, NaN, infinities', { a: new Double(-0), b: new Double(Number.NaN), c: new Double(Infinity), d: new Double(-Infinity) }],
    ['Decimal128', { a: Decimal128.fromString('1234567890.123456789012345678901234'), b: Decimal128.fromString('-0'), c: Decimal128.fromString('NaN') }],
    ['dates before 1970 and far future', { a: new Date(-86_400_000 * 365 * 100), b: new Date(253402300799999), c: new Date(0) }],
    ['binary subtypes', { a: new Binary(Buffer.from('x'), 0), b: new Binary(Buffer.from('y'), 2), c: new UUID(), d: new Binary(Buffer.from('z'), 5), e: new Binary(Buffer.from('q'), 0x80) }],
    ['regex flags', { a: new BSONRegExp('^a.*b$', 'imsux'), b: new BSONRegExp('', '') }],
    ['ObjectId and Timestamp', { a: new ObjectId(), b: new Timestamp({ t: 4294967295, i: 4294967295 }), c: new Timestamp({ t: 0, i: 0 }) }],
    ['MinKey and MaxKey', { a: new MinKey(), b: new MaxKey() }],
    ['code and code with scope', { a: new Code('function () { return 1; }'), b: new Code('x + y', { x: new Int32(1), y: 'two' }) }],
    ['symbol', { a: new BSONSymbol('sym') }],
    ['DBRef document', { a: new DBRef('coll', new ObjectId(), 'db') }],
    ['keys with $ and .', { $weird: 1, 'a.b': { $c: [new Int32(1)] } }],
    ['a __proto__ key', JSON.parse('{"__proto__": {"x": 1}, "y": 2}') as BSON.Document],
    ['nested arrays and empty values', { a: [[new Int32(1), [new Int32(2)]], []], b: {}, c: '', d: null, e: true, f: false }],
    ['unicode keys and values', { 'κλειδί': 'значение 🍰', '': 'empty key' }],
  ])('%s', (_name, doc) => roundTrips(doc));

  it('flags the deprecated undefined type (0x06) as lossy', () => {
    const bytes = rawDocument([Buffer.from([0x06]), cstring('u')]);
    expect(decodeExact(bytes).lossy).toBe(true);
  });

  it('flags DBPointer (0x0C) as lossy', () => {
    const ref = Buffer.concat([Buffer.from([5, 0, 0, 0]), cstring('coll'), Buffer.from(new ObjectId().id)]);
    const bytes = rawDocument([Buffer.from([0x0c]), cstring('p'), ref]);
    expect(decodeExact(bytes).lossy).toBe(true);
  });

  it('flags legacy types nested in documents and arrays', () => {
    const inner = rawDocument([Buffer.from([0x06]), cstring('0')]);
    const bytes = rawDocument([Buffer.from([0x04]), cstring('list'), Buffer.from(inner)]);
    expect(decodeExact(bytes).lossy).toBe(true);
  });

  it('refuses bytes that are not one valid document', () => {
    const good = BSON.serialize({ a: 'text' });
    const bad = Buffer.from(good);
    bad.writeInt32LE(200, 7); // the string claims to run past the document
    expect(decodeExact(BSON.serialize({ x: 1 })).lossy).toBe(false);
    expect(() => decodeExact(bad)).toThrow();
  });

  it('flags duplicate keys as lossy', () => {
    const int = (v: number) => {
      const b = Buffer.alloc(4);
      b.writeInt32LE(v);
      return b;
    };
    const bytes = rawDocument([Buffer.from([0x10]), cstring('a'), int(1), Buffer.from([0x10]), cstring('a'), int(2)]);
    expect(decodeExact(bytes).lossy).toBe(true);
  });
});
