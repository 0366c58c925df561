import { readBody } from './body.js';
import { alreadyExistsError, notFoundError } from './common-errors.js';
import { assertValidKey } from './key.js';
import type { Storage } from './storage.js';

/** What a dry run would have done to the destination. */
export type DryRunEvent =
  | { action: 'put'; url: string; key: string; bytes: number }
  | { action: 'delete'; url: string; key: string; existed: boolean }
  | { action: 'requestRestore'; url: string; key: string; days: number; tier: string };

/**
 * A storage that reads for real and writes nothing: each put or delete (and
 * restore request, which costs money) is reported to `log` instead.
 *
 * A put still consumes its body, so the pipeline behind it runs to the end and
 * the byte count it reports is real, and it still fails with ALREADY_EXISTS
 * where the real put would: a dry run predicts failures too. There is no
 * memory of earlier dry puts: a second dry put of the same key passes.
 */
export function withDryRun(storage: Storage, log: (event: DryRunEvent) => void): Storage {
  const url = storage.displayUrl;
  const dryRun: Storage = {
    displayUrl: url,
    exists: (options) => storage.exists(options),
    get: (key, options) => storage.get(key, options),
    head: (key, options) => storage.head(key, options),
    list: (prefix, options) => storage.list(prefix, options),
    put: async (key, body, options) => {
      assertValidKey(key);
      if (await storage.head(key, { signal: options.signal })) {
        throw alreadyExistsError(`${key} in ${url}`);
      }
      let bytes = 0;
      for await (const chunk of readBody(body, options.signal, `writing ${key} (dry run)`)) bytes += chunk.byteLength;
      log({ action: 'put', url, key, bytes });
      return { bytes };
    },
    delete: async (key, options) => {
      const existed = (await storage.head(key, options)) !== undefined;
      log({ action: 'delete', url, key, existed });
    },
  };
  if (storage.requestRestore) {
    dryRun.requestRestore = async (key, options) => {
      const info = await storage.head(key, { signal: options.signal });
      if (info === undefined) throw notFoundError(`${key} in ${url}`);
      log({ action: 'requestRestore', url, key, days: options.days, tier: options.tier ?? 'Standard' });
      return { ready: info.archived !== true, estimate: info.archived === true ? 'not requested (dry run)' : 'not archived: readable now' };
    };
  }
  return dryRun;
}
