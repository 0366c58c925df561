/**
 * BSON bytes written element by element, for documents whose key order js-bson's objects would
 * change (integer-like keys) and for bytes js-bson refuses to write (undefined, DBPointer, bad input).
 */
export type HandElement = [type: number, name: string | Uint8Array, value: Uint8Array];

export function handBuilt(elements: HandElement[]): Uint8Array {
  const body = elements.map(([type, name, value]) => concat(new Uint8Array([type]), typeof name === 'string' ? Buffer.from(name, 'utf8') : name, new Uint8Array([0]), value));
  const length = body.reduce((sum, part) => sum + part.byteLength, 5);
  return concat(int32(length), ...body, new Uint8Array([0]));
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

export function int32(value: number): Uint8Array {
  const out = Buffer.alloc(4);
  out.writeInt32LE(value);
  return new Uint8Array(out);
}

export function bsonString(text: string): Uint8Array {
  const body = Buffer.from(`${text}\u0000`, 'utf8');
  return concat(int32(body.byteLength), body);
}
