/**
 * A namespace's running totals while its documents stream past: count, bytes and CRC-64,
 * as the EOF block needs them (SPEC.md "Checksum"). Shared by writer and reader so that
 * what one writes the other recomputes the same way.
 */
import { contiguousRuns } from '../util/bytes.js';
import { Crc64 } from './crc64.js';
import type { NamespaceSummary } from './types.js';

export class NamespaceTally {
  private readonly crc = new Crc64();
  documents = 0;
  bsonBytes = 0;

  constructor(
    readonly db: string,
    readonly collection: string,
  ) {}

  /** Documents in stream order; adjacent ones are checksummed as one run. */
  addAll(documents: readonly Uint8Array[]): void {
    for (const run of contiguousRuns(documents)) {
      this.crc.update(run);
      this.bsonBytes += run.length;
    }
    this.documents += documents.length;
  }

  summary(): NamespaceSummary {
    return { db: this.db, collection: this.collection, documents: this.documents, bsonBytes: this.bsonBytes, crc64: this.crc.digest() };
  }
}
