import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

export interface DigestStream {
  /** A pass-through that hashes and counts what flows through it. */
  stream: Transform;
  /** Bytes seen so far and their SHA-256 (lowercase hex); call once the stream has ended. */
  result(): { bytes: number; sha256: string };
}

/** SHA-256 and byte count of a byte stream, as it passes: the manifest's two archive checks. */
export function createDigestStream(onBytes?: (bytes: number) => void): DigestStream {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      onBytes?.(bytes);
      callback(null, chunk);
    },
  });
  return { stream, result: () => ({ bytes, sha256: hash.digest('hex') }) };
}
