import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { MongosafeError, messageOf } from '../../errors.js';
import { onAbort } from '../../util/abort.js';
import { type Body, readBody } from '../body.js';
import { type PartPlan, partBytesAt } from './part-size.js';

/** Where and how to write: the object's fixed request fields. */
export type ObjectParams = Pick<
  PutObjectCommandInput,
  'Bucket' | 'Key' | 'ContentType' | 'ServerSideEncryption' | 'SSEKMSKeyId' | 'BucketKeyEnabled' | 'StorageClass' | 'ObjectLockMode' | 'ObjectLockRetainUntilDate'
> & { Bucket: string; Key: string };

export interface UploadRequest {
  client: S3Client;
  params: ObjectParams;
  plan: PartPlan;
  /** Parts uploading at once; memory ≈ (queueSize + 1) × part size. */
  queueSize: number;
  signal?: AbortSignal;
  /** For messages: "writing s3://bucket/key". */
  what: string;
  /** Turns an SDK error into ours; the body's own errors bypass it. */
  translate: (error: unknown) => Error;
}

interface Part {
  partNumber: number;
  data: Buffer;
  /** Known to be the last part (the body ended right after it). */
  last: boolean;
}

/**
 * Writes one object from a stream without ever overwriting (`If-None-Match: *`
 * on PutObject and on CompleteMultipartUpload) and with bounded memory.
 *
 * Written here rather than with lib-storage's `Upload`, because that one (3.11xx)
 * rejects `done()` on abort before its AbortMultipartUpload has been sent (so
 * parts can outlive a process that exits right after), cannot stop while the
 * body is stalled, does not pass the abort signal to requests in flight, and
 * insists on equal parts, which rules out growing parts for streams of unknown
 * size (part-size.ts).
 *
 * A body that fits in the first part is sent with one PutObject. Every request
 * body is an in-memory Buffer, so the SDK's own retries can replay it. On any
 * failure or abort, requests in flight are cancelled and awaited and the
 * multipart upload is aborted before this returns: no orphaned parts.
 *
 * @returns the number of bytes written
 */
export async function uploadObject(request: UploadRequest, body: Body): Promise<number> {
  const { client, params, plan, queueSize, what } = request;
  const controller = new AbortController();
  const unlink = onAbort(request.signal, () => controller.abort(request.signal?.reason));
  const abortSignal = controller.signal;
  let bodyError: unknown;
  async function* source(): AsyncGenerator<Uint8Array> {
    try {
      yield* readBody(body, abortSignal, what);
    } catch (error) {
      bodyError = error;
      throw error;
    }
  }

  const checksums = (await client.config.requestChecksumCalculation()) === 'WHEN_SUPPORTED';
  const checksumAlgorithm = checksums ? ('CRC32' as const) : undefined;
  const completed: CompletedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let uploadId: string | undefined;
  let bytes = 0;

  const uploadPart = async (part: Part, id: string): Promise<void> => {
    const result = await client.send(
      new UploadPartCommand({ Bucket: params.Bucket, Key: params.Key, UploadId: id, PartNumber: part.partNumber, Body: part.data, ChecksumAlgorithm: checksumAlgorithm }),
      { abortSignal },
    );
    if (!result.ETag) throw new Error(`S3 returned no ETag for part ${part.partNumber}`);
    completed.push({ PartNumber: part.partNumber, ETag: result.ETag, ChecksumCRC32: result.ChecksumCRC32 });
  };

  try {
    for await (const part of splitParts(source(), plan)) {
      bytes += part.data.byteLength;
      if (part.partNumber === 1 && part.last) {
        await client.send(new PutObjectCommand({ ...params, Body: part.data, IfNoneMatch: '*', ChecksumAlgorithm: checksumAlgorithm }), { abortSignal });
        return bytes;
      }
      if (uploadId === undefined) {
        const created = await client.send(new CreateMultipartUploadCommand({ ...params, ChecksumAlgorithm: checksumAlgorithm }), { abortSignal });
        if (!created.UploadId) throw new Error('S3 returned no UploadId');
        uploadId = created.UploadId;
      }
      while (inFlight.size >= queueSize && !failure) await Promise.race(inFlight);
      if (failure) throw failure.error;
      const task: Promise<void> = uploadPart(part, uploadId)
        .catch((error: unknown) => {
          failure ??= { error };
          controller.abort(error);
        })
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
    await Promise.all(inFlight);
    if (failure) throw failure.error;
    if (uploadId === undefined) throw new Error('the body ended before its first part'); // splitParts always yields one
    completed.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    await client.send(
      new CompleteMultipartUploadCommand({ Bucket: params.Bucket, Key: params.Key, UploadId: uploadId, MultipartUpload: { Parts: completed }, IfNoneMatch: '*' }),
      { abortSignal },
    );
    uploadId = undefined;
    return bytes;
  } catch (caught) {
    // The first cause wins: a failed part aborts the controller, which also
    // ends the body read with ABORTED; a failed body read aborts the parts.
    const error = failure?.error ?? caught;
    controller.abort();
    await Promise.all(inFlight);
    const cleanup = uploadId === undefined ? undefined : await abortUpload(client, params, uploadId);
    if (error === bodyError) throw error;
    const translated = request.translate(error);
    if (cleanup === undefined || !(translated instanceof MongosafeError)) throw translated;
    throw new MongosafeError(
      translated.code,
      `${translated.message}; cancelling its multipart upload also failed (${cleanup})`,
      `${translated.hint ? `${translated.hint}; ` : ''}the bucket's AbortIncompleteMultipartUpload lifecycle rule removes the leftover parts`,
      { cause: error, details: translated.details },
    );
  } finally {
    unlink();
  }
}

/** Sends AbortMultipartUpload with its own deadline (the caller's signal may be the reason we are here). */
async function abortUpload(client: S3Client, params: ObjectParams, uploadId: string): Promise<string | undefined> {
  try {
    await client.send(new AbortMultipartUploadCommand({ Bucket: params.Bucket, Key: params.Key, UploadId: uploadId }), {
      abortSignal: AbortSignal.timeout(60_000),
    });
    return undefined;
  } catch (error) {
    return messageOf(error);
  }
}

/**
 * Cuts the byte stream into parts of `partBytesAt(n)` bytes. It peeks one chunk
 * past each full part to know whether that part is the last, so that a body
 * which fits in one part becomes a single PutObject. An empty body is one empty
 * part. At most one part (plus one chunk) is buffered here.
 */
async function* splitParts(chunks: AsyncIterable<Uint8Array>, plan: PartPlan): AsyncGenerator<Part> {
  const iterator = chunks[Symbol.asyncIterator]();
  let carry: Uint8Array | undefined;
  let ended = false;
  const pull = async (): Promise<Uint8Array | undefined> => {
    if (carry) {
      const chunk = carry;
      carry = undefined;
      return chunk;
    }
    for (;;) {
      const result = await iterator.next();
      if (result.done) {
        ended = true;
        return undefined;
      }
      if (result.value.byteLength > 0) return result.value;
    }
  };
  try {
    for (let partNumber = 1; ; partNumber++) {
      const want = partBytesAt(partNumber, plan);
      const pieces: Uint8Array[] = [];
      let size = 0;
      while (size < want) {
        const chunk = await pull();
        if (chunk === undefined) break;
        const room = want - size;
        if (chunk.byteLength > room) {
          carry = chunk.subarray(room);
          pieces.push(chunk.subarray(0, room));
          size += room;
        } else {
          pieces.push(chunk);
          size += chunk.byteLength;
        }
      }
      if (!ended && carry === undefined) carry = await pull();
      const last = ended && carry === undefined;
      yield { partNumber, data: Buffer.concat(pieces, size), last };
      if (last) return;
    }
  } finally {
    // Leaving early (a failed part, an abort): let the body reader release the body.
    await iterator.return?.();
  }
}
