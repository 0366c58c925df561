import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MongosafeError, messageOf } from '../errors.js';

/** The key read from a JSON secret when `#KEY` is not given (the seed's `moms-recipe-secrets`). */
export const DEFAULT_SECRET_KEY = 'MONGODB_URI';

export interface SecretRef {
  /** Secret name or ARN. */
  id: string;
  /** Key inside a JSON secret; undefined when not given. */
  key?: string;
}

/** Parses `ID[#KEY]`; USAGE when either part is empty. */
export function parseSecretRef(ref: string): SecretRef {
  const hash = ref.indexOf('#');
  const id = (hash === -1 ? ref : ref.slice(0, hash)).trim();
  const key = hash === -1 ? undefined : ref.slice(hash + 1).trim();
  if (id === '' || key === '') {
    throw new MongosafeError('USAGE', `invalid secret reference '${ref}'`, 'use ID or ID#KEY, e.g. moms-recipe-secrets#MONGODB_URI');
  }
  return { id, key };
}

/**
 * Reads a MongoDB connection string from AWS Secrets Manager. `ref` is
 * `ID[#KEY]`, ID a secret name or ARN. The SecretString is either the
 * connection string itself, or a JSON object from which KEY (default
 * MONGODB_URI) is taken. The value is never logged, and never put in an error:
 * errors name the secret and, for a missing key, the keys present.
 *
 * The region is the ARN's, else the SDK's (AWS_REGION, profile); the endpoint
 * honours AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL (SDK built-in).
 *
 * @throws MongosafeError CONFIG (no such secret, key missing, not a connection
 *   string), AUTH (access denied, no credentials), USAGE (bad reference)
 */
export async function readSecretUri(
  ref: string,
  options: { signal?: AbortSignal; client?: SecretsManagerClient } = {},
): Promise<string> {
  const { id, key } = parseSecretRef(ref);
  const client = options.client ?? clientFor(regionOfArn(id));
  let secretString: string | undefined;
  try {
    const output = await client.send(new GetSecretValueCommand({ SecretId: id }), { abortSignal: options.signal });
    secretString = output.SecretString;
  } catch (error) {
    throw translateSecretsError(error, id);
  }
  if (secretString === undefined) {
    throw new MongosafeError('CONFIG', `secret ${id} has no text value (SecretString)`, 'store the connection string, or JSON with a MONGODB_URI key, as the secret value');
  }
  return uriFromSecretString(secretString, id, key);
}

/**
 * The connection string inside a secret value: the whole (trimmed) text, or
 * `key` of a JSON object. Error messages never include the value; JSON parse
 * errors are dropped on purpose (Node's quote the text).
 */
export function uriFromSecretString(text: string, id: string, key: string | undefined): string {
  const trimmed = text.trim();
  let uri: unknown = trimmed;
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      // The parser's message quotes the secret: say only what is wrong.
      throw new MongosafeError('CONFIG', `secret ${id} starts with '{' but is not valid JSON`, 'fix the secret value in Secrets Manager');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new MongosafeError('CONFIG', `secret ${id} is JSON but not an object`, 'store {"MONGODB_URI": "mongodb+srv://…"}');
    }
    const fields = parsed as Record<string, unknown>;
    const wanted = key ?? DEFAULT_SECRET_KEY;
    if (!Object.hasOwn(fields, wanted)) {
      const present = Object.keys(fields).join(', ') || 'none';
      throw new MongosafeError('CONFIG', `secret ${id} has no key ${wanted} (keys present: ${present})`, `name the key: --uri-secret ${id}#KEY`);
    }
    uri = fields[wanted];
  } else if (key !== undefined) {
    throw new MongosafeError('CONFIG', `secret ${id} is plain text, not JSON, so it has no key ${key}`, `drop '#${key}': --uri-secret ${id}`);
  }
  const what = key === undefined && !trimmed.startsWith('{') ? `secret ${id}` : `key ${key ?? DEFAULT_SECRET_KEY} of secret ${id}`;
  if (typeof uri !== 'string' || !/^mongodb(\+srv)?:\/\//.test(uri.trim())) {
    throw new MongosafeError('CONFIG', `${what} is not a MongoDB connection string`, 'the value must start with mongodb:// or mongodb+srv://');
  }
  return uri.trim();
}

const clients = new Map<string, SecretsManagerClient>();

/** Clients at module scope, one per region, reused by warm Lambda invocations. */
function clientFor(region: string | undefined): SecretsManagerClient {
  const cacheKey = region ?? '';
  let client = clients.get(cacheKey);
  if (!client) {
    client = new SecretsManagerClient({ region, retryMode: 'adaptive' });
    clients.set(cacheKey, client);
  }
  return client;
}

/** `arn:aws:secretsmanager:eu-west-1:123456789012:secret:name-AbCdEf` → eu-west-1. */
function regionOfArn(id: string): string | undefined {
  return /^arn:aws[\w-]*:secretsmanager:([a-z0-9-]+):/.exec(id)?.[1];
}

/** The one place Secrets Manager errors become MongosafeErrors. */
export function translateSecretsError(error: unknown, id: string): Error {
  if (error instanceof MongosafeError) return error;
  const name = error instanceof Error ? error.name : '';
  const options = { cause: error };
  const refused = { cause: error, details: { kind: 'permission' as const } };
  const resource = id.startsWith('arn:') ? id : `arn:aws:secretsmanager:<region>:<account>:secret:${id}-*`;
  if (name === 'AbortError') return new MongosafeError('ABORTED', `reading secret ${id} was interrupted`, undefined, { ...options, details: { kind: 'aborted' } });
  if (name === 'ResourceNotFoundException') {
    return new MongosafeError('CONFIG', `secret ${id} was not found`, `check the secret name and the region (AWS_REGION=${process.env.AWS_REGION ?? 'unset'})`, {
      cause: error,
      details: { kind: 'not-found' },
    });
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied') {
    return new MongosafeError('AUTH', `reading secret ${id} was denied`, `grant secretsmanager:GetSecretValue on ${resource}`, refused);
  }
  if (name === 'DecryptionFailure') {
    return new MongosafeError('AUTH', `secret ${id} could not be decrypted`, "grant kms:Decrypt on the secret's KMS key", refused);
  }
  if (name === 'CredentialsProviderError') {
    return new MongosafeError('AUTH', `reading secret ${id} failed: no AWS credentials found`, 'set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run with an IAM role', refused);
  }
  if (/region is missing/i.test(messageOf(error))) {
    return new MongosafeError('CONFIG', `reading secret ${id} failed: no AWS region configured`, 'set AWS_REGION, or pass the secret ARN', options);
  }
  return new MongosafeError('CONFIG', `reading secret ${id} failed: ${name ? `${name}: ` : ''}${messageOf(error)}`, 'check network access to Secrets Manager (and AWS_ENDPOINT_URL when set)', options);
}
