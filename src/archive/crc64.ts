/**
 * CRC-64/XZ, the checksum mongodump stores in each namespace's EOF block (SPEC.md "Checksum").
 *
 * The 64-bit state lives in two uint32 halves and the update is table-driven, eight bytes
 * at a time (slicing-by-8): BigInt arithmetic per byte would run at a few MB/s, and the
 * checksum sits on the hot path of every backup and restore.
 */

/** The reflected polynomial (Go's `crc64.ECMA`), split into halves. */
const POLY_HI = 0xc96c5795;
const POLY_LO = 0xd7870f42;
const SLICES = 8;

/**
 * TABLE_LO/HI[k * 256 + b]: the CRC contribution of byte b followed by k zero bytes.
 * Slice 0 is the classic byte table; slice k folds one more zero byte into slice k-1.
 */
const TABLE_LO = new Int32Array(SLICES * 256);
const TABLE_HI = new Int32Array(SLICES * 256);

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
  TABLE_LO[b] = lo;
  TABLE_HI[b] = hi;
}
for (let k = 1; k < SLICES; k++) {
  for (let b = 0; b < 256; b++) {
    const prevLo = TABLE_LO[(k - 1) * 256 + b] ?? 0;
    const prevHi = TABLE_HI[(k - 1) * 256 + b] ?? 0;
    const index = prevLo & 0xff;
    TABLE_LO[k * 256 + b] = ((TABLE_LO[index] ?? 0) ^ ((prevLo >>> 8) | (prevHi << 24))) >>> 0;
    TABLE_HI[k * 256 + b] = ((TABLE_HI[index] ?? 0) ^ (prevHi >>> 8)) >>> 0;
  }
}

/** Streaming CRC-64/XZ: feed bytes in any chunking, read the value at any time. */
export class Crc64 {
  // Init is all ones; the state is kept un-inverted and inverted again by digest().
  private lo = 0xffffffff;
  private hi = 0xffffffff;

  update(bytes: Uint8Array): void {
    // Locals and non-null table reads keep this loop monomorphic and bounds-check free;
    // `| 0` on typed-array reads avoids the `?? 0` cost noUncheckedIndexedAccess would add.
    const tl = TABLE_LO;
    const th = TABLE_HI;
    let lo = this.lo;
    let hi = this.hi;
    let i = 0;
    const length = bytes.length;
    const wordEnd = length - (length % 8);
    for (; i < wordEnd; i += 8) {
      const a = lo ^ ((bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24));
      const b = hi ^ ((bytes[i + 4] as number) | ((bytes[i + 5] as number) << 8) | ((bytes[i + 6] as number) << 16) | ((bytes[i + 7] as number) << 24));
      const i7 = 7 * 256 + (a & 0xff);
      const i6 = 6 * 256 + ((a >>> 8) & 0xff);
      const i5 = 5 * 256 + ((a >>> 16) & 0xff);
      const i4 = 4 * 256 + (a >>> 24);
      const i3 = 3 * 256 + (b & 0xff);
      const i2 = 2 * 256 + ((b >>> 8) & 0xff);
      const i1 = 256 + ((b >>> 16) & 0xff);
      const i0 = b >>> 24;
      lo = (tl[i7] as number) ^ (tl[i6] as number) ^ (tl[i5] as number) ^ (tl[i4] as number) ^ (tl[i3] as number) ^ (tl[i2] as number) ^ (tl[i1] as number) ^ (tl[i0] as number);
      hi = (th[i7] as number) ^ (th[i6] as number) ^ (th[i5] as number) ^ (th[i4] as number) ^ (th[i3] as number) ^ (th[i2] as number) ^ (th[i1] as number) ^ (th[i0] as number);
    }
    for (; i < length; i++) {
      const index = (lo ^ (bytes[i] as number)) & 0xff;
      lo = (tl[index] as number) ^ ((lo >>> 8) | (hi << 24));
      hi = (th[index] as number) ^ (hi >>> 8);
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
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
