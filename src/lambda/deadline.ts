import { MongosafeError, causeChain, isMongosafeError, stoppedBy } from '../errors.js';

/** The part of the Lambda context the handler uses (tests fake it). */
export interface LambdaContext {
  functionName: string;
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

export interface Deadline {
  signal: AbortSignal;
  /** The clear "out of time" error when the deadline caused `error`; otherwise `error`. */
  explain(error: unknown): unknown;
  dispose(): void;
}

/**
 * Aborts the run `marginMs` before Lambda would kill it, so the upload is
 * aborted (no orphaned parts, no manifest) and the failure is reported by us
 * rather than as a bare "Task timed out".
 */
export function startDeadline(context: LambdaContext, marginMs: number): Deadline {
  const budgetMs = context.getRemainingTimeInMillis() - marginMs;
  const hint = 'raise the function timeout (15 min at most), back up fewer databases per function (DATABASES), or run the same handler on ECS Fargate';
  if (budgetMs <= 0) {
    throw new MongosafeError('CONFIG', `the function has ${Math.round(context.getRemainingTimeInMillis() / 1000)} s left, less than SAFETY_MARGIN_MS (${marginMs} ms)`, hint);
  }
  const reason = new MongosafeError('ABORTED', `stopped ${Math.round(marginMs / 1000)} s before the Lambda time limit, after ${Math.round(budgetMs / 1000)} s`, hint, {
    details: { kind: 'timeout' },
  });
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(reason), budgetMs);
  return {
    signal: controller.signal,
    explain: (error) => {
      if (!controller.signal.aborted || tellsTheDeadline(error, reason)) return error;
      return stoppedBy(reason, error);
    },
    dispose: () => clearTimeout(timer),
  };
}

/**
 * Whether `error` already is the deadline's: the reason itself, or the reason with details added
 * on the way up (`withDetails` keeps its code and kind, and has it as cause). The errors of
 * operations it interrupted have it as cause too, but say "interrupted" with kind `aborted`.
 */
function tellsTheDeadline(error: unknown, reason: MongosafeError): boolean {
  for (const current of causeChain(error)) {
    if (current === reason) return true;
    if (!isMongosafeError(current, 'ABORTED') || current.details.kind !== 'timeout') return false;
  }
  return false;
}
