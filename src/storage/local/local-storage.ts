import { randomBytes } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { copyFile, link, mkdir, open, opendir, readdir, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { MongosafeError } from '../../errors.js';
import { throwIfAborted } from '../../util/abort.js';
import { READ_CHUNK_BYTES } from '../../util/bytes.js';
import { type Body, readBody, translateReadable } from '../body.js';
import { alreadyExistsError, notFoundError } from '../common-errors.js';
import { assertValidKey, assertValidPrefix, isPartialName } from '../key.js';
import type { ObjectInfo, PutOptions, PutResult, Storage } from '../storage.js';
import { errnoCode, translateFsError, type FsErrorContext } from './fs-errors.js';

// File systems without hard links (some FUSE, SMB and exFAT mounts) answer link() so.
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

// A put writes its temporary file continuously; one untouched this long belongs
// to a process that died mid-write (kill -9, OOM, power loss): S3 discards such
// uploads by a lifecycle rule, this folder has only us to tidy it.
const ABANDONED_PARTIAL_MS = 60 * 60 * 1000;

/** Permission bits for what a put creates. */
interface AccessModes {
  file: number;
  folder: number;
}

// Backups hold every user's data: owner only, as restic writes its repositories, unless the
// destination folder itself grants its group access (restic's rule for shared repositories).
const OWNER_ONLY: AccessModes = { file: 0o600, folder: 0o700 };
const OWNER_AND_GROUP: AccessModes = { file: 0o640, folder: 0o750 };
const GROUP_READ = 0o040;

/** Files under one folder; keys map to relative paths. */
export class LocalStorage implements Storage {
  readonly displayUrl: string;
  readonly local = true;
  /** Decided once, from the destination folder as the first put finds it. */
  private accessModes?: Promise<AccessModes>;

  /** @param root absolute folder; created by the first put when missing */
  constructor(readonly root: string) {
    this.displayUrl = pathToFileURL(root).href;
  }

  async exists(): Promise<boolean> {
    const info = await stat(this.root).catch((error: unknown) => {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw translateFsError(error, this.context('checking', undefined));
    });
    if (info === undefined) return false;
    if (!info.isDirectory()) {
      throw new MongosafeError('CONFIG', `destination ${this.displayUrl} is a file, not a folder`, 'point the destination at a folder');
    }
    return true;
  }

  /**
   * Never overwrites, even when two writers race: the body goes to a hidden
   * temporary file in the target folder, is flushed to disk, and is then
   * hard-linked to its name, which fails atomically when the name is taken.
   * On any failure or abort the temporary file is removed.
   */
  async put(key: string, body: Body, options: PutOptions): Promise<PutResult> {
    assertValidKey(key);
    const context = this.context('writing', key);
    const path = this.pathOf(key);
    const temp = join(dirname(path), `.${key.split('/').at(-1) ?? 'object'}.partial-${randomBytes(6).toString('hex')}`);
    let bytes = 0;
    let bodyError: unknown;
    async function* counted(): AsyncGenerator<Uint8Array> {
      try {
        for await (const chunk of readBody(body, options.signal, `writing ${key}`)) {
          bytes += chunk.byteLength;
          yield chunk;
        }
      } catch (error) {
        bodyError = error;
        throw error;
      }
    }
    try {
      throwIfAborted(options.signal, `writing ${key}`);
      await this.createTemp(temp);
      await pipeline(counted(), createWriteStream(temp, { flags: 'r+', flush: true }), { signal: options.signal });
      throwIfAborted(options.signal, `writing ${key}`);
      await publish(temp, path, key, this.displayUrl);
      await syncFolder(dirname(path));
      return { bytes };
    } catch (error) {
      if (error === bodyError) throw error;
      throw translateFsError(error, context);
    } finally {
      await unlink(temp).catch((error: unknown) => {
        if (errnoCode(error) !== 'ENOENT') throw translateFsError(error, this.context('cleaning up after writing', key));
      });
    }
  }

  async get(key: string, options: { signal?: AbortSignal } = {}): Promise<Readable> {
    assertValidKey(key);
    const context = this.context('reading', key);
    throwIfAborted(options.signal, `reading ${key}`);
    let handle;
    try {
      handle = await open(this.pathOf(key), 'r');
    } catch (error) {
      if (errnoCode(error) === 'ENOTDIR') throw notFoundError(`${key} in ${this.displayUrl}`, key, error);
      throw translateFsError(error, context);
    }
    // open() succeeds on folders; only files are objects.
    const isFile = await handle.stat().then(
      (info) => info.isFile(),
      async (error: unknown) => {
        await handle.close();
        throw translateFsError(error, context);
      },
    );
    if (!isFile) {
      await handle.close();
      throw notFoundError(`${key} in ${this.displayUrl}`, key);
    }
    return translateReadable(handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES }), options.signal, `reading ${key}`, (error) =>
      translateFsError(error, context),
    );
  }

  async head(key: string, options: { signal?: AbortSignal } = {}): Promise<ObjectInfo | undefined> {
    assertValidKey(key);
    throwIfAborted(options.signal, `reading ${key}`);
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { key, bytes: info.size, lastModified: info.mtime } : undefined;
    } catch (error) {
      // ENOTDIR: a parent of the key is a file, so the key cannot exist either.
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
      throw translateFsError(error, this.context('reading', key));
    }
  }

  /**
   * Walks only the folder the prefix points into, then sorts: a depth-first walk
   * is not key order ('a-c' sorts before 'a/b'), and backup counts are small.
   */
  async *list(prefix: string, options: { signal?: AbortSignal } = {}): AsyncIterable<ObjectInfo> {
    assertValidPrefix(prefix);
    const start = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const found: ObjectInfo[] = [];
    try {
      await this.walk(start, prefix, found, options.signal);
    } catch (error) {
      throw translateFsError(error, this.context('listing', undefined, prefix === '' ? 'the folder' : `${prefix}*`));
    }
    found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* found;
  }

  /** Removes the file, then any folders the removal left empty (up to the root). */
  async delete(key: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    assertValidKey(key);
    throwIfAborted(options.signal, `deleting ${key}`);
    try {
      await unlink(this.pathOf(key));
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return;
      throw translateFsError(error, this.context('deleting', key));
    }
    await this.removeEmptyParents(key);
  }

  private pathOf(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  /** `key` undefined: an operation on the folder (named `target` in messages). */
  private context(doing: string, key: string | undefined, target = key ?? 'the folder'): FsErrorContext {
    return { doing, target, key, displayUrl: this.displayUrl };
  }

  /**
   * Creates the temporary file exclusively. A concurrent delete may remove the
   * freshly made parent folders (removeEmptyParents) before the file exists, or
   * while a recursive mkdir is between two levels (it then fails with ENOENT
   * itself), so a vanished folder is made again. Each removal needs a delete
   * that left the folder empty, so the retries end; the bound is for safety.
   */
  private async createTemp(temp: string): Promise<void> {
    const modes = await (this.accessModes ??= this.readAccessModes());
    for (let attempt = 1; ; attempt++) {
      try {
        await mkdir(dirname(temp), { recursive: true, mode: modes.folder });
        await (await open(temp, 'wx', modes.file)).close();
        return;
      } catch (error) {
        if (errnoCode(error) !== 'ENOENT' || attempt >= 100) throw error;
      }
    }
  }

  /** Group access only where the destination folder already grants it; a new folder is owner-only. */
  private async readAccessModes(): Promise<AccessModes> {
    try {
      return ((await stat(this.root)).mode & GROUP_READ) !== 0 ? OWNER_AND_GROUP : OWNER_ONLY;
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return OWNER_ONLY;
      throw error;
    }
  }

  private async walk(relative: string, prefix: string, found: ObjectInfo[], signal: AbortSignal | undefined): Promise<void> {
    throwIfAborted(signal, `listing ${this.displayUrl}`);
    let dir;
    try {
      dir = await opendir(relative === '' ? this.root : this.pathOf(relative));
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return;
      throw error;
    }
    for await (const entry of dir) {
      if (isPartialName(entry.name)) continue;
      const key = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (prefix.startsWith(`${key}/`) || key.startsWith(prefix)) await this.walk(key, prefix, found, signal);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        const info = await stat(join(this.root, ...key.split('/'))).catch((error: unknown) => {
          if (errnoCode(error) === 'ENOENT') return undefined; // deleted while listing
          throw error;
        });
        if (info) found.push({ key, bytes: info.size, lastModified: info.mtime });
      }
    }
  }

  /**
   * Removes the file's folder, then its parents, while they are empty. Abandoned
   * temporary files of crashed puts are removed first: hidden from list(), they
   * would otherwise keep an incomplete backup's folder (and its bytes) forever.
   */
  private async removeEmptyParents(key: string): Promise<void> {
    const segments = key.split('/').slice(0, -1);
    while (segments.length > 0) {
      const folder = join(this.root, ...segments);
      try {
        await removeAbandonedPartials(folder);
        await rmdir(folder);
      } catch (error) {
        const code = errnoCode(error);
        // Not empty (or already gone, or raced by a writer): the tidy-up is done.
        if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOENT' || code === 'EBUSY') return;
        throw translateFsError(error, this.context('tidying up after deleting', key));
      }
      segments.pop();
    }
  }
}

/**
 * Gives the finished temporary file its name without ever replacing one.
 * Where hard links are unsupported, an exclusive copy keeps never-overwrite
 * (only a reader racing the copy could see a partial file).
 */
async function publish(temp: string, path: string, key: string, displayUrl: string): Promise<void> {
  try {
    await link(temp, path);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EEXIST') throw alreadyExistsError(`${key} in ${displayUrl}`, key, error);
    if (code === undefined || !NO_HARD_LINKS.has(code)) throw error;
    try {
      await copyFile(temp, path, constants.COPYFILE_EXCL);
    } catch (copyError) {
      if (errnoCode(copyError) === 'EEXIST') throw alreadyExistsError(`${key} in ${displayUrl}`, key, copyError);
      throw copyError;
    }
  }
}

/** Deletes the temporary files in `folder` that no put has written to for ABANDONED_PARTIAL_MS. */
async function removeAbandonedPartials(folder: string): Promise<void> {
  const names = await readdir(folder).catch((error: unknown) => {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return [];
    throw error;
  });
  const abandonedBefore = Date.now() - ABANDONED_PARTIAL_MS;
  for (const name of names.filter(isPartialName)) {
    const path = join(folder, name);
    const info = await stat(path).catch((error: unknown) => {
      if (errnoCode(error) === 'ENOENT') return undefined; // its put just finished
      throw error;
    });
    if (info === undefined || info.mtimeMs >= abandonedBefore) continue;
    await unlink(path).catch((error: unknown) => {
      if (errnoCode(error) !== 'ENOENT') throw error;
    });
  }
}

/** Makes the new directory entry durable (POSIX only; Windows cannot open folders). */
async function syncFolder(folder: string): Promise<void> {
  if (sep === '\\') return;
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
