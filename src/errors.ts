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

export class MongosafeError extends Error {
  override name = 'MongosafeError';

  /**
   * @param code what kind of failure, for programs
   * @param message what failed and where (namespace, key, byte offset), one line
   * @param hint what the user can do about it
   */
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function isMongosafeError(error: unknown, code?: ErrorCode): error is MongosafeError {
  return error instanceof MongosafeError && (code === undefined || error.code === code);
}

/** The message of any thrown value, for wrapping foreign errors. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
