import { MongosafeError } from '../errors.js';
import { openStorage } from '../storage/registry.js';
import type { Storage } from '../storage/storage.js';

/**
 * How every command that reads a backup names it: `restore`, `verify` and
 * `inspect` take these two fields in their options object (and `export` will).
 *
 * Two plain fields rather than an opened handle: a caller names a backup the
 * way the CLI's positional argument does, a path needs no destination at all,
 * and the command opens only what it reads (a stored backup's storage is
 * contacted only when `backup` is not a path). A string `storage` is the same
 * URL `--from` takes, so a script and a shell command read alike; a `Storage`
 * from `openStorage` lets one object serve `backup()` and the reads after it.
 *
 * @example
 * await restore({ backup: 'latest', storage: 's3://my-bucket/prod', uri });
 * await verify({ backup: '20261126T030000Z', storage });   // a Storage from openStorage
 * await inspect({ backup: './dump.archive' });              // a file needs no storage
 */
export interface BackupRef {
  /**
   * A backup id (`20261126T030000Z`), `"latest"` (the newest complete backup),
   * `"all"` (verify only), or the path of a mongodump `--archive` file (plain or
   * gzip), a mongodump `--out` folder or database folder, or one `<collection>.bson`.
   * A string that contains "/" or names an existing file or folder is a path.
   */
  backup: string;
  /**
   * Where stored backups are: a `Storage` from `openStorage`, or a destination
   * URL (`s3://bucket/prefix`, `file:///abs/path`, a folder path) opened with
   * `openStorage`. Needed unless `backup` is a path; ignored when it is.
   */
  storage?: Storage | string;
  /**
   * The key of an encrypted backup (docs/encryption.md): `key-file:PATH` for one made with a
   * key file, `private-key:PEM` (a path or the PEM itself) for one made with `public-key:`.
   * A KMS-encrypted backup names its key: leave this out, `kms:Decrypt` on it is enough.
   */
  decryptKey?: string;
}

/**
 * The storage `ref` names, opened on the first call and only then (at most
 * once), so that a command reading a path never needs one, nor contacts it.
 *
 * @throws MongosafeError USAGE when no storage was given or its URL is unusable;
 *   NOT_FOUND when the destination (folder, bucket) does not exist.
 */
export function storageOpener(ref: BackupRef, signal?: AbortSignal): () => Promise<Storage> {
  let opened: Promise<Storage> | undefined;
  return () => (opened ??= openReferenced(ref, signal));
}

async function openReferenced({ backup, storage }: BackupRef, signal?: AbortSignal): Promise<Storage> {
  if (storage === undefined) {
    throw new MongosafeError('USAGE', `"${backup}" names a stored backup, and no storage says where backups are`, 'pass storage: a destination URL (s3://bucket/prefix, a folder) or a Storage from openStorage; or give a path to a mongodump archive or folder', { details: { kind: 'invalid' } });
  }
  return requireDestination(typeof storage === 'string' ? await openStorage(storage) : storage, signal);
}

/**
 * The destination, checked to exist: said at once, since a missing bucket or a mistyped
 * folder would otherwise read as "no backups there".
 *
 * @throws MongosafeError NOT_FOUND naming the destination.
 */
export async function requireDestination(store: Storage, signal?: AbortSignal): Promise<Storage> {
  if (!(await store.exists({ signal }))) {
    throw new MongosafeError('NOT_FOUND', `the destination ${store.displayUrl} does not exist`, 'check the destination (--from, MONGOSAFE_DESTINATION); backups go to ./backups by default', { details: { key: store.displayUrl, kind: 'not-found' } });
  }
  return store;
}
