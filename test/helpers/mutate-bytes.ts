/**
 * One random damage to a byte string, for fuzz tests: a truncation, a flipped
 * bit, a few overwritten bytes, or a few deleted bytes. Returns a copy and a
 * description for the failure message.
 */
export function mutateBytes(original: Uint8Array, random: () => number): { bytes: Uint8Array; what: string } {
  const bytes = Uint8Array.from(original);
  const at = Math.floor(random() * bytes.length);
  const kind = random();
  if (kind < 0.3) return { bytes: bytes.subarray(0, at), what: `truncate at ${at}` };
  if (kind < 0.8) {
    const bit = Math.floor(random() * 8);
    bytes[at] = (bytes[at] ?? 0) ^ (1 << bit);
    return { bytes, what: `flip bit ${bit} of byte ${at}` };
  }
  if (kind < 0.9) {
    const length = 1 + Math.floor(random() * 8);
    for (let i = at; i < Math.min(bytes.length, at + length); i++) bytes[i] = Math.floor(random() * 256);
    return { bytes, what: `overwrite ${length} bytes at ${at}` };
  }
  const length = 1 + Math.floor(random() * 16);
  return { bytes: Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + length)]), what: `delete ${length} bytes at ${at}` };
}
