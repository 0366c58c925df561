/**
 * The one driver internal mongosafe uses (src/source/write.ts): an OP_MSG
 * document sequence built from already-serialized documents. The driver is
 * pinned to an exact version; test/integration/raw-insert.test.ts guards it.
 */
declare module 'mongodb/lib/cmap/commands.js' {
  export class DocumentSequence {
    constructor(field: string);
    /** Appends one document's raw BSON; `document` is what the driver reports for it. */
    push(document: unknown, buffer: Uint8Array): number;
  }
}
