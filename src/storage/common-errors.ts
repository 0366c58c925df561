import { MongosafeError } from '../errors.js';

/** Every backend's answer to a put-if-absent on a taken key. `where`: "key in url", or a full URL. */
export function alreadyExistsError(where: string, cause?: unknown): MongosafeError {
  return new MongosafeError('ALREADY_EXISTS', `${where} already exists`, 'mongosafe never overwrites; use a new key', { cause });
}

/** Every backend's answer to reading a missing key. */
export function notFoundError(where: string, cause?: unknown): MongosafeError {
  return new MongosafeError('NOT_FOUND', `${where} not found`, undefined, { cause });
}
