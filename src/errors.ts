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
  | 'KEY'
  | 'ALREADY_EXISTS'
  | 'CORRUPT'
  | 'VERIFY_FAILED'
  | 'ABORTED'
  | 'INTERNAL';

/**
 * The kind of failure underneath an error, for programs deciding whether to retry, alert or give
 * up: a `network` fault may pass, a `permission` one needs a person.
 *
 * - `network`: the request failed on the way (reset, refused, no route) or the service failed it (5xx)
 * - `timeout`: no answer in time (a request timeout, or the Lambda's deadline)
 * - `throttled`: the service asked us to slow down (SlowDown, 503, 429)
 * - `permission`: refused (403, EACCES, missing or rejected credentials, a read-only disk)
 * - `not-found`: the key, file, bucket or backup does not exist (404, ENOENT)
 * - `checksum`: bytes differ from what was written (CRC-64, SHA-256, size)
 * - `count`: a namespace holds more or fewer documents than recorded
 * - `invalid`: malformed input (archive framing, manifest, dump files, arguments)
 * - `aborted`: stopped by the caller's signal
 * - `key`: an encryption key is wrong, missing or unusable (disabled, too short, not RSA)
 */
export type CauseKind = 'network' | 'timeout' | 'throttled' | 'permission' | 'not-found' | 'checksum' | 'count' | 'invalid' | 'aborted' | 'key';

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
  /** What went wrong underneath, when one of the kinds says it. */
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
   * @param options `cause`, and `details`: the same facts as data. A MongosafeError `cause`
   *   passes its details on, so wrapping one ("refusing to restore …: <inner>") keeps what the
   *   inner error knew; the fields given here win.
   */
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
    options?: MongosafeErrorOptions,
  ) {
    super(message, options);
    // Fields given as undefined are left out, so `details` holds only what is known.
    const given = Object.entries(options?.details ?? {}).filter(([, value]) => value !== undefined);
    this.details = { ...detailsOf(options?.cause), ...Object.fromEntries(given) };
  }

  /** What `--json` prints for a failure and the Lambda logs: `{code, message, hint, details}`. */
  toJSON(): { code: ErrorCode; message: string; hint?: string; details: ErrorDetails } {
    return { code: this.code, message: this.message, ...(this.hint === undefined ? {} : { hint: this.hint }), details: this.details };
  }
}

export function isMongosafeError(error: unknown, code?: ErrorCode): error is MongosafeError {
  return error instanceof MongosafeError && (code === undefined || error.code === code);
}

/** The details of any thrown value: a MongosafeError's, else none. */
export function detailsOf(error: unknown): ErrorDetails {
  return error instanceof MongosafeError ? error.details : {};
}

/**
 * `error` with more details: for a MongosafeError, one of the same code, message and hint
 * (caused by it) whose details add `details` where it had none; anything else unchanged.
 * For the layer that knows the namespace or backup a lower layer's failure concerns.
 */
export function withDetails(error: unknown, details: ErrorDetails): unknown {
  if (!(error instanceof MongosafeError)) return error;
  const missing = Object.entries(details).filter(([field, value]) => value !== undefined && error.details[field as keyof ErrorDetails] === undefined);
  if (missing.length === 0) return error;
  return new MongosafeError(error.code, error.message, error.hint, { cause: error, details: Object.fromEntries(missing) });
}

/**
 * The failure of a run that `reason` stopped (a deadline, a signal): whatever noticed the stop
 * first (a secret read, an upload, a connection) says where it was, and its details (the
 * namespace, key or backup it was at) stay; the hint and the kind are the reason's.
 */
export function stoppedBy(reason: MongosafeError, error: unknown): MongosafeError {
  return new MongosafeError('ABORTED', `${reason.message}: ${messageOf(error)}`, reason.hint, { cause: error, details: { kind: reason.details.kind } });
}

/** How deep `causeChain` follows `cause`: wrappers nest a few levels, and a cycle must end. */
const MAX_CAUSE_DEPTH = 8;

/** `error`, then its `cause`, that one's `cause`… while each is an Error (the last may be any value). */
export function* causeChain(error: unknown): Generator<unknown> {
  let current = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH; depth++) {
    yield current;
    if (!(current instanceof Error) || current.cause === undefined) return;
    current = current.cause;
  }
}

/** The message of any thrown value, for wrapping foreign errors. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
