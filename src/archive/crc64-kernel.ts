/**
 * The CRC-64 inner loop as a tiny WebAssembly module, assembled here byte by byte (no
 * toolchain, nothing downloaded). WebAssembly has 64-bit integers, so each step is one
 * 64-bit load and table lookups, where JavaScript needs two 32-bit halves and twice the
 * lookups: measured on 64 MiB, 1.8 GB/s against the JavaScript loop's 0.8 GB/s.
 *
 * Memory layout (two 64 KiB pages):
 *   [0, 32 KiB)       TABLE_SLICES x 256 little-endian uint64 tables, filled by the caller
 *   [STATE, +8)       the CRC state after each call
 *   [INPUT, +INPUT_BYTES)  the bytes to fold in, copied there by the caller
 *
 * `update(lo, hi, length)` folds `length` input bytes into the state (lo, hi) and stores the
 * new state at STATE: sixteen bytes per step (slicing-by-16: two loads, sixteen independent
 * lookups), then one byte per step for the tail.
 */

export const TABLE_SLICES = 16;
export const STATE = TABLE_SLICES * 256 * 8;
export const INPUT = STATE + 16;
export const INPUT_BYTES = 64 * 1024;
const PAGES = 2;

export interface Crc64Kernel {
  memory: { buffer: ArrayBuffer };
  update: (lo: number, hi: number, length: number) => void;
}

/** The part of the WebAssembly global used here: @types/node does not declare it, and lib "dom" is not ours to include. */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

/** Compiled synchronously: the module is a few hundred bytes, and every archive needs it. */
export function instantiateKernel(): Crc64Kernel {
  const { Module, Instance } = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
  return new Instance(new Module(assemble())).exports as Crc64Kernel;
}

// Locals by index: the three i32 parameters, then the declared locals (i64, i64, i32 x 3, i64).
const LO = 0;
const HI = 1;
const LENGTH = 2;
const CRC = 3;
const WORD = 4;
const AT = 5;
const STEPS_END = 6;
const END = 7;
const NEXT_WORD = 8;

const I32 = 0x7f;
const I64 = 0x7e;

const op = {
  get: (local: number) => [0x20, local],
  set: (local: number) => [0x21, local],
  i32: (value: number) => [0x41, ...signedLeb(BigInt(value))],
  i64: (value: bigint) => [0x42, ...signedLeb(value)],
  /** i64.load, 8-byte aligned, at the address on the stack plus a constant offset. */
  load64: (offset: number) => [0x29, 3, ...leb(offset)],
  load8: [0x31, 0, 0],
  store64: [0x37, 3, 0],
  extendU: 0xad,
  wrap: 0xa7,
  shl: 0x86,
  shrU: 0x88,
  or: 0x84,
  xor: 0x85,
  and: 0x83,
  add32: 0x6a,
  and32: 0x71,
  geU32: 0x4f,
  /** block { loop { ... } }: `br_if 1` leaves, `br 0` repeats. */
  loop: (body: number[]) => [0x02, 0x40, 0x03, 0x40, ...body, 0x0c, 0, 0x0b, 0x0b],
  exitIf: [0x0d, 1],
};

/**
 * Table lookup for byte `index` (0 = lowest) of the 64-bit local `word`: the byte times 8 is
 * the offset in its table; `table` picks the table through the load's constant offset.
 */
function lookup(word: number, index: number, table: number): number[] {
  const shift = index === 0 ? [...op.i64(3n), op.shl] : [...op.i64(BigInt(8 * index - 3)), op.shrU];
  return [...op.get(word), ...shift, ...op.i64(0x7f8n), op.and, op.wrap, ...op.load64(table * 256 * 8)];
}

function assemble(): Uint8Array {
  // Byte k of the 16-byte step (k = 0..15) is followed by 15 - k more bytes: table 15 - k.
  const stepLookups = [
    ...lookup(WORD, 0, 15),
    ...[1, 2, 3, 4, 5, 6, 7].flatMap((k) => [...lookup(WORD, k, 15 - k), op.xor]),
    ...[0, 1, 2, 3, 4, 5, 6, 7].flatMap((k) => [...lookup(NEXT_WORD, k, 7 - k), op.xor]),
  ];
  const code = [
    // crc = hi << 32 | lo
    ...op.get(HI), op.extendU, ...op.i64(32n), op.shl, ...op.get(LO), op.extendU, op.or, ...op.set(CRC),
    ...op.i32(INPUT), ...op.set(AT),
    ...op.i32(INPUT), ...op.get(LENGTH), op.add32, ...op.set(END),
    ...op.i32(INPUT), ...op.get(LENGTH), ...op.i32(-16), op.and32, op.add32, ...op.set(STEPS_END),
    ...op.loop([
      ...op.get(AT), ...op.get(STEPS_END), op.geU32, ...op.exitIf,
      ...op.get(CRC), ...op.get(AT), ...op.load64(0), op.xor, ...op.set(WORD),
      ...op.get(AT), ...op.load64(8), ...op.set(NEXT_WORD),
      ...stepLookups, ...op.set(CRC),
      ...op.get(AT), ...op.i32(16), op.add32, ...op.set(AT),
    ]),
    ...op.loop([
      ...op.get(AT), ...op.get(END), op.geU32, ...op.exitIf,
      // crc = table0[(crc ^ byte) & 0xff] ^ crc >> 8
      ...op.get(CRC), ...op.get(AT), ...op.load8, op.xor, ...op.i64(0xffn), op.and, ...op.i64(3n), op.shl, op.wrap, ...op.load64(0),
      ...op.get(CRC), ...op.i64(8n), op.shrU, op.xor, ...op.set(CRC),
      ...op.get(AT), ...op.i32(1), op.add32, ...op.set(AT),
    ]),
    ...op.i32(STATE), ...op.get(CRC), ...op.store64,
    0x0b,
  ];
  const body = [...vector([[2, I64], [3, I32], [1, I64]]), ...code];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector([[0x60, ...vector([[I32], [I32], [I32]]), 0]])), // type: (i32 i32 i32) -> ()
    ...section(3, vector([[0]])), // function 0 has type 0
    ...section(5, vector([[0, PAGES]])), // one memory of PAGES pages, no maximum
    ...section(7, vector([[...name('memory'), 2, 0], [...name('update'), 0, 0]])),
    ...section(10, vector([[...leb(body.length), ...body]])),
  ]);
}

function section(id: number, content: number[]): number[] {
  return [id, ...leb(content.length), ...content];
}

function vector(items: number[][]): number[] {
  return [...leb(items.length), ...items.flat()];
}

function name(text: string): number[] {
  return [...leb(text.length), ...new TextEncoder().encode(text)];
}

function leb(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    const low = rest & 0x7f;
    rest >>>= 7;
    out.push(rest === 0 ? low : low | 0x80);
  } while (rest !== 0);
  return out;
}

function signedLeb(value: bigint): number[] {
  const out: number[] = [];
  let rest = value;
  for (;;) {
    const low = Number(rest & 0x7fn);
    rest >>= 7n;
    const done = (rest === 0n && (low & 0x40) === 0) || (rest === -1n && (low & 0x40) !== 0);
    out.push(done ? low : low | 0x80);
    if (done) return out;
  }
}
