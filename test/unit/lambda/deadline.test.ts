import { describe, expect, it } from 'vitest';
import { MongosafeError, withDetails } from '../../../src/errors.js';
import { startDeadline } from '../../../src/lambda/deadline.js';
import { thrown } from '../../helpers/thrown.js';

const context = (remainingMs: number) => ({ functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => remainingMs });

describe('startDeadline', () => {
  it('refuses to start when the margin is more than the time left', () => {
    expect(thrown(() => startDeadline(context(30_000), 60_000))).toMatchObject({ code: 'CONFIG', message: expect.stringMatching(/30 s left, less than SAFETY_MARGIN_MS/) as unknown });
  });

  it('aborts the margin before the end and explains what it interrupted', async () => {
    const deadline = startDeadline(context(60_020), 60_000);
    try {
      await new Promise((resolve) => deadline.signal.addEventListener('abort', resolve, { once: true }));
      const explained = deadline.explain(new MongosafeError('ABORTED', 'reading secret s was interrupted'));
      expect(explained).toMatchObject({ code: 'ABORTED', message: 'stopped 60 s before the Lambda time limit, after 0 s: reading secret s was interrupted' });
      expect((explained as MongosafeError).hint).toMatch(/raise the function timeout/);
    } finally {
      deadline.dispose();
    }
  });

  it('tells its own error by the field, not the message: kept once, others wrapped with their details', async () => {
    const deadline = startDeadline(context(60_020), 60_000);
    try {
      await new Promise((resolve) => deadline.signal.addEventListener('abort', resolve, { once: true }));
      const reason: unknown = deadline.signal.reason;
      expect(reason).toMatchObject({ code: 'ABORTED', details: { kind: 'timeout' } });
      // The reason itself, and the reason with the backup id added on the way up, already say it.
      expect(deadline.explain(reason)).toBe(reason);
      const enriched = withDetails(reason, { backupId: '20261126T030000Z' });
      expect(deadline.explain(enriched)).toBe(enriched);

      // What it interrupted keeps the namespace and key it was at; the kind is the deadline's.
      const upload = new MongosafeError('STORAGE', 'writing s3://b/app/data/x failed: socket hang up', undefined, { details: { key: 'data/x', namespace: 'app.recipes', kind: 'network' } });
      const explained = deadline.explain(upload) as MongosafeError;
      expect(explained.code).toBe('ABORTED');
      expect(explained.details).toEqual({ key: 'data/x', namespace: 'app.recipes', kind: 'timeout' });
      expect(JSON.parse(JSON.stringify(explained))).toMatchObject({ code: 'ABORTED', details: { key: 'data/x', kind: 'timeout' } });

      // An error that merely quotes the deadline's words is not the deadline's.
      const quoting = new MongosafeError('SOURCE', `the server said: ${(reason as MongosafeError).message}`);
      expect(deadline.explain(quoting)).toMatchObject({ code: 'ABORTED', details: { kind: 'timeout' } });
    } finally {
      deadline.dispose();
    }
  });

  it('leaves errors alone when it has not fired', () => {
    const deadline = startDeadline(context(900_000), 60_000);
    const error = new MongosafeError('SOURCE', 'no server answered');
    expect(deadline.explain(error)).toBe(error);
    deadline.dispose();
  });
});
