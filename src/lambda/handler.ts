import { startDeadline, type LambdaContext } from './deadline.js';
import { parseEvent } from './event.js';
import { runJob } from './job.js';
import type { BackupSummary, DrillSummary } from './runs.js';

export type { BackupSummary, DrillSummary, LambdaContext };

/**
 * The nightly backup (and the restore drill) as a Lambda function: the scheduled job
 * (src/lambda/job.ts) with the event as its request and the function's time limit as its deadline.
 */
export async function handler(event: unknown, context: LambdaContext): Promise<BackupSummary | DrillSummary> {
  return runJob({
    runtime: 'lambda',
    name: context.functionName || process.env.AWS_LAMBDA_FUNCTION_NAME || 'mongosafe',
    runId: context.awsRequestId,
    request: () => parseEvent(event),
    limit: (config) => startDeadline(context, config.safetyMarginMs),
  });
}
