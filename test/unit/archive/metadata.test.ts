import { Binary, Double, Int32, Long } from 'bson';
import { describe, expect, it } from 'vitest';
import { MongosafeError } from '../../../src/errors.js';
import { buildMetadataJson, parseMetadataJson } from '../../../src/archive/metadata.js';

// Real metadata strings from mongo-tools' test data (research note §6.1).
const REAL = [
  '{"indexes":[{"v":{"$numberInt":"2"},"key":{"_id":{"$numberInt":"1"}},"name":"_id_"},{"v":{"$numberInt":"2"},"unique":true,"key":{"a":{"$numberDouble":"1.0"}},"name":"a_1"}],"uuid":"7429ce0a817049a39533a3c525d32dd6","collectionName":"foo"}',
  '{"options":{"timeseries":{"timeField":"ts","metaField":"meta","granularity":"seconds","bucketMaxSpanSeconds":{"$numberInt":"3600"}}},"indexes":[{"v":{"$numberInt":"2"},"key":{"meta.device":{"$numberInt":"1"}},"name":"meta.device_1"},{"v":{"$numberInt":"2"},"key":{"ts":{"$numberInt":"1"},"meta.device":{"$numberInt":"1"}},"name":"ts_1_meta.device_1"}],"collectionName":"foo_ts","type":"timeseries"}',
  '{"indexes":[{"v":{"$numberInt":"2"},"key":{"_id":{"$numberInt":"1"}},"name":"_id_"},{"v":{"$numberInt":"2"},"key":{"a":{"$numberInt":"1"}},"name":"a_1","expireAfterSeconds":{"$numberInt":"1000"}}],"uuid":"ffa7054f30dc422696fa9607e150cb53","collectionName":"coll1","type":"collection"}',
];

describe('metadata JSON', () => {
  it.each(REAL)('parses and rebuilds mongodump\'s own metadata identically: %s', (text) => {
    const parsed = parseMetadataJson(text);
    expect(buildMetadataJson({ ...parsed, collectionName: parsed.collectionName ?? '' })).toBe(text);
  });

  it('keeps exact number types: Int32, Long and Double stay what they were', () => {
    const parsed = parseMetadataJson(
      '{"options":{"capped":true,"size":{"$numberLong":"100096"},"max":{"$numberInt":"5"},"ratio":{"$numberDouble":"1.0"}},"indexes":[],"collectionName":"c"}',
    );
    expect(parsed.options.size).toBeInstanceOf(Long);
    expect(parsed.options.max).toBeInstanceOf(Int32);
    expect(parsed.options.ratio).toBeInstanceOf(Double);
    expect(buildMetadataJson({ ...parsed, collectionName: 'c' })).toContain('"size":{"$numberLong":"100096"},"max":{"$numberInt":"5"},"ratio":{"$numberDouble":"1.0"}');
  });

  it('accepts legacy plain JSON numbers (int32 when it fits, else int64)', () => {
    const parsed = parseMetadataJson('{"options":{"capped":true,"size":100096,"big":5000000000},"indexes":[{"v":1,"key":{"_id":1},"name":"_id_","ns":"local.oplog.rs"}]}');
    expect(parsed.options).toEqual({ capped: true, size: new Int32(100096), big: Long.fromNumber(5000000000) });
    expect(parsed.indexes[0]?.key).toEqual({ _id: new Int32(1) });
    expect(parsed.collectionName).toBeUndefined();
  });

  it('fills in what old metadata leaves out', () => {
    expect(parseMetadataJson('{}')).toEqual({ options: {}, indexes: [] });
  });

  it('writes options only when there are some, indexes always, uuid and type when known', () => {
    expect(buildMetadataJson({ indexes: [], collectionName: 'v', options: {} })).toBe('{"indexes":[],"collectionName":"v"}');
    const uuid = new Binary(Buffer.from('00112233445566778899aabbccddeeff', 'hex'), 4);
    expect(buildMetadataJson({ indexes: [], collectionName: 'c', uuid, type: '' })).toBe('{"indexes":[],"uuid":"00112233445566778899aabbccddeeff","collectionName":"c"}');
    expect(buildMetadataJson({ options: { capped: true, size: new Int32(4096) }, indexes: [], collectionName: 'c', type: 'collection' })).toBe(
      '{"options":{"capped":true,"size":{"$numberInt":"4096"}},"indexes":[],"collectionName":"c","type":"collection"}',
    );
  });

  it('writes dates canonically (mongorestore refuses relaxed $date strings)', () => {
    const text = buildMetadataJson({ options: { validator: { at: { $gt: new Date(Date.UTC(2024, 0, 1)) } } }, indexes: [], collectionName: 'c' });
    expect(text).toContain('{"$date":{"$numberLong":"1704067200000"}}');
  });

  it('rejects a malformed uuid', () => {
    expect(() => buildMetadataJson({ indexes: [], collectionName: 'c', uuid: 'xyz' })).toThrow(MongosafeError);
  });

  it.each([
    ['not JSON', '{"indexes":', 'not valid extended JSON'],
    ['an array', '[]', 'not a JSON object'],
    ['indexes of the wrong shape', '{"indexes":{"a":1}}', '"indexes" is not an array of objects'],
    ['options of the wrong shape', '{"options":3,"indexes":[]}', '"options" is not an object'],
  ])('rejects %s with CORRUPT naming the collection', (_name, text, message) => {
    try {
      parseMetadataJson(text, 'db.c');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(MongosafeError);
      expect((error as MongosafeError).code).toBe('CORRUPT');
      expect((error as MongosafeError).message).toContain('metadata of db.c');
      expect((error as MongosafeError).message).toContain(message);
      expect((error as MongosafeError).details).toEqual({ namespace: 'db.c', kind: 'invalid' });
    }
  });
});
