import { MongosafeError } from '../../errors.js';
import type { OplogTime } from './entry.js';

/**
 * `SECONDS[:ORDINAL]`, as mongorestore's --oplogLimit: entries at or after this timestamp are not
 * applied. Seconds are since the Unix epoch, UTC (`date -u -d '2026-12-06 03:00' +%s`).
 */
export function parseOplogLimit(text: string): OplogTime {
  const match = /^(\d{1,10})(?::(\d{1,10}))?$/.exec(text.trim());
  const t = Number(match?.[1]);
  const i = Number(match?.[2] ?? 0);
  if (!match || t > 0xffffffff || i > 0xffffffff) {
    throw new MongosafeError('USAGE', `--oplog-limit must be SECONDS[:ORDINAL] (seconds since the epoch, UTC), got "${text}"`, "e.g. --oplog-limit 1765000800 for 2025-12-06 06:00 UTC (date -u -d '2025-12-06 06:00' +%s)", {
      details: { kind: 'invalid' },
    });
  }
  return { t, i };
}
