import { setTimeout as delay } from 'node:timers/promises';
import { MongosafeError } from '../errors.js';

/** Throws the ABORTED error when the signal has fired, keeping its reason as cause. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) {
    throw new MongosafeError('ABORTED', `${what} was interrupted`, undefined, { cause: signal.reason, details: { kind: 'aborted' } });
  }
}

/**
 * Runs `onAbort` when the signal fires; returns the function that removes the
 * listener, which callers must call when done so long-lived signals do not leak.
 */
export function onAbort(signal: AbortSignal | undefined, onAbortFn: () => void): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    onAbortFn();
    return () => {};
  }
  signal.addEventListener('abort', onAbortFn, { once: true });
  return () => signal.removeEventListener('abort', onAbortFn);
}

/**
 * Waits `ms`, unless the signal fires first (or already has): then throws what `aborted`
 * makes of the abort. timers/promises removes its listener after each wait, so a loop that
 * waits hundreds of times on one long-lived signal leaks nothing.
 */
export async function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined, aborted: (cause: unknown) => MongosafeError): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (error) {
    throw aborted(error);
  }
}
