import { ObjectId } from 'mongodb';

/** How many values `inferBsonTypes` turned back into BSON types. */
export interface InferredCounts {
  objectIds: number;
  dates: number;
}

/**
 * Fields whose 24-hex strings were ObjectIds: `_id` at any depth, and
 * references by the usual naming (`recipeId`, `user_id`, `authorID`, and
 * arrays under `recipeIds`, `tag_ids`). A 24-hex string anywhere else stays
 * a string: hashes and tokens can look the same.
 */
const OBJECT_ID_KEY = /(?:_id|Id|ID)s?$/;

/** ObjectId.toJSON() writes 24 lowercase hex digits. */
const OBJECT_ID_HEX = /^[0-9a-f]{24}$/;

/**
 * Exactly what Date.toJSON() writes (milliseconds and "Z" always present), so
 * a date-only "2024-01-31" or a hand-written "2024-01-31T10:00+02:00" stays a string.
 */
const DATE_JSON = /^(?:\d{4}|[+-]\d{6})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Best-effort repair of a document that went through JSON.stringify: in
 * place, turns 24-hex strings under id-named fields back into ObjectIds and
 * Date.toJSON() strings anywhere back into Dates, and counts both. What JSON
 * lost beyond that cannot be told apart from real strings and numbers
 * (Int64, Decimal128, binary, regular expressions) and is left alone.
 */
export function inferBsonTypes(document: Record<string, unknown>, counts: InferredCounts): void {
  for (const key of Object.keys(document)) {
    const value = document[key];
    const inferred = inferValue(value, OBJECT_ID_KEY.test(key), counts);
    // defineProperty, so that a "__proto__" key from JSON stays an own field and never sets the prototype.
    if (inferred !== value) Object.defineProperty(document, key, { value: inferred, writable: true, enumerable: true, configurable: true });
  }
}

function inferValue(value: unknown, idField: boolean, counts: InferredCounts): unknown {
  if (typeof value === 'string') {
    if (idField && OBJECT_ID_HEX.test(value)) {
      counts.objectIds++;
      return ObjectId.createFromHexString(value);
    }
    if (DATE_JSON.test(value)) {
      const date = new Date(value);
      // "2023-02-30T…" parses to March 2nd; only a string that round-trips was a Date.
      if (!Number.isNaN(date.getTime()) && date.toISOString() === value) {
        counts.dates++;
        return date;
      }
    }
    return value;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = inferValue(value[i], idField, counts);
    return value;
  }
  if (value !== null && typeof value === 'object') inferBsonTypes(value as Record<string, unknown>, counts);
  return value;
}
