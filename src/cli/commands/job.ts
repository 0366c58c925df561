import { randomUUID } from 'node:crypto';
import { MongosafeError, isMongosafeError, stoppedBy } from '../../errors.js';
import { parseEvent } from '../../lambda/event.js';
import { runJob } from '../../lambda/job.js';
import { flag, type CommandContext } from '../context.js';
import { EXIT_OK } from '../exit-codes.js';

const ACTIONS = ['backup', 'verify'];

/**
 * `mongosafe job`: the Lambda's scheduled job in a container (ECS Fargate, a Kubernetes CronJob),
 * set up by the same environment (docs/container.md). It logs JSON lines and one metrics line on
 * stdout as the Lambda does; the exit code tells the scheduler how it went. It runs until done:
 * the platform's stop (SIGTERM) aborts it cleanly, with nothing committed.
 */
export async function runJobCommand(ctx: CommandContext): Promise<number> {
  const action = ctx.args.positionals[0] ?? 'backup';
  if (!ACTIONS.includes(action)) {
    throw new MongosafeError('USAGE', `unknown job "${action}"`, "'mongosafe job' backs up (then verifies and prunes); 'mongosafe job verify [--deep]' checks the newest backup");
  }
  const deep = flag(ctx, 'deep');
  if (deep && action !== 'verify') throw new MongosafeError('USAGE', '--deep goes with the verify job', "run 'mongosafe job verify --deep' for the restore drill");
  const env = process.env;
  await runJob({
    runtime: 'container',
    name: env.JOB_NAME?.trim() || 'mongosafe',
    runId: randomUUID(),
    request: () => parseEvent({ action, deep, scheduledTime: scheduledTime(env) }),
    limit: () => ({ signal: ctx.signal, explain: (error) => stopped(ctx.signal, error), dispose: () => undefined }),
    env,
  });
  return EXIT_OK;
}

/** The error to report when the platform stopped the job (main aborts with the signal it got). */
function stopped(signal: AbortSignal, error: unknown): unknown {
  const reason: unknown = signal.reason;
  if (!signal.aborted || isMongosafeError(error, 'ABORTED') || !isMongosafeError(reason)) return error;
  return stoppedBy(reason, error);
}

/**
 * SCHEDULED_TIME, which the ECS schedule sets from `<aws.scheduler.scheduled-time>`: as in the
 * Lambda, a second start of the same scheduled run finds that run's backup instead of making another.
 */
function scheduledTime(env: NodeJS.ProcessEnv): string | undefined {
  const text = env.SCHEDULED_TIME?.trim();
  if (!text) return undefined;
  if (Number.isNaN(Date.parse(text))) {
    throw new MongosafeError('CONFIG', `SCHEDULED_TIME is not an ISO 8601 time: "${text}"`, 'e.g. 2026-12-06T03:00:00Z, or unset it');
  }
  return text;
}
