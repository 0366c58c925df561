import { type CollectionInfo, Binary, BSONRegExp, Code, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, type Db, type Document } from 'mongodb';
import type { TestServices } from './services.js';

/** Test documents choose their own _id types. */
type AnyDocument = { _id: Int32 | ObjectId | string; [key: string]: unknown };

/**
 * A dataset with every BSON type and collection feature the test server
 * accepts. FerretDB (see shared research ferretdb.md) refuses Decimal128,
 * MinKey/MaxKey, code, `$`/`.` keys, nested arrays, ±Infinity, views,
 * validators and TTL/partial indexes; those are added only on a real mongod,
 * and proven at the codec level (test/unit/source/decode.test.ts) everywhere.
 */
export async function loadFidelityData(db: Db, server: TestServices['serverKind']): Promise<{ ferretDbRefused: string[] }> {
  const everything: AnyDocument[] = [];
  for (let i = 0; i < 300; i++) {
    everything.push({
      _id: new ObjectId(),
      int32: new Int32(i - 150),
      int32Max: new Int32(2147483647),
      int64: Long.fromString(i % 2 ? '9223372036854775807' : '-9223372036854775808'),
      int64Small: Long.fromInt(i),
      wholeDouble: new Double(i),
      fraction: new Double(i / 7),
      string: `text ${i} — ünïcødé 🍰`,
      emptyString: '',
      bool: i % 2 === 0,
      nullValue: null,
      dateBefore1970: new Date(Date.UTC(1901, 0, 1) + i * 86_400_000),
      dateNow: new Date(Date.UTC(2026, 10, 26, 3, 0, i % 60, i % 1000)),
      binaryGeneric: new Binary(Buffer.from([0, 1, 2, 255, i % 256])),
      binaryUuid: new Binary(Buffer.from('0123456789abcdef0123456789abcdef', 'hex'), Binary.SUBTYPE_UUID),
      regex: new BSONRegExp(`^recipe-${i}`, 'i'),
      timestamp: new Timestamp({ t: 1_700_000_000 + i, i: 7 }),
      nested: { level1: { level2: { value: new Int32(i), list: [new Int32(1), 'two', new Double(3.5)] } } },
      arrayOfDocs: [{ a: new Int32(1) }, { b: 'x' }],
      emptyArray: [],
      emptyDoc: {},
    });
  }
  await db.collection<AnyDocument>('everything').insertMany(everything);
  await db.collection('everything').createIndex({ string: 1 }, { unique: true, name: 'string_unique' });
  await db.collection('everything').createIndex({ int32: 1, dateNow: -1 }, { name: 'compound' });

  await db.collection<AnyDocument>('plain').insertMany(Array.from({ length: 2500 }, (_, i) => ({ _id: new Int32(i), n: new Int32(i), s: 'x'.repeat(i % 200) })));
  await db.createCollection('empty');
  await db.createCollection('capped', { capped: true, size: 1024 * 1024, max: 100 });
  await db.collection<AnyDocument>('capped').insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: new Int32(i), i: new Int32(i) })));

  const refused: string[] = [];
  if (server === 'ferretdb') {
    refused.push('Decimal128', 'MinKey/MaxKey', 'JavaScript code', '$ and . in keys', 'nested arrays', '±Infinity', '-0.0 (stored as 0.0)', 'views', 'validators', 'TTL and partial indexes');
  } else {
    await db.collection<AnyDocument>('mongodOnly').insertMany([
      { _id: new Int32(1), decimal: Decimal128.fromString('1234567890.123456789012345678901234'), min: new MinKey(), max: new MaxKey() },
      { _id: new Int32(2), code: new Code('function () { return 1; }'), scoped: new Code('x', { x: new Int32(1) }), 'dotted.key': 1, nested: [[new Int32(1)]] },
      { _id: new Int32(3), inf: new Double(Infinity), negInf: new Double(-Infinity), negZero: new Double(-0) },
    ]);
    await db.createCollection('validated', { validator: { n: { $type: 'int' } }, validationAction: 'error' });
    await db.collection<AnyDocument>('validated').insertOne({ _id: new Int32(1), n: new Int32(1) });
    await db.collection('plain').createIndex({ n: 1 }, { name: 'ttl', expireAfterSeconds: 3600 });
    await db.collection('plain').createIndex({ s: 1 }, { name: 'partial', partialFilterExpression: { n: { $gt: 5 } } });
    await db.createCollection('bigPlain', { viewOn: 'plain', pipeline: [{ $match: { n: { $gt: 2000 } } }] });
  }
  return { ferretDbRefused: refused };
}

/** Every document of a collection as raw BSON, sorted by its bytes: the comparison ignores order. */
export async function rawDocuments(db: Db, collection: string): Promise<Buffer[]> {
  const docs = (await db.collection(collection).find({}, { raw: true }).toArray()) as unknown as Buffer[];
  return docs.map((d) => Buffer.from(d)).sort((a, b) => Buffer.compare(a, b));
}

/** Index definitions without the fields servers fill in (v, ns), sorted by name. */
export async function indexDefinitions(db: Db, collection: string): Promise<Document[]> {
  const indexes = await db.collection(collection).listIndexes().toArray();
  return indexes
    .map(({ v: _v, ns: _ns, ...rest }: Document) => rest)
    .sort((a, b) => String(a.name).localeCompare(String(b.name)));
}

/** Collections with their types and options, as the server reports them. */
export async function collectionInfos(db: Db): Promise<Array<{ name: string; type?: string; options?: Document }>> {
  const infos: CollectionInfo[] = await db.listCollections({}, { nameOnly: false }).toArray();
  return infos
    .map((info) => ({ name: info.name, type: info.type, options: info.options }))
    .sort((a, b) => String(a.name).localeCompare(String(b.name)));
}
