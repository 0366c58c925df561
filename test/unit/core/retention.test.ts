import { describe, expect, it } from 'vitest';
import { isoWeekOf, planRetention, type RetentionCandidate, type RetentionPolicy } from '../../../src/core/retention.js';
import { MongosafeError } from '../../../src/errors.js';
// Seeded (mulberry32): a failing random case replays from the seed in the message.
import { randomSource } from '../archive/archive-io.js';

/** Candidates from ISO times; ids are the times themselves, so assertions read as dates. */
function at(...times: string[]): RetentionCandidate[] {
  return times.map((t) => ({ id: t, time: new Date(t) }));
}

function kept(backups: readonly RetentionCandidate[], policy: RetentionPolicy): string[] {
  return planRetention(backups, policy)
    .filter((d) => d.keep)
    .map((d) => d.id);
}

describe('planRetention: the table', () => {
  const cases: Array<{ name: string; backups: RetentionCandidate[]; policy: RetentionPolicy; keep: string[] }> = [
    { name: 'empty input', backups: [], policy: { daily: 7 }, keep: [] },
    {
      name: 'keep-last keeps the N newest, whatever their days',
      backups: at('2024-05-01T03:00:00Z', '2024-05-01T09:00:00Z', '2024-05-01T15:00:00Z', '2024-04-30T03:00:00Z'),
      policy: { last: 2 },
      keep: ['2024-05-01T15:00:00Z', '2024-05-01T09:00:00Z'],
    },
    {
      name: 'several backups in one day: daily keeps the newest of each day',
      backups: at('2024-05-01T03:00:00Z', '2024-05-01T23:59:59Z', '2024-05-02T00:00:00Z', '2024-05-02T12:00:00Z', '2024-04-30T10:00:00Z'),
      policy: { daily: 2 },
      keep: ['2024-05-02T12:00:00Z', '2024-05-01T23:59:59Z'],
    },
    {
      name: 'days without backups do not use up a daily slot',
      backups: at('2024-05-10T03:00:00Z', '2024-05-01T03:00:00Z', '2024-04-01T03:00:00Z', '2024-03-01T03:00:00Z'),
      policy: { daily: 3 },
      keep: ['2024-05-10T03:00:00Z', '2024-05-01T03:00:00Z', '2024-04-01T03:00:00Z'],
    },
    {
      name: 'month ends: the last second of January and the first of February are different months',
      backups: at('2024-01-31T23:59:59Z', '2024-02-01T00:00:00Z', '2024-01-15T00:00:00Z', '2023-12-31T23:59:59Z'),
      policy: { monthly: 2 },
      keep: ['2024-02-01T00:00:00Z', '2024-01-31T23:59:59Z'],
    },
    {
      name: 'month ends: 30-day months and February',
      backups: at('2023-04-30T03:00:00Z', '2023-05-01T03:00:00Z', '2023-02-28T03:00:00Z', '2023-03-01T03:00:00Z', '2023-03-31T03:00:00Z'),
      policy: { monthly: 12 },
      keep: ['2023-05-01T03:00:00Z', '2023-04-30T03:00:00Z', '2023-03-31T03:00:00Z', '2023-02-28T03:00:00Z'],
    },
    {
      name: 'leap day is its own day and belongs to February',
      backups: at('2024-02-28T03:00:00Z', '2024-02-29T03:00:00Z', '2024-03-01T03:00:00Z'),
      policy: { daily: 3, monthly: 2 },
      keep: ['2024-03-01T03:00:00Z', '2024-02-29T03:00:00Z', '2024-02-28T03:00:00Z'],
    },
    {
      name: 'leap day wins February over the 28th',
      backups: at('2024-02-28T03:00:00Z', '2024-02-29T03:00:00Z', '2024-03-01T03:00:00Z'),
      policy: { monthly: 2 },
      keep: ['2024-03-01T03:00:00Z', '2024-02-29T03:00:00Z'],
    },
    {
      name: 'ISO week-year: 2020-12-28…2021-01-03 is one week (2020-W53); 2021-01-04 starts 2021-W01',
      backups: at('2020-12-28T03:00:00Z', '2020-12-31T03:00:00Z', '2021-01-01T03:00:00Z', '2021-01-03T03:00:00Z', '2021-01-04T03:00:00Z', '2020-12-27T03:00:00Z'),
      policy: { weekly: 2 },
      keep: ['2021-01-04T03:00:00Z', '2021-01-03T03:00:00Z'],
    },
    {
      name: 'ISO week-year: 2019-12-30 is already 2020-W01, same week as 2020-01-05',
      backups: at('2019-12-29T03:00:00Z', '2019-12-30T03:00:00Z', '2020-01-05T03:00:00Z'),
      policy: { weekly: 5 },
      keep: ['2020-01-05T03:00:00Z', '2019-12-29T03:00:00Z'],
    },
    {
      name: 'year boundaries: yearly uses the calendar year, not the ISO week-year',
      backups: at('2021-01-03T03:00:00Z', '2020-12-31T23:59:59Z', '2020-06-01T00:00:00Z', '2019-12-31T00:00:00Z'),
      policy: { yearly: 2 },
      keep: ['2021-01-03T03:00:00Z', '2020-12-31T23:59:59Z'],
    },
    {
      name: 'year boundaries: 00:30 on New Year in UTC+2 is still the old year in UTC',
      backups: at('2024-01-01T00:30:00+02:00', '2023-12-31T20:00:00Z', '2024-01-01T00:00:00Z'),
      policy: { yearly: 5 },
      keep: ['2024-01-01T00:00:00Z', '2024-01-01T00:30:00+02:00'],
    },
    {
      name: 'rules combine: a backup kept by any rule stays',
      backups: at('2024-06-03T03:00:00Z', '2024-06-02T03:00:00Z', '2024-06-01T03:00:00Z', '2024-05-31T03:00:00Z', '2024-05-15T03:00:00Z', '2024-04-30T03:00:00Z', '2023-12-31T03:00:00Z'),
      policy: { last: 1, daily: 2, monthly: 3, yearly: 2 },
      keep: ['2024-06-03T03:00:00Z', '2024-06-02T03:00:00Z', '2024-05-31T03:00:00Z', '2024-04-30T03:00:00Z', '2023-12-31T03:00:00Z'],
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      expect(kept(c.backups, c.policy)).toEqual(c.keep);
    });
  }

  it('reports decisions newest first, whatever the input order', () => {
    const plan = planRetention(at('2024-01-01T00:00:00Z', '2024-03-01T00:00:00Z', '2024-02-01T00:00:00Z'), { last: 1 });
    expect(plan.map((d) => d.id)).toEqual(['2024-03-01T00:00:00Z', '2024-02-01T00:00:00Z', '2024-01-01T00:00:00Z']);
  });

  it('orders backups of the same second by their collision suffix', () => {
    const time = new Date('2024-01-01T03:00:00Z');
    const backups = [{ id: '20240101T030000Z', time }, { id: '20240101T030000Z-3', time }, { id: '20240101T030000Z-2', time }];
    expect(kept(backups, { daily: 1 })).toEqual(['20240101T030000Z-3']);
  });

  it('says which rule keeps a backup, and why the others go', () => {
    const plan = planRetention(at('2024-02-29T12:00:00Z', '2024-02-29T03:00:00Z', '2024-01-10T03:00:00Z', '2023-05-10T03:00:00Z'), { last: 1, daily: 2, monthly: 2 });
    expect(plan).toEqual([
      { id: '2024-02-29T12:00:00Z', keep: true, reasons: ['keep-last 1 of 1', 'keep-daily 2024-02-29', 'keep-monthly 2024-02'] },
      {
        id: '2024-02-29T03:00:00Z',
        keep: false,
        reasons: ['keep-last: older than the 1 newest backups', 'keep-daily: 2024-02-29 is kept by a newer backup', 'keep-monthly: 2024-02 is kept by a newer backup'],
      },
      { id: '2024-01-10T03:00:00Z', keep: true, reasons: ['keep-daily 2024-01-10', 'keep-monthly 2024-01'] },
      {
        id: '2023-05-10T03:00:00Z',
        keep: false,
        reasons: ['keep-last: older than the 1 newest backups', 'keep-daily: older than the 2 newest days', 'keep-monthly: older than the 2 newest months'],
      },
    ]);
  });

  it('never deletes the newest verified backup, even when no rule keeps it', () => {
    const backups = at('2024-05-03T03:00:00Z', '2024-05-02T03:00:00Z', '2024-05-01T03:00:00Z', '2024-04-30T03:00:00Z');
    const withVerified = backups.map((b, i) => ({ ...b, verified: i >= 2 }));
    const plan = planRetention(withVerified, { last: 1 });
    expect(plan.filter((d) => d.keep).map((d) => [d.id, d.reasons])).toEqual([
      ['2024-05-03T03:00:00Z', ['keep-last 1 of 1']],
      ['2024-05-01T03:00:00Z', ['newest verified']],
    ]);
  });

  it('says "newest verified" too when a rule already keeps it', () => {
    const plan = planRetention([{ id: 'a', time: new Date('2024-05-03T03:00:00Z'), verified: true }], { daily: 1 });
    expect(plan[0]?.reasons).toEqual(['keep-daily 2024-05-03', 'newest verified']);
  });

  it('refuses a policy with no rule rather than delete everything', () => {
    for (const policy of [{}, { daily: 0 }, { last: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0 }]) {
      let error: unknown;
      try {
        planRetention(at('2024-01-01T00:00:00Z'), policy);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MongosafeError);
      expect(error).toMatchObject({ code: 'USAGE', message: expect.stringContaining('give at least one --keep-* option') as unknown });
    }
  });

  it('refuses negative and fractional counts', () => {
    expect(() => planRetention([], { daily: -1 })).toThrow(/--keep-daily must be a whole number/);
    expect(() => planRetention([], { weekly: 1.5 })).toThrow(/--keep-weekly must be a whole number/);
  });
});

describe('isoWeekOf', () => {
  it.each([
    ['2020-12-31T12:00:00Z', '2020-W53'],
    ['2021-01-03T23:59:59Z', '2020-W53'],
    ['2021-01-04T00:00:00Z', '2021-W01'],
    ['2019-12-30T00:00:00Z', '2020-W01'],
    ['2024-12-30T00:00:00Z', '2025-W01'],
    ['2026-01-01T00:00:00Z', '2026-W01'],
    ['2027-01-01T00:00:00Z', '2026-W53'],
    ['2024-02-29T00:00:00Z', '2024-W09'],
    ['2023-01-01T00:00:00Z', '2022-W52'],
  ])('%s is in %s', (time, week) => {
    expect(isoWeekOf(new Date(time))).toBe(week);
  });
});

const RULE_NAMES = ['last', 'daily', 'weekly', 'monthly', 'yearly'] as const;

function randomCase(seed: number): { backups: RetentionCandidate[]; policy: RetentionPolicy } {
  const next = randomSource(seed);
  const int = (max: number) => Math.floor(next() * (max + 1));
  const start = Date.UTC(2019, 11, 20);
  // Mostly near each other (bursts of backups a day), sometimes years apart.
  const spanMs = [2 * 86_400_000, 60 * 86_400_000, 4 * 365 * 86_400_000][int(2)] ?? 86_400_000;
  const ids = new Set<string>();
  const backups: RetentionCandidate[] = [];
  for (let i = int(60); i > 0; i--) {
    const time = new Date(start + Math.floor(next() * spanMs / 1000) * 1000);
    let id = time.toISOString();
    for (let n = 2; ids.has(id); n++) id = `${time.toISOString()}-${n}`;
    ids.add(id);
    backups.push({ id, time, verified: next() < 0.15 });
  }
  const policy: RetentionPolicy = {};
  for (const name of RULE_NAMES) if (next() < 0.6) policy[name] = int(6);
  if (!RULE_NAMES.some((name) => (policy[name] ?? 0) > 0)) policy[RULE_NAMES[int(4)] ?? 'daily'] = 1 + int(4);
  return { backups, policy };
}

const SEEDS = Array.from({ length: 400 }, (_, i) => 0x5eed + i * 7919);

describe('planRetention: properties over 400 seeded random cases', () => {
  it('decides each backup exactly once and never deletes the newest or the newest verified', () => {
    for (const seed of SEEDS) {
      const { backups, policy } = randomCase(seed);
      const plan = planRetention(backups, policy);
      expect(plan.map((d) => d.id).sort(), `seed ${seed}`).toEqual(backups.map((b) => b.id).sort());
      if (backups.length === 0) continue;
      const newest = Math.max(...backups.map((b) => b.time.getTime()));
      const first = plan[0];
      expect(first && backups.find((b) => b.id === first.id)?.time.getTime(), `seed ${seed}`).toBe(newest);
      expect(first?.keep, `seed ${seed}`).toBe(true);
      const newestVerified = plan.find((d) => backups.find((b) => b.id === d.id)?.verified === true);
      if (newestVerified) expect(newestVerified.keep, `seed ${seed}`).toBe(true);
    }
  });

  it('is idempotent: planning again over what it kept deletes nothing more', () => {
    for (const seed of SEEDS) {
      const { backups, policy } = randomCase(seed);
      const keptIds = new Set(kept(backups, policy));
      const again = planRetention(backups.filter((b) => keptIds.has(b.id)), policy);
      expect(again.filter((d) => !d.keep).map((d) => d.id), `seed ${seed}`).toEqual([]);
    }
  });

  it('keeps a growing set as any count grows', () => {
    for (const seed of SEEDS) {
      const { backups, policy } = randomCase(seed);
      const next = randomSource(seed ^ 0xabcdef);
      const name = RULE_NAMES[Math.floor(next() * RULE_NAMES.length)] ?? 'daily';
      const bigger = { ...policy, [name]: (policy[name] ?? 0) + 1 + Math.floor(next() * 5) };
      const before = kept(backups, policy);
      const after = new Set(kept(backups, bigger));
      expect(before.filter((id) => !after.has(id)), `seed ${seed}, ${name} → ${bigger[name]}`).toEqual([]);
    }
  });

  it('agrees with a direct reading of each rule: newest backup of each of the N newest periods', () => {
    const period: Record<Exclude<(typeof RULE_NAMES)[number], 'last'>, (t: Date) => string> = {
      daily: (t) => t.toISOString().slice(0, 10),
      weekly: isoWeekOf,
      monthly: (t) => t.toISOString().slice(0, 7),
      yearly: (t) => t.toISOString().slice(0, 4),
    };
    for (const seed of SEEDS) {
      const { backups, policy } = randomCase(seed);
      const plan = planRetention(backups, policy);
      const order = plan.map((d) => d.id);
      const byId = new Map(backups.map((b) => [b.id, b]));
      const expected = new Set<string>(order.slice(0, policy.last ?? 0));
      for (const name of ['daily', 'weekly', 'monthly', 'yearly'] as const) {
        const newestOfPeriod = new Map<string, string>();
        for (const id of order) {
          const time = byId.get(id)?.time;
          if (time && !newestOfPeriod.has(period[name](time))) newestOfPeriod.set(period[name](time), id);
        }
        for (const id of [...newestOfPeriod.values()].slice(0, policy[name] ?? 0)) expected.add(id);
      }
      const verified = order.find((id) => byId.get(id)?.verified === true);
      if (verified) expected.add(verified);
      expect(new Set(plan.filter((d) => d.keep).map((d) => d.id)), `seed ${seed}`).toEqual(expected);
    }
  });
});
