import { MongosafeError } from '../errors.js';

/**
 * How many backups each grandfather-father-son rule keeps. A missing or 0
 * count means the rule is off. Periods are UTC; weeks are ISO 8601 weeks.
 */
export interface RetentionPolicy {
  /** The N newest backups. */
  last?: number;
  /** The newest backup of each of the last N days that have backups. */
  daily?: number;
  /** The newest backup of each of the last N ISO weeks that have backups. */
  weekly?: number;
  /** The newest backup of each of the last N months that have backups. */
  monthly?: number;
  /** The newest backup of each of the last N years that have backups. */
  yearly?: number;
}

export interface RetentionCandidate {
  id: string;
  /** When the backup started (from its id). */
  time: Date;
  /** True when its newest verification passed; the newest such backup is always kept. */
  verified?: boolean;
}

export interface RetentionDecision {
  id: string;
  keep: boolean;
  /** Why it is kept (e.g. "keep-daily 2024-02-29", "newest verified"), or why no rule keeps it. */
  reasons: string[];
}

interface Rule {
  name: keyof RetentionPolicy;
  /** Plural unit for explanations: "days". */
  units: string;
  /** The period a backup falls in; backups in one period compete for one slot. */
  period: (time: Date, index: number) => string;
}

// Ordered as restic's `forget` lists them; the order only affects how reasons read.
const RULES: readonly Rule[] = [
  { name: 'last', units: 'backups', period: (_time, index) => String(index + 1) },
  { name: 'daily', units: 'days', period: (time) => time.toISOString().slice(0, 10) },
  { name: 'weekly', units: 'ISO weeks', period: isoWeekOf },
  { name: 'monthly', units: 'months', period: (time) => time.toISOString().slice(0, 7) },
  { name: 'yearly', units: 'years', period: (time) => String(time.getUTCFullYear()) },
];

/**
 * Checks a policy before anything is read or deleted: counts are whole numbers
 * ≥ 0 and at least one is positive, because an empty policy would delete
 * everything but the newest backup, which is never what someone meant.
 *
 * @throws MongosafeError USAGE
 */
export function assertRetentionPolicy(policy: RetentionPolicy): void {
  for (const rule of RULES) {
    const count = policy[rule.name];
    if (count !== undefined && (!Number.isSafeInteger(count) || count < 0)) {
      throw new MongosafeError('USAGE', `--keep-${rule.name} must be a whole number ≥ 0, got ${String(count)}`);
    }
  }
  if (!RULES.some((rule) => (policy[rule.name] ?? 0) > 0)) {
    throw new MongosafeError(
      'USAGE',
      'give at least one --keep-* option (with a count of at least 1)',
      'for example --keep-daily 7 --keep-weekly 4 --keep-monthly 12; add --dry-run to preview',
    );
  }
}

/**
 * Grandfather-father-son retention, as restic's `forget`: backups are walked
 * newest first, and each rule keeps the newest backup of each of its last N
 * distinct periods that have backups (`last` keeps the N newest). A backup is
 * kept when any rule keeps it. On top of that the newest backup is always
 * kept, and so is the newest verified one, so a prune can never leave a
 * destination without a backup that was proven restorable when one existed.
 *
 * Pure: no clock, no storage. Decisions come back newest first.
 *
 * @throws MongosafeError USAGE when the policy has no positive count
 * @example planRetention(backups, { daily: 7, weekly: 4, monthly: 12 })
 */
export function planRetention(backups: readonly RetentionCandidate[], policy: RetentionPolicy): RetentionDecision[] {
  assertRetentionPolicy(policy);
  for (const backup of backups) {
    if (Number.isNaN(backup.time.getTime())) throw new MongosafeError('CORRUPT', `backup ${backup.id} has no valid time`);
  }
  const sorted = [...backups].sort(newestFirst);
  const active = RULES.flatMap((rule) => {
    const count = policy[rule.name] ?? 0;
    return count > 0 ? [{ rule, count, remaining: count, lastPeriod: undefined as string | undefined }] : [];
  });
  const newestVerified = sorted.find((b) => b.verified === true);

  return sorted.map((backup, index) => {
    const reasons: string[] = [];
    const misses: string[] = [];
    for (const slot of active) {
      const { rule } = slot;
      const period = rule.period(backup.time, index);
      if (period === slot.lastPeriod) {
        misses.push(`keep-${rule.name}: ${period} is kept by a newer backup`);
      } else if (slot.remaining === 0) {
        misses.push(`keep-${rule.name}: older than the ${slot.count} newest ${rule.units}`);
      } else {
        slot.lastPeriod = period;
        slot.remaining--;
        reasons.push(rule.name === 'last' ? `keep-last ${period} of ${slot.count}` : `keep-${rule.name} ${period}`);
      }
    }
    // Every positive rule keeps the newest, so this only guards future rules.
    if (index === 0 && reasons.length === 0) reasons.push('newest');
    if (backup === newestVerified) reasons.push('newest verified');
    return reasons.length > 0 ? { id: backup.id, keep: true, reasons } : { id: backup.id, keep: false, reasons: misses };
  });
}

/** "2021-01-03" → "2020-W53": the ISO week-year, which differs from the calendar year around New Year. */
export function isoWeekOf(time: Date): string {
  const day = new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate()));
  const weekday = day.getUTCDay() === 0 ? 7 : day.getUTCDay();
  // The Thursday of the same Monday-to-Sunday week decides the week-year.
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const weekYear = day.getUTCFullYear();
  const dayOfYear = (day.getTime() - Date.UTC(weekYear, 0, 1)) / 86_400_000;
  const week = Math.floor(dayOfYear / 7) + 1;
  return `${String(weekYear).padStart(4, '0')}-W${String(week).padStart(2, '0')}`;
}

/** By time; equal times (collision ids "-2", "-3"…) by suffix, then by id, so the order is total. */
function newestFirst(a: RetentionCandidate, b: RetentionCandidate): number {
  const suffix = (id: string) => Number(/-(\d+)$/.exec(id)?.[1] ?? 1);
  return b.time.getTime() - a.time.getTime() || suffix(b.id) - suffix(a.id) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}
