/**
 * Finds what js-bson cannot write back exactly (see decode.ts): the deprecated
 * undefined (0x06) and DBPointer (0x0C) types, and duplicate keys. A walk over
 * the raw bytes is several times cheaper than re-encoding every document to
 * compare, and restore runs it on every document.
 */
export function hasLegacyBson(bytes: Uint8Array): boolean {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    return walkDocument(view, 0, false);
  } catch {
    // Bytes the walk cannot follow cannot be vouched for: treat as not exact.
    return true;
  }
}

const FIXED_SIZES: Record<number, number> = {
  0x01: 8, // double
  0x07: 12, // ObjectId
  0x08: 1, // bool
  0x09: 8, // UTC datetime
  0x0a: 0, // null
  0x10: 4, // int32
  0x11: 8, // timestamp
  0x12: 8, // int64
  0x13: 16, // decimal128
  0x7f: 0, // max key
  0xff: 0, // min key
};

/** Returns true when the document at `start` (or anything inside it) holds legacy BSON. */
function walkDocument(buf: Buffer, start: number, isArray: boolean): boolean {
  const end = start + buf.readInt32LE(start) - 1;
  let position = start + 4;
  let keys: Set<string> | undefined;
  let firstKey: string | undefined;
  while (position < end) {
    const type = buf[position] ?? 0;
    const keyStart = position + 1;
    const keyEnd = buf.indexOf(0, keyStart);
    if (keyEnd < 0 || keyEnd >= end) throw new RangeError('unterminated key');
    if (!isArray) {
      const key = buf.toString('latin1', keyStart, keyEnd);
      if (firstKey === undefined) firstKey = key;
      else {
        keys ??= new Set([firstKey]);
        if (keys.has(key)) return true;
        keys.add(key);
      }
    }
    position = keyEnd + 1;
    const fixed = FIXED_SIZES[type];
    if (fixed !== undefined) {
      position += fixed;
      continue;
    }
    switch (type) {
      case 0x02: // string
      case 0x0d: // JavaScript code
      case 0x0e: // symbol
        position += 4 + buf.readInt32LE(position);
        break;
      case 0x03:
      case 0x04:
        if (walkDocument(buf, position, type === 0x04)) return true;
        position += buf.readInt32LE(position);
        break;
      case 0x05: // binary: length, subtype, bytes
        position += 5 + buf.readInt32LE(position);
        break;
      case 0x0b: {
        // regex: two C strings
        const patternEnd = buf.indexOf(0, position);
        position = buf.indexOf(0, patternEnd + 1) + 1;
        break;
      }
      case 0x0f: // code with scope: total length covers code and scope
        position += buf.readInt32LE(position);
        break;
      default:
        // 0x06 undefined, 0x0C DBPointer, or a type this walk does not know.
        return true;
    }
  }
  return false;
}
