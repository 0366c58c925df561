import { describe, expect, it } from 'vitest';
import { MongosafeError } from '../../../src/errors.js';
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

  it('leaves errors alone when it has not fired', () => {
    const deadline = startDeadline(context(900_000), 60_000);
    const error = new MongosafeError('SOURCE', 'no server answered');
    expect(deadline.explain(error)).toBe(error);
    deadline.dispose();
  });
});
