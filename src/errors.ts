/**
 * The one error type mongosafe throws on purpose. Callers branch on `code`;
 * the CLI maps each code to an exit code (src/cli/exit-codes.ts). Any other
 * error escaping the library is a bug.
 */
export type ErrorCode =
  | 'USAGE'
  | 'CONFIG'
  | 'AUTH'
  | 'SOURCE'
  | 'STORAGE'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'CORRUPT'
  | 'VERIFY_FAILED'
  | 'ABORTED'
  | 'INTERNAL';

/**
 * The kind of failure underneath an error, for programs deciding whether to retry, alert or give
 * up: a `network` fault may pass, a `permission` one needs a person.
 */
export type CauseKind = 'network' | 'timeout' | 'throttled' | 'permission' | 'not-found' | 'checksum' | 'count' | 'invalid' | 'aborted';

/**
 * Structured, JSON-safe facts about a failure, as the MongoDB driver's errors carry theirs:
 * read these fields, never the message. Every field is optional; each says where or why.
 */
export interface ErrorDetails {
  /** The namespace ("db.collection") the failure concerns. */
  namespace?: string;
  /** The storage key or local path read or written. */
  key?: string;
  /** The backup id concerned. */
  backupId?: string;
  kind?: CauseKind;
}

export interface MongosafeErrorOptions extends ErrorOptions {
  details?: ErrorDetails;
}

export class MongosafeError extends Error {
  override name = 'MongosafeError';
  readonly details: ErrorDetails;

  /**
   * @param code what kind of failure, for programs
   * @param message what failed and where (namespace, key, byte offset), one line
   * @param hint what the user can do about it
   * @param options `cause`, and `details`: the same facts as data
   */
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
    options?: MongosafeErrorOptions,
  ) {
    super(message, options);
    this.details = { ...options?.details };
  }

  /** What `--json` prints for a failure and the Lambda logs: `{code, message, hint, details}`. */
  toJSON(): { code: ErrorCode; message: string; hint?: string; details: ErrorDetails } {
    return { code: this.code, message: this.message, ...(this.hint === undefined ? {} : { hint: this.hint }), details: this.details };
  }
}

export function isMongosafeError(error: unknown, code?: ErrorCode): error is MongosafeError {
  return error instanceof MongosafeError && (code === undefined || error.code === code);
}

/** The message of any thrown value, for wrapping foreign errors. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
