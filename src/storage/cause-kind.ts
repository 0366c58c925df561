import type { CauseKind } from '../errors.js';

/** What S3 (and the SDK) call an answer that asks us to slow down. */
const THROTTLED_NAMES = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded']);

const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);

// Errno codes of a connection that broke, or never came about, on the way.
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** The facts about a failed request that its kind is read from. */
export interface RequestFault {
  /** The error's name (the SDK's exception name, or "Error"). */
  name?: string;
  /** The service's error code, or a Node errno code. */
  code?: string;
  /** The HTTP status, when an answer came. */
  status?: number;
}

/**
 * The `details.kind` of a failed storage request that was neither refused nor missing:
 * throttled, timed out, or failed on the way (or by the service, 5xx). Undefined for the rest,
 * which no kind describes (a full disk, a bad request).
 */
export function requestFaultKind(fault: RequestFault): CauseKind | undefined {
  const is = (names: Set<string>) => (fault.name !== undefined && names.has(fault.name)) || (fault.code !== undefined && names.has(fault.code));
  if (is(THROTTLED_NAMES) || fault.status === 429 || fault.status === 503) return 'throttled';
  if (is(TIMEOUT_NAMES)) return 'timeout';
  if (is(NETWORK_CODES) || (fault.status !== undefined && fault.status >= 500)) return 'network';
  return undefined;
}
