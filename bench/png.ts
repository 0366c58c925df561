// A tiny RGBA raster with rectangles, lines and a 5×7 bitmap font, and a PNG encoder for it
// (node:zlib for the deflate, our own CRC-32 table): the bench's chart needs no native
// or graphics dependency.
import { deflateSync } from 'node:zlib';

export type Color = readonly [r: number, g: number, b: number];

export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;

/**
 * 5×7 glyphs, one string per glyph: seven rows of five pixels, '#' on, '.' off, rows split by
 * spaces. Lower-case text is drawn in capitals; anything missing is drawn as '?'.
 */
const FONT: Record<string, string> = {
  '0': '.###. #...# #..## #.#.# ##..# #...# .###.',
  '1': '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
  '2': '.###. #...# ....# ...#. ..#.. .#... #####',
  '3': '##### ...#. ..#.. ...#. ....# #...# .###.',
  '4': '...#. ..##. .#.#. #..#. ##### ...#. ...#.',
  '5': '##### #.... ####. ....# ....# #...# .###.',
  '6': '..##. .#... #.... ####. #...# #...# .###.',
  '7': '##### ....# ...#. ..#.. .#... .#... .#...',
  '8': '.###. #...# #...# .###. #...# #...# .###.',
  '9': '.###. #...# #...# .#### ....# ...#. .##..',
  A: '.###. #...# #...# ##### #...# #...# #...#',
  B: '####. #...# #...# ####. #...# #...# ####.',
  C: '.###. #...# #.... #.... #.... #...# .###.',
  D: '###.. #..#. #...# #...# #...# #..#. ###..',
  E: '##### #.... #.... ####. #.... #.... #####',
  F: '##### #.... #.... ####. #.... #.... #....',
  G: '.###. #...# #.... #.### #...# #...# .####',
  H: '#...# #...# #...# ##### #...# #...# #...#',
  I: '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  J: '..### ...#. ...#. ...#. ...#. #..#. .##..',
  K: '#...# #..#. #.#.. ##... #.#.. #..#. #...#',
  L: '#.... #.... #.... #.... #.... #.... #####',
  M: '#...# ##.## #.#.# #.#.# #...# #...# #...#',
  N: '#...# #...# ##..# #.#.# #..## #...# #...#',
  O: '.###. #...# #...# #...# #...# #...# .###.',
  P: '####. #...# #...# ####. #.... #.... #....',
  Q: '.###. #...# #...# #...# #.#.# #..#. .##.#',
  R: '####. #...# #...# ####. #.#.. #..#. #...#',
  S: '.#### #.... #.... .###. ....# ....# ####.',
  T: '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  U: '#...# #...# #...# #...# #...# #...# .###.',
  V: '#...# #...# #...# #...# #...# .#.#. ..#..',
  W: '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.',
  X: '#...# #...# .#.#. ..#.. .#.#. #...# #...#',
  Y: '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..',
  Z: '##### ....# ...#. ..#.. .#... #.... #####',
  ' ': '..... ..... ..... ..... ..... ..... .....',
  '.': '..... ..... ..... ..... ..... .##.. .##..',
  ',': '..... ..... ..... ..... .##.. ..#.. .#...',
  ':': '..... .##.. .##.. ..... .##.. .##.. .....',
  '/': '..... ....# ...#. ..#.. .#... #.... .....',
  '-': '..... ..... ..... ##### ..... ..... .....',
  '+': '..... ..#.. ..#.. ##### ..#.. ..#.. .....',
  '=': '..... ..... ##### ..... ##### ..... .....',
  '×': '..... #...# .#.#. ..#.. .#.#. #...# .....',
  '÷': '..... ..#.. ..... ##### ..... ..#.. .....',
  '≤': '...#. ..#.. .#... ..#.. ...#. ..... #####',
  '≥': '.#... ..#.. ...#. ..#.. .#... ..... #####',
  '<': '...#. ..#.. .#... #.... .#... ..#.. ...#.',
  '>': '.#... ..#.. ...#. ....# ...#. ..#.. .#...',
  '(': '...#. ..#.. .#... .#... .#... ..#.. ...#.',
  ')': '.#... ..#.. ...#. ...#. ...#. ..#.. .#...',
  '%': '##... ##..# ...#. ..#.. .#... #..## ...##',
  '?': '.###. #...# ....# ...#. ..#.. ..... ..#..',
};

/** Per glyph, its lit pixels as [x, y] pairs, parsed once. */
const GLYPHS = new Map<string, Array<[number, number]>>(
  Object.entries(FONT).map(([char, rows]) => [
    char,
    rows.split(' ').flatMap((row, y) => [...row].flatMap((cell, x): Array<[number, number]> => (cell === '#' ? [[x, y]] : []))),
  ]),
);

export class Raster {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Color = [255, 255, 255],
  ) {
    this.pixels = new Uint8Array(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  /** Fills a rectangle, clipped to the raster; fractional edges are rounded. */
  fillRect(x: number, y: number, width: number, height: number, color: Color): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + width));
    const y1 = Math.min(this.height, Math.round(y + height));
    for (let row = y0; row < y1; row++) {
      for (let col = x0; col < x1; col++) {
        const at = (row * this.width + col) * 4;
        this.pixels[at] = color[0];
        this.pixels[at + 1] = color[1];
        this.pixels[at + 2] = color[2];
        this.pixels[at + 3] = 255;
      }
    }
  }

  /** A horizontal line `thickness` pixels thick; `dash` > 0 draws dashes of that length. */
  horizontalLine(x: number, y: number, length: number, color: Color, thickness = 1, dash = 0): void {
    const step = dash > 0 ? dash : length;
    for (let at = 0; at < length; at += 2 * step) this.fillRect(x + at, y, Math.min(step, length - at), thickness, color);
  }

  /** Draws text with its top-left corner at (x, y), each font pixel `scale` pixels square. */
  text(x: number, y: number, text: string, color: Color, scale = 1): void {
    let left = x;
    for (const char of text.toUpperCase()) {
      for (const [gx, gy] of GLYPHS.get(char) ?? GLYPHS.get('?') ?? []) this.fillRect(left + gx * scale, y + gy * scale, scale, scale, color);
      left += (GLYPH_WIDTH + 1) * scale;
    }
  }
}

/** Width in pixels of `text` drawn at `scale` (no trailing gap). */
export function textWidth(text: string, scale = 1): number {
  const chars = [...text].length;
  return chars === 0 ? 0 : (chars * (GLYPH_WIDTH + 1) - 1) * scale;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO-HDLC, as PNG chunks use it). */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(typed.length + 8);
  out.writeUInt32BE(data.length, 0);
  typed.copy(out, 4);
  out.writeUInt32BE(crc32(typed), typed.length + 4);
  return out;
}

/** The raster as a PNG: 8-bit RGBA, no interlace, filter "none" on every row. */
export function encodePng(raster: Raster): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(raster.width, 0);
  header.writeUInt32BE(raster.height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type RGBA
  const rowBytes = raster.width * 4;
  const scanlines = Buffer.alloc((rowBytes + 1) * raster.height);
  for (let row = 0; row < raster.height; row++) {
    scanlines.set(raster.pixels.subarray(row * rowBytes, (row + 1) * rowBytes), row * (rowBytes + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(scanlines, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
