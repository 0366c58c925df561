/** Events a long operation reports through `onProgress`; the CLI draws them, the Lambda logs some. */
export type ProgressEvent =
  | { kind: 'plan'; namespaces: Array<{ namespace: string; expectedDocuments?: number }> }
  | { kind: 'documents'; namespace: string; documents: number; bsonBytes: number; expectedDocuments?: number }
  | { kind: 'namespace-done'; namespace: string; documents: number; bsonBytes: number }
  | { kind: 'stored-bytes'; bytes: number; expectedBytes?: number }
  | { kind: 'phase'; phase: string };

export type ProgressListener = (event: ProgressEvent) => void;

/** Structured logging the library may do; it never prints by itself. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export const SILENT_LOGGER: Logger = { info: () => {}, warn: () => {} };
