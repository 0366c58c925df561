// What KMS refusals become. The errors are the SDK's own exception classes, as its
// deserializer builds them: moto (the integration tests' KMS) ignores a key's state, so a
// disabled key can only be proven here.
import { DisabledException, KMSInvalidStateException, KMSServiceException, NotFoundException } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { kmsFailure } from '../../../src/crypto/kms.js';

const $metadata = { httpStatusCode: 400 };

describe('kmsFailure', () => {
  it('a disabled key is KEY, saying so', () => {
    const error = kmsFailure(new DisabledException({ message: 'arn:aws:kms:… is disabled.', $metadata }), 'KMS key alias/backups', 'kms:GenerateDataKey');
    expect(error).toMatchObject({ code: 'KEY', message: 'KMS key alias/backups is disabled', details: { kind: 'key' } });
    expect(error.hint).toMatch(/state in the KMS console/);
  });

  it('a missing key is KEY not-found; one pending deletion is KEY', () => {
    expect(kmsFailure(new NotFoundException({ message: 'Alias … is not found.', $metadata }), 'KMS key alias/x', 'kms:GenerateDataKey')).toMatchObject({
      code: 'KEY',
      message: 'KMS key alias/x does not exist (in this account and region)',
      details: { kind: 'not-found' },
    });
    expect(kmsFailure(new KMSInvalidStateException({ message: 'pending deletion', $metadata }), 'KMS key k', 'kms:Decrypt')).toMatchObject({ code: 'KEY', message: 'KMS key k is pending deletion or otherwise unusable' });
  });

  it('AccessDenied is AUTH, naming the action to grant', () => {
    const denied = new KMSServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'User … is not authorized', $metadata });
    const error = kmsFailure(denied, 'the KMS key of backup X', 'kms:Decrypt');
    expect(error).toMatchObject({ code: 'AUTH', message: 'KMS refused kms:Decrypt on the KMS key of backup X', details: { kind: 'permission' } });
    expect(error.hint).toMatch(/^grant kms:Decrypt on the key/);
    expect(error.cause).toBe(denied);
  });
});
