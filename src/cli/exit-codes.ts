import type { ErrorCode } from '../errors.js';

/** The Record makes every new error code choose its exit code. DESIGN.md §4. */
export const EXIT_CODE: Record<ErrorCode, number> = {
  USAGE: 2,
  CONFIG: 2,
  VERIFY_FAILED: 3,
  ABORTED: 130,
  AUTH: 1,
  SOURCE: 1,
  STORAGE: 1,
  NOT_FOUND: 1,
  KEY: 1,
  ALREADY_EXISTS: 1,
  CORRUPT: 1,
  INTERNAL: 1,
};

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
