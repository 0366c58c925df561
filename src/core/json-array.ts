import { MongosafeError } from '../errors.js';

export interface SplitJsonArrayOptions {
  /** Names the input in errors, e.g. "recipes.json in backup.zip". */
  where: string;
  /** One element larger than this is refused, so a file that is not an array of documents cannot fill memory. */
  maxElementBytes?: number;
}

// One BSON document is at most 16 MiB; pretty-printed JSON of it is larger but not without bound.
const DEFAULT_MAX_ELEMENT_BYTES = 64 * 1024 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

const UTF8_BOM = [0xef, 0xbb, 0xbf];

const BEFORE = 0; // before '['
const FIRST = 1; // after '[': an element or ']'
const ELEMENT = 2; // inside an element
const SEPARATOR = 3; // after an element: ',' or ']'
const NEXT = 4; // after ',': an element
const AFTER = 5; // after ']': only whitespace

/** One element's bytes as text; a single part is decoded in place, without a copy. */
function decodeUtf8(parts: readonly Uint8Array[]): string {
  const [only] = parts;
  if (parts.length === 1 && only) return Buffer.from(only.buffer, only.byteOffset, only.byteLength).toString('utf8');
  return Buffer.concat(parts).toString('utf8');
}

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * Splits a JSON array, read as a byte stream, into the JSON text of each
 * top-level element, without ever holding more than one element: a 2 GB
 * array costs the memory of its largest document. It tracks only what
 * delimits elements (strings with their escapes, bracket depth); each
 * element's own syntax is left to JSON.parse. Working on bytes is safe for
 * UTF-8 because no byte of a multi-byte character is an ASCII delimiter.
 *
 * @throws MongosafeError CORRUPT when the input is not one JSON array, is
 *   truncated, or holds an element larger than maxElementBytes.
 */
export async function* splitJsonArray(source: AsyncIterable<Uint8Array>, options: SplitJsonArrayOptions): AsyncGenerator<string> {
  const maxElementBytes = options.maxElementBytes ?? DEFAULT_MAX_ELEMENT_BYTES;
  const corrupt = (what: string, offset: number) => new MongosafeError('CORRUPT', `${options.where} is not a JSON array of documents: ${what} at byte ${offset}`, 'the file may be truncated or not from the seed backup; check it with a JSON tool');
  let state = BEFORE;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let parts: Uint8Array[] = [];
  let elementBytes = 0;
  let consumed = 0;

  for await (const chunk of source) {
    let i = 0;
    let start = state === ELEMENT ? 0 : -1;
    const finish = (end: number): string => {
      parts.push(chunk.subarray(start, end));
      const text = decodeUtf8(parts);
      parts = [];
      elementBytes = 0;
      start = -1;
      state = SEPARATOR;
      return text;
    };
    while (i < chunk.length) {
      const byte = chunk[i] ?? 0;
      if (state === ELEMENT) {
        if (inString) {
          if (escaped) escaped = false;
          else if (byte === BACKSLASH) escaped = true;
          else if (byte === QUOTE) {
            inString = false;
            if (depth === 0) yield finish(i + 1);
          }
          i++;
        } else if (byte === QUOTE) {
          inString = true;
          i++;
        } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
          depth++;
          i++;
        } else if (depth > 0 && (byte === CLOSE_BRACE || byte === CLOSE_BRACKET)) {
          depth--;
          i++;
          if (depth === 0) yield finish(i);
        } else if (depth === 0 && (byte === COMMA || byte === CLOSE_BRACKET || byte === CLOSE_BRACE || isWhitespace(byte))) {
          // The end of a bare number, true, false or null; the delimiter is read again as a separator.
          yield finish(i);
        } else {
          i++;
        }
        continue;
      }
      if (isWhitespace(byte)) {
        i++;
      } else if (state === BEFORE) {
        // The UTF-8 byte order mark some editors write is not JSON; skip it at the very start.
        if (consumed + i < 3 && byte === UTF8_BOM[consumed + i]) {
          i++;
          continue;
        }
        if (byte !== OPEN_BRACKET) throw corrupt(`expected '[' but found '${String.fromCharCode(byte)}'`, consumed + i);
        state = FIRST;
        i++;
      } else if (state === SEPARATOR) {
        if (byte === COMMA) state = NEXT;
        else if (byte === CLOSE_BRACKET) state = AFTER;
        else throw corrupt(`expected ',' or ']' but found '${String.fromCharCode(byte)}'`, consumed + i);
        i++;
      } else if (state === AFTER) {
        throw corrupt('text after the closing ]', consumed + i);
      } else if (byte === CLOSE_BRACKET) {
        if (state === NEXT) throw corrupt("a ',' before ']'", consumed + i);
        state = AFTER;
        i++;
      } else {
        // An element starts here; the ELEMENT branch reads this byte.
        state = ELEMENT;
        start = i;
      }
    }
    if (state === ELEMENT && start !== -1) {
      elementBytes += chunk.length - start;
      if (elementBytes > maxElementBytes) throw corrupt(`an element larger than ${maxElementBytes} bytes`, consumed + chunk.length);
      parts.push(chunk.subarray(start));
    }
    consumed += chunk.length;
  }
  if (state !== AFTER) throw corrupt(state === BEFORE ? 'no array (empty input)' : 'the input ends before the array is closed', consumed);
}
