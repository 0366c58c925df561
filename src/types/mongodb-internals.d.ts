/**
 * A driver internal mongosafe uses (src/source/write.ts): an OP_MSG document
 * sequence built from already-serialized documents. The other, the cursor's
 * buffered batch, is typed where it is read (src/source/read.ts). The driver is
 * pinned to an exact version; test/integration/raw-bson.test.ts guards both.
 */
declare module 'mongodb/lib/cmap/commands.js' {
  export class DocumentSequence {
    constructor(field: string);
    /** Appends one document's raw BSON; `document` is what the driver reports for it. */
    push(document: unknown, buffer: Uint8Array): number;
  }
}
