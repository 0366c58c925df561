import { MongosafeError } from '../errors.js';

/** What one invocation is asked to do. */
export interface LambdaRequest {
  action: 'backup' | 'verify';
  /** verify only: a restore drill into a scratch database. */
  deep: boolean;
  /**
   * The scheduled time of the run, ISO 8601 UTC, when a scheduler sent the
   * event: the key that makes a retried run return its backup instead of a second one.
   */
  scheduledTime?: string;
}

const ACTIONS = ['backup', 'verify'] as const;

/**
 * Accepts what the schedules send: EventBridge Scheduler's input
 * `{"action": "backup", "scheduledTime": "<aws.scheduler.scheduled-time>"}`,
 * a (legacy) EventBridge rule's scheduled event (`"detail-type": "Scheduled
 * Event"`, `time`), the drill `{"action": "verify", "deep": true}`, and `{}`
 * from a manual test invocation (a backup, no idempotency key).
 *
 * @throws MongosafeError USAGE for an unknown action or a time that does not parse
 */
export function parseEvent(event: unknown): LambdaRequest {
  const fields = event !== null && typeof event === 'object' && !Array.isArray(event) ? (event as Record<string, unknown>) : {};
  const action = fields.action ?? 'backup';
  if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action)) {
    throw new MongosafeError('USAGE', `unknown action ${JSON.stringify(action)} in the event`, `send {"action": "backup"} or {"action": "verify", "deep": true}`);
  }
  const time = fields.scheduledTime ?? (fields['detail-type'] === 'Scheduled Event' ? fields.time : undefined);
  return { action: action as LambdaRequest['action'], deep: fields.deep === true, scheduledTime: time === undefined ? undefined : isoTime(time) };
}

function isoTime(value: unknown): string {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new MongosafeError('USAGE', `the event's scheduled time ${JSON.stringify(value)} is not an ISO 8601 time`, 'EventBridge Scheduler fills it from "<aws.scheduler.scheduled-time>"; leave it out of a manual invocation');
  }
  return new Date(ms).toISOString();
}
