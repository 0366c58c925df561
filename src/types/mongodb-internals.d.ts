/**
 * The type of a driver internal, for its one importer, src/source/driver-internals.ts (the
 * adapter that holds every use of the driver's private members, and says why each): an OP_MSG
 * document sequence built from already-serialized documents. An ambient module declaration
 * cannot live in a module file, hence this file. The driver is pinned to an exact version;
 * test/integration/driver-internals.test.ts guards it.
 */
declare module 'mongodb/lib/cmap/commands.js' {
  export class DocumentSequence {
    constructor(field: string);
    /** Appends one document's raw BSON; `document` is what the driver reports for it. */
    push(document: unknown, buffer: Uint8Array): number;
  }
}
