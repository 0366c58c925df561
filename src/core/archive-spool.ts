import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, statfs, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { MongosafeError, messageOf } from '../errors.js';
import { READ_CHUNK_BYTES, formatBytes } from '../util/bytes.js';
import type { ProgressListener } from './progress.js';

/** Where restore keeps its local copy of a remote backup, and whom it tells when it cannot. */
export interface SpoolOptions {
  /** The folder for the copy; default the OS temp folder. It must exist. */
  dir?: string;
  /** Told once, as a phase line, when no copy is kept (too little free space, or the copy failed): the backup is then read from storage again. */
  onProgress?: ProgressListener;
}

/** Free space left beside the copy, so that filling a disk for a restore never breaks the rest of the machine. */
const FREE_SPACE_RESERVE_BYTES = 64 * 1024 * 1024;

/**
 * A local copy of one stored object, kept while a restore reads it several times: the check
 * pass downloads it once and copies it here on the way; the write pass (and the oplog's replay)
 * read the copy. The copy counts only once the pass that wrote it ended whole and its size and
 * SHA-256 matched the manifest (`SpoolCopy.finish`); anything less is thrown away. The later passes check
 * every byte again as they read, so the copy is trusted no more than the store.
 *
 * The copy holds the object as stored (ciphertext, for an encrypted backup: no plaintext
 * reaches the disk), owner-only in a folder of its own, and is deleted by `close`.
 */
export class ArchiveSpool {
  private folder: string | undefined;
  private copying: SpoolCopy | undefined;
  private kept: string | undefined;
  /** A copy failed on the disk (full, or unwritable): the passes after it do not try again. */
  private diskFailed = false;
  private noticed = false;

  constructor(
    private readonly what: string,
    private readonly options: SpoolOptions = {},
  ) {}

  /** The kept copy, read from the start; undefined until one is kept. */
  readKept(signal?: AbortSignal): Readable | undefined {
    return this.kept === undefined ? undefined : createReadStream(this.kept, { signal, highWaterMark: READ_CHUNK_BYTES });
  }

  /**
   * A pass-through that copies the object of `bytes` bytes into the spool as it is read, or
   * undefined when no copy is to be made (one is kept or under way, the disk is too full, or an
   * earlier copy failed on it).
   * Call its `finish` once the read is over.
   */
  async startCopy(bytes: number): Promise<SpoolCopy | undefined> {
    if (this.kept !== undefined || this.copying !== undefined || this.diskFailed) return undefined;
    const dir = this.options.dir ?? tmpdir();
    const free = await freeBytes(dir);
    if (free < bytes + FREE_SPACE_RESERVE_BYTES) {
      this.notice(`${dir} has ${formatBytes(free)} free, too little for a local copy of ${this.what} (${formatBytes(bytes)}): it is read from storage again for the writes (--spool-dir picks another folder)`);
      return undefined;
    }
    this.folder ??= await mkdtemp(join(dir, 'mongosafe-spool-'));
    const path = join(this.folder, 'archive');
    const file = await open(path, 'w', 0o600);
    const copy = new SpoolCopy(path, file, (kept) => {
      this.copying = undefined;
      if (kept) this.kept = path;
    }, (error) => {
      this.diskFailed = true;
      this.notice(`the local copy of ${this.what} failed (${messageOf(error)}): it is read from storage again for the writes`);
    });
    this.copying = copy;
    return copy;
  }

  /** Deletes the copy and its folder. */
  async close(): Promise<void> {
    await this.copying?.abandon();
    this.kept = undefined;
    if (this.folder !== undefined) await rm(this.folder, { recursive: true, force: true });
    this.folder = undefined;
  }

  private notice(message: string): void {
    if (this.noticed) return;
    this.noticed = true;
    this.options.onProgress?.({ kind: 'phase', phase: message });
  }
}

/** One copy being written: a pass-through whose bytes also go to the file, in order, with backpressure. */
export class SpoolCopy {
  readonly stream: Transform;
  private failed = false;
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly file: FileHandle,
    private readonly settle: (kept: boolean) => void,
    onFailure: (error: unknown) => void,
  ) {
    let position = 0;
    this.stream = new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        if (this.failed) {
          done(null, chunk);
          return;
        }
        // The next chunk waits for this write: the disk paces the download, memory stays bounded.
        this.writeAll(chunk, position).then(
          () => {
            position += chunk.length;
            done(null, chunk);
          },
          (error: unknown) => {
            // A full disk costs the copy, never the restore: the bytes still flow on.
            this.failed = true;
            onFailure(error);
            void this.abandon();
            done(null, chunk);
          },
        );
      },
      flush: (done) => {
        this.closeFile().then(() => done(), (error: unknown) => {
          this.failed = true;
          onFailure(error);
          done();
        });
      },
    });
    // A read stopped early (restore reads only the prelude after the check) leaves no copy.
    this.stream.on('close', () => {
      if (!this.stream.writableFinished) void this.abandon();
    });
  }

  /**
   * Once the read is over: kept when it ended and was `proven` whole (later passes read the
   * copy), else thrown away.
   */
  async finish(proven: boolean): Promise<void> {
    if (proven && !this.failed && this.stream.writableFinished) this.settle(true);
    else await this.abandon();
  }

  /** Throws the copy away (a failed, partial or unproven read). */
  async abandon(): Promise<void> {
    this.failed = true;
    await this.closeFile().catch(() => undefined);
    await rm(this.path, { force: true });
    this.settle(false);
  }

  /**
   * The whole chunk at `position`: a write may take only part of it (a file-size limit or a disk
   * filling up answers the first write short, the next with EFBIG or ENOSPC), and a copy missing
   * bytes would be kept as whole, its digest being the download's.
   */
  private async writeAll(chunk: Buffer, position: number): Promise<void> {
    for (let written = 0; written < chunk.length; ) {
      const { bytesWritten } = await this.file.write(chunk, written, chunk.length - written, position + written);
      if (bytesWritten === 0) throw new Error(`no bytes written at ${position + written}`);
      written += bytesWritten;
    }
  }

  private async closeFile(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.file.close();
  }
}

async function freeBytes(dir: string): Promise<number> {
  try {
    const stats = await statfs(dir);
    return stats.bavail * stats.bsize;
  } catch (error) {
    throw new MongosafeError('USAGE', `cannot use ${dir} for restore's local copy of the backup: ${messageOf(error)}`, 'give --spool-dir an existing, writable folder', {
      cause: error,
      details: { key: dir, kind: 'invalid' },
    });
  }
}
