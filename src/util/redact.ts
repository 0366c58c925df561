import { redactConnectionString } from 'mongodb-connection-string-url';

/**
 * A connection string fit for logs and manifests: user and password replaced by
 * `<credentials>`. Uses the driver's own parser because `new URL` rejects
 * multi-host `mongodb://` strings. Never throws: an unparsable string is hidden whole.
 */
export function redactUri(uri: string): string {
  try {
    return redactConnectionString(uri, { replacementString: '<credentials>' });
  } catch {
    return '<unparsable connection string>';
  }
}

const SECRET_KEY = /uri|password|secret|token|credential/i;

/** Blanks values whose keys look secret, recursively; for structured log fields. */
export function redactFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === 'string' && SECRET_KEY.test(key)) {
      out[key] = /^mongodb(\+srv)?:\/\//.test(value) ? redactUri(value) : '<redacted>';
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = redactFields(value as Record<string, unknown>);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** Removes every occurrence of known secrets from free text (error messages from drivers). */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 3) out = out.split(secret).join('<redacted>');
  }
  return out;
}
