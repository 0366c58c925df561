import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../../src/lambda/event.js';
import { thrown } from '../../helpers/thrown.js';

describe('parseEvent', () => {
  it.each([
    ['EventBridge Scheduler input', { action: 'backup', scheduledTime: '2026-11-26T03:00:00Z' }, { action: 'backup', deep: false, scheduledTime: '2026-11-26T03:00:00.000Z' }],
    [
      'a scheduled rule event',
      { version: '0', id: '53dc4d37', 'detail-type': 'Scheduled Event', source: 'aws.events', time: '2026-11-26T03:00:00Z', detail: {} },
      { action: 'backup', deep: false, scheduledTime: '2026-11-26T03:00:00.000Z' },
    ],
    ['the restore drill', { action: 'verify', deep: true, scheduledTime: '2026-11-29T04:00:00Z' }, { action: 'verify', deep: true, scheduledTime: '2026-11-29T04:00:00.000Z' }],
    ['a manual test invocation', {}, { action: 'backup', deep: false, scheduledTime: undefined }],
    ['no payload', null, { action: 'backup', deep: false, scheduledTime: undefined }],
  ])('reads %s', (_name, event, expected) => {
    expect(parseEvent(event)).toEqual(expected);
  });

  it.each([
    [{ action: 'restore' }, /unknown action "restore"/],
    [{ action: 'backup', scheduledTime: '<aws.scheduler.scheduled-time>' }, /is not an ISO 8601 time/],
    [{ scheduledTime: 1_790_000_000 }, /is not an ISO 8601 time/],
  ])('refuses %j with a USAGE error', (event, message) => {
    expect(thrown(() => parseEvent(event))).toMatchObject({ code: 'USAGE', message: expect.stringMatching(message) as unknown });
  });
});
