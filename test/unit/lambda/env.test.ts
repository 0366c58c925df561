import { describe, expect, it } from 'vitest';
import { OPTIONS, type OptionSpec } from '../../../src/config/options.js';
import { notifyTopicArn, readJobConfig } from '../../../src/lambda/env.js';
import { thrown } from '../../helpers/thrown.js';

const BASE = { DESTINATION: 's3://momsrecipebox-backups/nightly', MONGODB_URI_SECRET: 'moms-recipe-secrets#MONGODB_URI' };

describe('readJobConfig', () => {
  it('fills defaults: all databases, gzip, full verify, no prune, a one-minute margin', () => {
    expect(readJobConfig(BASE)).toEqual({
      destination: 's3://momsrecipebox-backups/nightly',
      uriSecret: 'moms-recipe-secrets#MONGODB_URI',
      databases: [],
      compression: 'gzip',
      parallel: 4,
      kmsKeyId: undefined,
      keep: undefined,
      verify: 'full',
      notifyTopicArn: undefined,
      safetyMarginMs: 60_000,
    });
  });

  it('reads every setting', () => {
    const config = readJobConfig({
      ...BASE,
      DATABASES: ' momsrecipebox, audit ,',
      COMPRESSION: 'none',
      PARALLEL: '2',
      KMS_KEY_ID: 'alias/backups',
      KEEP_DAILY: '7',
      KEEP_MONTHLY: '12',
      KEEP_YEARLY: '0',
      VERIFY: 'none',
      NOTIFY_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:mongodb-backup-alarms',
      SAFETY_MARGIN_MS: '30000',
    });
    expect(config).toMatchObject({
      databases: ['momsrecipebox', 'audit'],
      compression: 'none',
      parallel: 2,
      kmsKeyId: 'alias/backups',
      keep: { daily: 7, monthly: 12, yearly: 0 },
      verify: 'none',
      notifyTopicArn: 'arn:aws:sns:us-east-1:123456789012:mongodb-backup-alarms',
      safetyMarginMs: 30_000,
    });
  });

  it.each([
    [{ MONGODB_URI_SECRET: BASE.MONGODB_URI_SECRET }, /DESTINATION is not set/],
    [{ DESTINATION: BASE.DESTINATION }, /MONGODB_URI_SECRET is not set/],
    [{ ...BASE, MONGODB_URI: 'mongodb://u:canary-7f3a@h/' }, /MONGODB_URI is set in the function environment/],
    [{ ...BASE, DESTINATION: '/tmp/backups' }, /must be an s3:\/\/ URL/],
    [{ ...BASE, DESTINATION: 's3://No_Such/x' }, /DESTINATION: 'No_Such' is not an S3 bucket name/],
    [{ ...BASE, MONGODB_URI_SECRET: 'moms-recipe-secrets#' }, /MONGODB_URI_SECRET must be ID or ID#KEY/],
    [{ ...BASE, COMPRESSION: 'rar' }, /COMPRESSION must be one of gzip, zstd, none; got "rar"/],
    [{ ...BASE, VERIFY: 'deep' }, /VERIFY must be one of none, full/],
    [{ ...BASE, PARALLEL: '0' }, /PARALLEL must be a whole number ≥ 1/],
    [{ ...BASE, KEEP_DAILY: 'seven' }, /KEEP_DAILY must be a whole number/],
    [{ ...BASE, KEEP_DAILY: '0', KEEP_LAST: '0' }, /every KEEP_\* that is set is 0/],
    [{ ...BASE, SAFETY_MARGIN_MS: '-1' }, /SAFETY_MARGIN_MS must be a whole number/],
    [{ ...BASE, NOTIFY_TOPIC_ARN: 'alarms' }, /NOTIFY_TOPIC_ARN is not an SNS topic ARN/],
  ])('refuses %j with a CONFIG error', (env, message) => {
    expect(thrown(() => readJobConfig(env))).toMatchObject({ code: 'CONFIG', message: expect.stringMatching(message) as unknown });
  });

  it('never echoes a connection string put in MONGODB_URI', () => {
    const error = thrown(() => readJobConfig({ ...BASE, MONGODB_URI: 'mongodb://u:canary-7f3a@h/' })) as Error & { hint?: string };
    expect(`${error.message} ${error.hint ?? ''}`).not.toContain('canary-7f3a');
    expect(error.hint).toContain('MONGODB_URI_SECRET');
  });

  describe('in a container (mongosafe job)', () => {
    const CONTAINER = { DESTINATION: 's3://momsrecipebox-backups/nightly', MONGODB_URI: 'mongodb://u:canary-7f3a@h/' };

    it('takes the connection string from MONGODB_URI (a Secret of the platform), a folder as DESTINATION and a key file', () => {
      expect(readJobConfig(CONTAINER, 'container')).toMatchObject({ destination: 's3://momsrecipebox-backups/nightly', uriSecret: undefined });
      expect(readJobConfig({ ...CONTAINER, DESTINATION: '/backups' }, 'container').destination).toBe('/backups');
      expect(readJobConfig({ ...CONTAINER, ENCRYPT: 'key-file:/keys/backup.key' }, 'container').encrypt).toBe('key-file:/keys/backup.key');
      expect(readJobConfig({ DESTINATION: '/backups', MONGODB_URI_SECRET: 'moms-recipe-secrets' }, 'container').uriSecret).toBe('moms-recipe-secrets');
    });

    it.each([
      [{ DESTINATION: '/backups' }, /neither MONGODB_URI nor MONGODB_URI_SECRET is set/],
      [{ ...CONTAINER, MONGODB_URI_SECRET: 'moms-recipe-secrets' }, /both MONGODB_URI and MONGODB_URI_SECRET are set/],
      [{ MONGODB_URI: CONTAINER.MONGODB_URI }, /DESTINATION is not set/],
      [{ ...CONTAINER, DESTINATION: 's3://No_Such/x' }, /DESTINATION: 'No_Such' is not an S3 bucket name/],
      [{ ...CONTAINER, ENCRYPT: 'rot13:x' }, /ENCRYPT must be kms:KEY_ARN, public-key:PEM or key-file:PATH/],
    ])('refuses %j with a CONFIG error that never quotes the connection string', (env, message) => {
      const error = thrown(() => readJobConfig(env, 'container')) as Error & { hint?: string };
      expect(error).toMatchObject({ code: 'CONFIG', message: expect.stringMatching(message) as unknown });
      expect(`${error.message} ${error.hint ?? ''}`).not.toContain('canary-7f3a');
    });
  });

  it('reads NOTIFY_TOPIC_ARN on its own, so a bad configuration can still be reported', () => {
    expect(notifyTopicArn({ NOTIFY_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:t' })).toBe('arn:aws:sns:eu-west-1:123456789012:t');
    expect(notifyTopicArn({})).toBeUndefined();
  });

  it("reads its variables from the option table's Lambda column, the seed's names", () => {
    const lambda = Object.entries(OPTIONS as Record<string, OptionSpec>).flatMap(([name, option]) => (option.lambda ? [[option.lambda.env, name]] : []));
    expect(Object.fromEntries(lambda)).toEqual({
      DESTINATION: 'to',
      MONGODB_URI_SECRET: 'uri-secret',
      DATABASES: 'db',
      COMPRESSION: 'compression',
      PARALLEL: 'parallel',
      KMS_KEY_ID: 'kms-key',
      ENCRYPT: 'encrypt',
      LOCK_DAYS: 'lock-days',
      KEEP_LAST: 'keep-last',
      KEEP_DAILY: 'keep-daily',
      KEEP_WEEKLY: 'keep-weekly',
      KEEP_MONTHLY: 'keep-monthly',
      KEEP_YEARLY: 'keep-yearly',
      VERIFY: 'verify',
      NOTIFY_TOPIC_ARN: 'notify-topic-arn',
      SAFETY_MARGIN_MS: 'safety-margin-ms',
    });
  });

  it('takes ENCRYPT as kms: or public-key:, and refuses a key file (it would live on the function) as CONFIG', () => {
    const base = { DESTINATION: 's3://bucket/prefix', MONGODB_URI_SECRET: 'secret' };
    expect(readJobConfig({ ...base, ENCRYPT: 'kms:arn:aws:kms:us-east-1:123456789012:key/abc' }).encrypt).toBe('kms:arn:aws:kms:us-east-1:123456789012:key/abc');
    expect(readJobConfig(base).encrypt).toBeUndefined();
    const refused = thrown(() => readJobConfig({ ...base, ENCRYPT: 'key-file:/tmp/key' }));
    expect(refused).toMatchObject({ code: 'CONFIG' });
    expect(String(refused)).toContain('ENCRYPT must be kms:KEY_ARN or public-key:PEM');
  });

  it('parses every typed variable with the CLI’s parsers: a bad value is CONFIG naming the variable', () => {
    for (const option of Object.values(OPTIONS as Record<string, OptionSpec>)) {
      if (!option.lambda || (option.type !== 'int' && !option.choices)) continue;
      const variable = option.lambda.env;
      const error = thrown(() => readJobConfig({ ...BASE, [variable]: '1e3x' }));
      expect(error, variable).toMatchObject({ code: 'CONFIG', message: expect.stringMatching(new RegExp(`^${variable} must be .*; got "1e3x"$`)) as unknown });
    }
    // Numbers are digits only, as on the command line: Number() would take these.
    expect(thrown(() => readJobConfig({ ...BASE, PARALLEL: '0x10' }))).toMatchObject({ code: 'CONFIG' });
    expect(thrown(() => readJobConfig({ ...BASE, KEEP_DAILY: '1e1' }))).toMatchObject({ code: 'CONFIG' });
  });
});
