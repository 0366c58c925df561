/**
 * CRC-64/XZ, the checksum mongodump stores in each namespace's EOF block (SPEC.md "Checksum").
 * It sits on the hot path of every backup, verify and restore; the inner loop runs in
 * WebAssembly (crc64-kernel.ts), with the tables computed here.
 */
import { INPUT, INPUT_BYTES, STATE, TABLE_SLICES, instantiateKernel } from './crc64-kernel.js';

/** The reflected polynomial (Go's `crc64.ECMA`), split into 32-bit halves. */
const POLY_HI = 0xc96c5795;
const POLY_LO = 0xd7870f42;

const kernel = instantiateKernel();
const input = new Uint8Array(kernel.memory.buffer, INPUT, INPUT_BYTES);
const state = new Uint32Array(kernel.memory.buffer, STATE, 2);
fillTables(new Uint32Array(kernel.memory.buffer, 0, TABLE_SLICES * 256 * 2));

/**
 * Table k, entry b: the CRC contribution of byte b followed by k zero bytes, as uint64
 * little-endian (low half first). Table 0 is the classic byte table; table k folds one more
 * zero byte into table k - 1.
 */
function fillTables(tables: Uint32Array): void {
  for (let b = 0; b < 256; b++) {
    let lo = b;
    let hi = 0;
    for (let bit = 0; bit < 8; bit++) {
      const carry = lo & 1;
      lo = ((lo >>> 1) | (hi << 31)) >>> 0;
      hi = hi >>> 1;
      if (carry) {
        lo = (lo ^ POLY_LO) >>> 0;
        hi = (hi ^ POLY_HI) >>> 0;
      }
    }
    tables[2 * b] = lo;
    tables[2 * b + 1] = hi;
  }
  for (let k = 1; k < TABLE_SLICES; k++) {
    for (let b = 0; b < 256; b++) {
      const previous = 2 * ((k - 1) * 256 + b);
      const prevLo = tables[previous] ?? 0;
      const prevHi = tables[previous + 1] ?? 0;
      const index = 2 * (prevLo & 0xff);
      tables[2 * (k * 256 + b)] = ((tables[index] ?? 0) ^ ((prevLo >>> 8) | (prevHi << 24))) >>> 0;
      tables[2 * (k * 256 + b) + 1] = ((tables[index + 1] ?? 0) ^ (prevHi >>> 8)) >>> 0;
    }
  }
}

/** Streaming CRC-64/XZ: feed bytes in any chunking, read the value at any time. */
export class Crc64 {
  // Init is all ones; the state is kept un-inverted and inverted again by digest().
  private lo = 0xffffffff;
  private hi = 0xffffffff;

  update(bytes: Uint8Array): void {
    for (let at = 0; at < bytes.length; at += INPUT_BYTES) {
      const piece = bytes.subarray(at, at + INPUT_BYTES);
      input.set(piece);
      kernel.update(this.lo, this.hi, piece.length);
      this.lo = state[0] ?? 0;
      this.hi = state[1] ?? 0;
    }
  }

  /** The CRC of everything fed so far, as the unsigned 64-bit value. */
  digest(): bigint {
    return (BigInt((this.hi ^ 0xffffffff) >>> 0) << 32n) | BigInt((this.lo ^ 0xffffffff) >>> 0);
  }
}

/** CRC-64/XZ of one buffer. */
export function crc64(bytes: Uint8Array): bigint {
  const crc = new Crc64();
  crc.update(bytes);
  return crc.digest();
}

/** 16 lowercase hex digits, as manifests store it; accepts the signed int64 form too. */
export function crc64Hex(value: bigint): string {
  return BigInt.asUintN(64, value).toString(16).padStart(16, '0');
}
