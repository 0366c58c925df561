import type { Logger } from '../core/progress.js';
import { isMongosafeError } from '../errors.js';
import { redactFields, scrubSecrets } from '../util/redact.js';

/** The core Logger plus `error`, writing one JSON object per line (CloudWatch Logs Insights reads the fields). */
export interface LambdaLogger extends Logger {
  error(message: string, fields?: Record<string, unknown>): void;
  /** Text that must never be logged (the connection string, its password), known once the secret is read. */
  addSecret(value: string): void;
}

export function createLambdaLogger(requestId: string, write: (line: string) => void = (line) => void process.stdout.write(line)): LambdaLogger {
  const secrets: string[] = [];
  const log = (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}) => {
    // Keys that look secret are blanked; known secret values are cut out of
    // everything else, since driver messages may quote what they were given.
    const line = JSON.stringify({ level, message, requestId, ...redactFields(fields) });
    write(`${scrubSecrets(line, secrets)}\n`);
  };
  return {
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
    addSecret: (value) => {
      // Also as it appears inside a JSON string (quotes and backslashes escaped).
      for (const form of [value, JSON.stringify(value).slice(1, -1)]) {
        if (form && !secrets.includes(form)) secrets.push(form);
      }
    },
  };
}

/**
 * The fields of a failure's log line besides its `message`: `{code, hint, details}` as `--json`
 * prints them, so Logs Insights can filter on `details.kind` or `details.namespace`. Anything
 * that is not a MongosafeError is a bug: INTERNAL, no details.
 */
export function failureFields(error: unknown): { code: string; hint?: string; details: Record<string, unknown> } {
  if (!isMongosafeError(error)) return { code: 'INTERNAL', details: {} };
  const { code, hint, details } = error.toJSON();
  return { code, hint, details: { ...details } };
}
