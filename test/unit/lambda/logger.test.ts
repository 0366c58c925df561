import { describe, expect, it } from 'vitest';
import { MongosafeError } from '../../../src/errors.js';
import { createLambdaLogger, failureFields } from '../../../src/lambda/logger.js';

describe('Lambda logger', () => {
  it('writes JSON lines with the request id, blanking secret fields and known secret values', () => {
    const lines: string[] = [];
    const logger = createLambdaLogger('req-9', (line) => lines.push(line));
    logger.addSecret('canary-"7f3a');
    logger.info('namespace done', { namespace: 'momsrecipebox.recipes', documents: 3 });
    logger.warn('connecting', { uri: 'mongodb://u:pw@h/', password: 'x' });
    logger.error('server said: auth failed for canary-"7f3a', { code: 'AUTH', hint: 'check the secret' });
    const docs = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(docs[0]).toEqual({ level: 'info', message: 'namespace done', requestId: 'req-9', namespace: 'momsrecipebox.recipes', documents: 3 });
    expect(docs[1]).toMatchObject({ level: 'warn', uri: 'mongodb://<credentials>@h/', password: '<redacted>' });
    expect(docs[2]).toMatchObject({ level: 'error', code: 'AUTH', hint: 'check the secret', message: 'server said: auth failed for <redacted>' });
    expect(lines.join('')).not.toContain('7f3a');
  });

  it('logs a failure as {code, message, hint, details}', () => {
    const lines: string[] = [];
    const logger = createLambdaLogger('req-9', (line) => lines.push(line));
    const error = new MongosafeError('STORAGE', 'reading s3://b/app/data/x failed: SlowDown (HTTP 503)', 'try later', { details: { key: 'data/x', backupId: '20261126T030000Z', kind: 'throttled' } });
    logger.error(error.message, { ...failureFields(error), action: 'backup' });
    logger.error('boom', failureFields(new Error('boom')));
    const docs = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(docs[0]).toEqual({
      level: 'error',
      message: error.message,
      requestId: 'req-9',
      code: 'STORAGE',
      hint: 'try later',
      details: { key: 'data/x', backupId: '20261126T030000Z', kind: 'throttled' },
      action: 'backup',
    });
    expect(docs[1]).toEqual({ level: 'error', message: 'boom', requestId: 'req-9', code: 'INTERNAL', details: {} });
  });
});
