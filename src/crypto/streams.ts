import type { Duplex } from 'node:stream';
import { AlgorithmSuiteIdentifier, CommitmentPolicy, buildClient } from '@aws-crypto/client-node';
import { MongosafeError, causeChain, isMongosafeError } from '../errors.js';
import type { DecryptionKey, EncryptionKey } from './keys.js';
import { kmsFailure } from './kms.js';

/**
 * AES-256-GCM with HKDF and key commitment, unsigned: a data key opens exactly one message,
 * and a reader can release each frame as it authenticates (a signed suite would make it
 * wait for the signature at the end, or trust frames before it).
 */
const SUITE = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;
/** Plaintext per frame: 32 bytes of overhead each; 256 KiB costs little CPU and bounds what a reader holds. */
const FRAME_BYTES = 256 * 1024;
/** Binds each message to its backup: a stored object swapped in from another backup does not open as this one. */
const CONTEXT_KEY = 'mongosafe:backup-id';

const esdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

/** Plaintext in, an AWS Encryption SDK message out (a fresh data key, wrapped by `key`). */
export function encryptingStream(key: EncryptionKey, backupId: string): Duplex {
  return esdk.encryptStream(key.keyring, { suiteId: SUITE, frameLength: FRAME_BYTES, encryptionContext: { [CONTEXT_KEY]: backupId } });
}

export interface Decryption {
  stream: Duplex;
  /**
   * What a failure of the chain the stream is in means: the decryption's own failures become
   * CORRUPT (altered, truncated, swapped data key), AUTH or KEY (KMS refused); others pass.
   */
  explain: (error: unknown) => unknown;
}

/** An AWS Encryption SDK message in, its plaintext out, each frame released once it authenticates. */
export function decryptingStream(key: DecryptionKey, backupId: string, where: string): Decryption {
  const stream = esdk.decryptUnsignedMessageStream(key.keyring);
  let headerOpened = false;
  let failure: unknown;
  stream.once('error', (error) => (failure = error));
  stream.once('MessageHeader', (header: { encryptionContext: Record<string, string> }) => {
    headerOpened = true;
    const owner = header.encryptionContext[CONTEXT_KEY];
    if (owner !== backupId) {
      stream.destroy(new MongosafeError('CORRUPT', `${where}: the encrypted archive belongs to ${owner ? `backup ${owner}` : 'no mongosafe backup'}`, 'the stored object was replaced; restore another backup', { details: { kind: 'checksum' } }));
    }
  });
  const explain = (error: unknown): unknown => {
    // A reader may have wrapped the failure (the archive reader says "reading the archive failed at byte N", STORAGE): it is still the decryption's.
    if (failure === undefined || ![...causeChain(error)].includes(failure)) return error;
    if (isMongosafeError(failure)) return failure;
    const kms = key.kmsFailures[0];
    if (!headerOpened && kms !== undefined) {
      const refused = kmsFailure(kms, `the KMS key of ${where}`, 'kms:Decrypt');
      // KMS turned the data key down for being wrapped for another message: swapped or altered.
      if (!(kms instanceof Error && kms.name === 'InvalidCiphertextException')) return refused;
    }
    const what = headerOpened
      ? 'the encrypted archive fails authentication: it was altered or truncated after it was written'
      : "the encrypted archive's header or data key does not authenticate with its key: it was altered or its data key swapped";
    return new MongosafeError('CORRUPT', `${where}: ${what}`, 'do not use this backup; restore an older one', { cause: error, details: { kind: 'checksum' } });
  };
  return { stream, explain };
}
