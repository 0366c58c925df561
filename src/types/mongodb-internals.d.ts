/**
 * The types of driver internals, for their one importer, src/source/driver-internals.ts (the
 * adapter that holds every use of the driver's private members, and says why each): an OP_MSG
 * document sequence built from already-serialized documents, the OP_MSG request that carries
 * it, and the byte helpers the driver joins a message with before writing it to the socket.
 * An ambient module declaration cannot live in a module file, hence this file. The driver is
 * pinned to an exact version; test/integration/driver-internals.test.ts guards it.
 */
declare module 'mongodb/lib/cmap/commands.js' {
  export class DocumentSequence {
    constructor(field: string);
    /** What command monitoring reports for the sequence's field. */
    documents: unknown[];
    /** Appends one document's raw BSON; `document` is what the driver reports for it. */
    push(document: unknown, buffer: Uint8Array): number;
    /** The kind-1 section: kind byte, size, field name, documents. */
    toBin(): Uint8Array;
  }
  export class OpMsgRequest {
    /** The command document; fields holding a DocumentSequence become kind-1 sections. */
    command: Record<string, unknown>;
    requestId: number;
    checksumPresent: boolean;
    moreToCome: boolean;
    exhaustAllowed: boolean;
    /** The message as the buffers the connection joins and writes (a property: it is wrapped). */
    toBin: (this: OpMsgRequest) => Uint8Array[];
    /** The command document as BSON, with this request's serialization options. */
    serializeBson(document: Record<string, unknown>): Uint8Array;
  }
}

declare module 'mongodb/lib/bson.js' {
  export const ByteUtils: {
    /** One buffer holding the list's bytes: what Connection.writeCommand writes to the socket. */
    concat: (list: Uint8Array[]) => Uint8Array;
  };
}
