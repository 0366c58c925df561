/**
 * A namespace's running totals while its documents stream past: count, bytes and CRC-64,
 * as the EOF block needs them (SPEC.md "Checksum"). Shared by writer and reader so that
 * what one writes the other recomputes the same way.
 */
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

  add(document: Uint8Array): void {
    this.crc.update(document);
    this.documents++;
    this.bsonBytes += document.length;
  }

  summary(): NamespaceSummary {
    return { db: this.db, collection: this.collection, documents: this.documents, bsonBytes: this.bsonBytes, crc64: this.crc.digest() };
  }
}
