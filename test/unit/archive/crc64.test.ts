import { describe, expect, it } from 'vitest';
import { Crc64, crc64, crc64Hex } from '../../../src/archive/crc64.js';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const fromHex = (value: string): Uint8Array => Buffer.from(value, 'hex');

/** Bit-at-a-time BigInt reference, straight from the CRC-64/XZ definition. */
function referenceCrc(bytes: Uint8Array): bigint {
  const poly = 0xc96c5795d7870f42n;
  let crc = 0xffffffffffffffffn;
  for (const byte of bytes) {
    crc ^= BigInt(byte);
    for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc ^ 0xffffffffffffffffn;
}

describe('crc64 (CRC-64/XZ)', () => {
  it.each([
    ['empty', new Uint8Array(0), 0x0n],
    ['"a"', text('a'), 0x330284772e652b05n],
    ['"123456789"', text('123456789'), 0x995dc9bbdf1939fan],
    ['{_id: 1}', fromHex('0e000000105f6964000100000000'), 0xf3ea61436a4459fen],
    ['{_id: 2}', fromHex('0e000000105f6964000200000000'), 0x179df8e33e08391cn],
    ['both documents', fromHex('0e000000105f69640001000000000e000000105f6964000200000000'), 0x0f51dd249ee42e7dn],
  ])('check value for %s', (_name, bytes, expected) => {
    expect(crc64(bytes)).toBe(expected);
  });

  it('does not depend on how the input is split', () => {
    const bytes = new Uint8Array(1000).map((_, i) => (i * 131 + 7) & 0xff);
    const whole = crc64(bytes);
    expect(whole).toBe(referenceCrc(bytes));
    for (const step of [1, 3, 8, 13, 64, 999]) {
      const crc = new Crc64();
      for (let at = 0; at < bytes.length; at += step) crc.update(bytes.subarray(at, at + step));
      expect(crc.digest()).toBe(whole);
    }
  });

  it('matches the bitwise reference on random inputs of every length up to 70', () => {
    for (let length = 0; length <= 70; length++) {
      const bytes = new Uint8Array(length).map(() => Math.floor(Math.random() * 256));
      expect(crc64(bytes)).toBe(referenceCrc(bytes));
    }
  });

  it('hex is 16 lowercase digits of the unsigned value, also from the signed form', () => {
    expect(crc64Hex(0n)).toBe('0000000000000000');
    expect(crc64Hex(0x0f51dd249ee42e7dn)).toBe('0f51dd249ee42e7d');
    expect(crc64Hex(-7149850455237104254n)).toBe('9cc6a0e47a6d6d82');
  });

  it('hashes at a useful speed (logs MB/s)', () => {
    const bytes = new Uint8Array(16 * 1024 * 1024).map((_, i) => (i * 2654435761) >>> 24);
    const crc = new Crc64();
    crc.update(bytes); // warm-up
    const started = performance.now();
    for (let round = 0; round < 4; round++) crc.update(bytes);
    const mbPerSecond = (4 * bytes.length) / 1e6 / ((performance.now() - started) / 1000);
    console.log(`crc64: ${mbPerSecond.toFixed(0)} MB/s`);
    // A loose floor that catches a BigInt-per-byte regression (a few MB/s) on a loaded CI box.
    expect(mbPerSecond).toBeGreaterThan(50);
  });
});
