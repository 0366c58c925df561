import type { KmsKeyringNode } from '@aws-crypto/client-node';
import { KMS } from '@aws-sdk/client-kms';
import { MongosafeError, type CauseKind } from '../errors.js';
import { requestFaultKind } from '../storage/cause-kind.js';

/** The three calls the Encryption SDK's KMS keyring makes, typed as it declares them. */
type KeyringKmsClient = ConstructorParameters<typeof KmsKeyringNode>[0] extends infer Input
  ? Input extends { clientProvider?: infer Provider }
    ? Provider extends (region: string) => infer Client
      ? Exclude<Client, false>
      : never
    : never
  : never;

const clients = new Map<string, KMS>();

/**
 * One KMS client per region (the region a key ARN names; else the SDK's own, from AWS_REGION),
 * built as every other AWS client is, so AWS_ENDPOINT_URL(_KMS) and credentials apply alike.
 */
export function kmsClient(keyId: string): KMS {
  return clientFor(regionOfArn(keyId));
}

function clientFor(region: string): KMS {
  let client = clients.get(region);
  if (!client) clients.set(region, (client = new KMS(region ? { region } : {})));
  return client;
}

/**
 * The keyring's client supplier. The keyring folds KMS errors into one message; `failures`
 * keeps them as they were, so a refusal reads as one (AUTH), not as damage to the backup.
 */
export function kmsClientProvider(failures?: unknown[]): (region: string) => KeyringKmsClient {
  return (region) => {
    const client = clientFor(region);
    const recorded = <T>(call: Promise<T>): Promise<T> =>
      call.catch((error: unknown) => {
        failures?.push(error);
        throw error;
      });
    return {
      decrypt: (input) => recorded(client.decrypt(input)),
      encrypt: (input) => recorded(client.encrypt(input)),
      generateDataKey: (input) => recorded(client.generateDataKey(input)),
    };
  };
}

/** `arn:aws:kms:REGION:…` → REGION; '' for a key id or alias name. */
function regionOfArn(keyId: string): string {
  return /^arn:[^:]+:kms:([^:]+):/.exec(keyId)?.[1] ?? '';
}

/** AWS KMS exception names and what each means for the user. */
const KMS_REFUSALS: Record<string, { code: 'AUTH' | 'KEY'; kind: CauseKind; says: string }> = {
  AccessDeniedException: { code: 'AUTH', kind: 'permission', says: '' },
  NotFoundException: { code: 'KEY', kind: 'not-found', says: 'does not exist (in this account and region)' },
  DisabledException: { code: 'KEY', kind: 'key', says: 'is disabled' },
  KMSInvalidStateException: { code: 'KEY', kind: 'key', says: 'is pending deletion or otherwise unusable' },
  InvalidKeyUsageException: { code: 'KEY', kind: 'key', says: 'is not a symmetric encryption key' },
  IncorrectKeyException: { code: 'KEY', kind: 'key', says: 'is not the key this data key was wrapped with' },
};

/** A failed KMS call as a MongosafeError: `what` names the key, `action` the IAM action it needs. */
export function kmsFailure(error: unknown, what: string, action: string): MongosafeError {
  const name = error instanceof Error ? error.name : '';
  const refusal = KMS_REFUSALS[name];
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (refusal) {
    const hint = refusal.code === 'AUTH' ? `grant ${action} on the key to this role or user (docs/encryption.md)` : 'check the key id, alias or ARN and its state in the KMS console (docs/encryption.md)';
    const message = refusal.code === 'AUTH' ? `KMS refused ${action} on ${what}` : `${what} ${refusal.says}`;
    return new MongosafeError(refusal.code, message, hint, { cause: error, details: { kind: refusal.kind } });
  }
  const kind = requestFaultKind({ name, code: (error as { code?: string }).code, status });
  const reason = error instanceof Error ? error.message : String(error);
  return new MongosafeError('KEY', `${action} on ${what} failed: ${reason}`, 'nothing was written; try again, and check AWS_REGION and the network', { cause: error, details: { kind: kind ?? 'key' } });
}
