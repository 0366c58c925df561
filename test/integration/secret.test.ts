// --uri-secret ID[#KEY] against Secrets Manager in moto.
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { beforeAll, describe, expect, it } from 'vitest';
import { isMongosafeError, type MongosafeError } from '../../src/errors.js';
import { parseSecretRef, readSecretUri, translateSecretsError } from '../../src/config/secret.js';
import { testServices, uniqueName } from '../helpers/services.js';

testServices();
const client = new SecretsManagerClient({});
const name = (what: string) => uniqueName(`mongosafe/${what}`);
const PASSWORD = 'canary-7f3a';
const URI = `mongodb+srv://app:${PASSWORD}@cluster0.example.net/recipes`;

async function createSecret(secretName: string, value: string): Promise<string> {
  const output = await client.send(new CreateSecretCommand({ Name: secretName, SecretString: value }));
  if (!output.ARN) throw new Error('moto returned no ARN');
  return output.ARN;
}

/** The error a call rejects with, checked for the code and for never showing the password. */
async function failure(promise: Promise<unknown>, code: MongosafeError['code']): Promise<MongosafeError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!isMongosafeError(error)) throw new Error(`expected a MongosafeError, got ${String(error)}`);
  expect(error.code).toBe(code);
  expect(`${error.message} ${error.hint ?? ''}`).not.toContain(PASSWORD);
  return error;
}

describe('reading the MongoDB URI from Secrets Manager', () => {
  const plain = name('plain');
  const json = name('json');
  let jsonArn = '';

  beforeAll(async () => {
    await createSecret(plain, `  ${URI}\n`);
    jsonArn = await createSecret(json, JSON.stringify({ MONGODB_URI: URI, ANALYTICS_URI: 'mongodb://analytics:27017/a', PASSWORD }));
  });

  it('a plain secret is the connection string (trimmed)', async () => {
    expect(await readSecretUri(plain)).toBe(URI);
  });

  it('a JSON secret gives MONGODB_URI by default, or the key after #', async () => {
    expect(await readSecretUri(json)).toBe(URI);
    expect(await readSecretUri(`${json}#ANALYTICS_URI`)).toBe('mongodb://analytics:27017/a');
  });

  it('an ARN works as the id, and carries the region', async () => {
    expect(jsonArn).toMatch(/^arn:aws:secretsmanager:[a-z0-9-]+:\d+:secret:/);
    expect(await readSecretUri(`${jsonArn}#ANALYTICS_URI`)).toBe('mongodb://analytics:27017/a');
  });

  it('a missing secret is CONFIG, with a hint about name and region', async () => {
    const error = await failure(readSecretUri(name('missing')), 'CONFIG');
    expect(error.message).toMatch(/^secret mongosafe\/missing_\S+ was not found$/);
    expect(error.hint).toContain('AWS_REGION');
  });

  it('a missing key is CONFIG listing the keys present, never the values', async () => {
    const error = await failure(readSecretUri(`${json}#MONGO_URL`), 'CONFIG');
    expect(error.message).toBe(`secret ${json} has no key MONGO_URL (keys present: MONGODB_URI, ANALYTICS_URI, PASSWORD)`);
  });

  it('a key that holds something else, a #KEY on a plain secret, broken JSON: CONFIG, value unseen', async () => {
    expect((await failure(readSecretUri(`${json}#PASSWORD`), 'CONFIG')).message).toBe(`key PASSWORD of secret ${json} is not a MongoDB connection string`);
    expect((await failure(readSecretUri(`${plain}#MONGODB_URI`), 'CONFIG')).message).toContain('is plain text, not JSON');
    const broken = name('broken');
    await createSecret(broken, `{"MONGODB_URI": "${URI}"`);
    expect((await failure(readSecretUri(broken), 'CONFIG')).message).toBe(`secret ${broken} starts with '{' but is not valid JSON`);
    const password = name('password');
    await createSecret(password, PASSWORD);
    await failure(readSecretUri(password), 'CONFIG');
  });

  it('an aborted read is ABORTED', async () => {
    await failure(readSecretUri(plain, { signal: AbortSignal.abort() }), 'ABORTED');
  });
});

describe('secret references and errors', () => {
  it('parses ID[#KEY]', () => {
    expect(parseSecretRef('moms-recipe-secrets')).toEqual({ id: 'moms-recipe-secrets', key: undefined });
    expect(parseSecretRef('moms-recipe-secrets#MONGODB_URI')).toEqual({ id: 'moms-recipe-secrets', key: 'MONGODB_URI' });
    for (const bad of ['', '#KEY', 'id#', '  ']) expect(() => parseSecretRef(bad)).toThrow(/invalid secret reference/);
  });

  // moto does not enforce IAM; these are the SDK's error names as AWS sends them.
  it('access denied is AUTH naming secretsmanager:GetSecretValue on the secret', () => {
    const denied = Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' });
    expect(translateSecretsError(denied, 'moms-recipe-secrets')).toMatchObject({
      code: 'AUTH',
      hint: 'grant secretsmanager:GetSecretValue on arn:aws:secretsmanager:<region>:<account>:secret:moms-recipe-secrets-*',
    });
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf';
    expect(translateSecretsError(denied, arn)).toMatchObject({ hint: `grant secretsmanager:GetSecretValue on ${arn}` });
    expect(translateSecretsError(Object.assign(new Error('x'), { name: 'DecryptionFailure' }), arn)).toMatchObject({ code: 'AUTH', hint: "grant kms:Decrypt on the secret's KMS key" });
  });
});
