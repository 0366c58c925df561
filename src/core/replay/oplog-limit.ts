import { MongosafeError } from '../../errors.js';

/** A point in the oplog: `t` seconds since the epoch, `i` the ordinal within that second (a BSON Timestamp). */
export interface OplogPoint {
  t: number;
  i: number;
}

/**
 * `SECONDS[:ORDINAL]`, as mongorestore's --oplogLimit: entries at or after this timestamp are not
 * applied. Seconds are since the Unix epoch, UTC (`date -u -d '2026-12-06 03:00' +%s`).
 */
export function parseOplogLimit(text: string): OplogPoint {
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

/** Whether `point` comes before `limit` (so it is applied). */
export function isBefore(point: OplogPoint, limit: OplogPoint): boolean {
  return point.t < limit.t || (point.t === limit.t && point.i < limit.i);
}
