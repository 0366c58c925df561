import { MongosafeError } from '../errors.js';

/**
 * Every backend's answer to a put-if-absent on a taken key. `where`: "key in url", or a full URL;
 * `key`: the storage key (or local path), for `details.key`.
 */
export function alreadyExistsError(where: string, key: string | undefined, cause?: unknown): MongosafeError {
  return new MongosafeError('ALREADY_EXISTS', `${where} already exists`, 'mongosafe never overwrites; use a new key', { cause, details: { key } });
}

/** Every backend's answer to reading a missing key. */
export function notFoundError(where: string, key: string | undefined, cause?: unknown): MongosafeError {
  return new MongosafeError('NOT_FOUND', `${where} not found`, undefined, { cause, details: { key, kind: 'not-found' } });
}
