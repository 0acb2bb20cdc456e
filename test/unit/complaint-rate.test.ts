import { describe, expect, it } from 'vitest';
import {
  type DayCount,
  evaluateComplaintRate,
  type LiftBaseline,
  reaches,
  utcDay,
  windowDaysOf,
} from '../../shared/domain/complaint-rate';
import { tenantSettingsSchema } from '../../shared/schemas/tenant';

/** Tuesday 24 November 2026, 10:00 UTC. */
const NOW = new Date('2026-11-24T10:00:00Z');
const DEFAULTS = tenantSettingsSchema.parse({}).complaintRate;
const settings = { ...DEFAULTS, windowDays: 7, holdRate: 0.003, warningRate: 0.001, minSends: 1000 };
const day = (offset: number) => utcDay(new Date(NOW.getTime() - offset * 86_400_000));
const count = (offset: number, sends: number, complaints: number): DayCount => ({
  day: day(offset),
  sends,
  complaints,
});

describe('the window', () => {
  it('is windowDays UTC days, oldest first, ending today', () => {
    expect(windowDaysOf(NOW, 3)).toEqual(['2026-11-22', '2026-11-23', '2026-11-24']);
    expect(windowDaysOf(new Date('2026-03-01T00:00:00Z'), 2)).toEqual(['2026-02-28', '2026-03-01']);
  });

  it('has the documented defaults: 7 days, hold 0.3%, warning 0.1%, 1,000 sends', () => {
    expect(DEFAULTS).toEqual({ windowDays: 7, holdRate: 0.003, warningRate: 0.001, minSends: 1000 });
  });
});

describe('reaches, at the exact threshold', () => {
  it.each([
    [3, 1000, 0.003, true],
    [9, 3000, 0.003, true],
    [2, 1000, 0.003, false],
    [29, 10_000, 0.003, false],
    [1, 1000, 0.001, true],
    [0, 0, 0.001, false],
  ])('%i complaints of %i sends against %d: %s', (complaints, sends, threshold, expected) => {
    expect(reaches(complaints, sends, threshold)).toBe(expected);
  });
});

describe('evaluateComplaintRate (mailbox provider thresholds)', () => {
  const cases: {
    title: string;
    counts: DayCount[];
    held?: boolean;
    lastLift?: LiftBaseline;
    status: 'ok' | 'warning' | 'hold';
    holdDue: boolean;
    sends: number;
    complaints: number;
  }[] = [
    {
      title: 'no sends at all: ok, no rate',
      counts: [],
      status: 'ok',
      holdDue: false,
      sends: 0,
      complaints: 0,
    },
    {
      title: 'below the minimum volume: 1 complaint of 10 sends is not judged',
      counts: [count(0, 10, 1)],
      status: 'ok',
      holdDue: false,
      sends: 10,
      complaints: 1,
    },
    {
      title: 'just below the minimum volume: 999 sends with 50 complaints is not judged',
      counts: [count(1, 999, 50)],
      status: 'ok',
      holdDue: false,
      sends: 999,
      complaints: 50,
    },
    {
      title: 'under the warning rate: ok',
      counts: [count(0, 5000, 4)],
      status: 'ok',
      holdDue: false,
      sends: 5000,
      complaints: 4,
    },
    {
      title: 'exactly the warning rate (1 of 1,000): warning',
      counts: [count(0, 1000, 1)],
      status: 'warning',
      holdDue: false,
      sends: 1000,
      complaints: 1,
    },
    {
      title: 'between warning and hold: warning, no hold',
      counts: [count(0, 1000, 2)],
      status: 'warning',
      holdDue: false,
      sends: 1000,
      complaints: 2,
    },
    {
      title: 'exactly the hold rate (3 of 1,000): the hold is due',
      counts: [count(0, 1000, 3)],
      status: 'hold',
      holdDue: true,
      sends: 1000,
      complaints: 3,
    },
    {
      title: 'above the hold rate, summed over several days: the hold is due',
      counts: [count(6, 2000, 2), count(3, 1000, 5), count(0, 1000, 6)],
      status: 'hold',
      holdDue: true,
      sends: 4000,
      complaints: 13,
    },
    {
      title: 'already held: status hold, nothing more to set',
      counts: [count(0, 1000, 3)],
      held: true,
      status: 'hold',
      holdDue: false,
      sends: 1000,
      complaints: 3,
    },
    {
      title: 'held even when the rate is now fine (only an admin lifts it)',
      counts: [count(0, 100_000, 0)],
      held: true,
      status: 'hold',
      holdDue: false,
      sends: 100_000,
      complaints: 0,
    },
    {
      title: 'window edge: the day windowDays ago is out, windowDays - 1 ago is in',
      counts: [count(7, 10_000, 500), count(6, 1000, 0)],
      status: 'ok',
      holdDue: false,
      sends: 1000,
      complaints: 0,
    },
    {
      title: 'window edge: complaints on the oldest day of the window count',
      counts: [count(6, 1000, 3)],
      status: 'hold',
      holdDue: true,
      sends: 1000,
      complaints: 3,
    },
    {
      title: 'after a lift, the complaints that caused the hold do not set it again',
      counts: [count(2, 1000, 10), count(0, 200, 0)],
      lastLift: { day: day(0), sends: 100, complaints: 0 },
      status: 'warning',
      holdDue: false,
      sends: 1200,
      complaints: 10,
    },
    {
      title: 'after a lift, new complaints on enough new volume set it again',
      counts: [count(2, 1000, 10), count(1, 600, 0), count(0, 700, 4)],
      lastLift: { day: day(1), sends: 100, complaints: 0 },
      status: 'hold',
      holdDue: true,
      sends: 2300,
      complaints: 14,
    },
    {
      title: 'a lift older than the window judges the whole window again',
      counts: [count(0, 1000, 3)],
      lastLift: { day: day(20), sends: 5000, complaints: 40 },
      status: 'hold',
      holdDue: true,
      sends: 1000,
      complaints: 3,
    },
  ];

  it.each(cases)('$title', ({ counts, held, lastLift, status, holdDue, sends, complaints }) => {
    const evaluation = evaluateComplaintRate({ counts, settings, now: NOW, held: held ?? false, lastLift });
    expect(evaluation).toMatchObject({ status, holdDue, sends, complaints });
    expect(evaluation.rate).toBe(sends === 0 ? null : complaints / sends);
  });

  it('reports every day of the window, oldest first, zeros included, and sums counts of the same day', () => {
    const evaluation = evaluateComplaintRate({
      counts: [count(0, 10, 0), count(0, 0, 1), count(2, 5, 0)],
      settings: { ...settings, windowDays: 3 },
      now: NOW,
      held: false,
    });
    expect(evaluation.from).toBe('2026-11-22');
    expect(evaluation.to).toBe('2026-11-24');
    expect(evaluation.days).toEqual([
      { day: '2026-11-22', sends: 5, complaints: 0 },
      { day: '2026-11-23', sends: 0, complaints: 0 },
      { day: '2026-11-24', sends: 10, complaints: 1 },
    ]);
  });

  it('uses the tenant settings: a stricter tenant is held sooner', () => {
    const strict = { ...settings, holdRate: 0.002, minSends: 500 };
    const counts = [count(0, 500, 1)];
    expect(evaluateComplaintRate({ counts, settings, now: NOW, held: false }).holdDue).toBe(false);
    expect(evaluateComplaintRate({ counts, settings: strict, now: NOW, held: false }).holdDue).toBe(true);
  });
});

/** Rows the mutation run (docs/testing.md) showed unpinned: what the hold is judged on, tiny thresholds. */
describe('evaluateComplaintRate: what the hold is judged on', () => {
  const evaluate = (counts: DayCount[], lastLift?: LiftBaseline, s = settings) =>
    evaluateComplaintRate({ counts, settings: s, now: NOW, held: false, lastLift });

  it.each([
    {
      title: 'without a lift: the whole window',
      counts: [count(6, 1000, 1), count(0, 500, 2)],
      lastLift: undefined,
      judged: { from: day(6), sends: 1500, complaints: 3 },
    },
    {
      title: 'after a lift today: what today counted since the lift (its baseline subtracted)',
      counts: [count(2, 1000, 10), count(0, 1500, 6)],
      lastLift: { day: day(0), sends: 1000, complaints: 5 },
      judged: { from: day(0), sends: 500, complaints: 1 },
    },
    {
      title: 'after a lift two days ago: the lift day since the lift, and the days after it',
      counts: [count(3, 900, 9), count(2, 1000, 10), count(1, 400, 1), count(0, 100, 0)],
      lastLift: { day: day(2), sends: 800, complaints: 8 },
      judged: { from: day(2), sends: 700, complaints: 3 },
    },
    {
      title: 'a baseline above what the day now counts (counts arrive late) is never negative',
      counts: [count(0, 50, 3)],
      lastLift: { day: day(0), sends: 100, complaints: 5 },
      judged: { from: day(0), sends: 0, complaints: 0 },
    },
    {
      title: 'a lift older than the window: the whole window',
      counts: [count(5, 1000, 4)],
      lastLift: { day: day(20), sends: 5000, complaints: 40 },
      judged: { from: day(6), sends: 1000, complaints: 4 },
    },
    {
      title: 'a lift dated after today (a clock ahead): nothing judged yet, from today',
      counts: [count(0, 5000, 40)],
      lastLift: { day: day(-1), sends: 0, complaints: 0 },
      judged: { from: day(0), sends: 0, complaints: 0 },
    },
  ])('$title', ({ counts, lastLift, judged }) => {
    expect(evaluate(counts, lastLift).judged).toEqual(judged);
  });

  it('a window of no day (the schema refuses it) judges nothing and names today', () => {
    const evaluation = evaluate([count(0, 5000, 40)], undefined, { ...settings, windowDays: 0 });
    expect(evaluation).toMatchObject({
      from: day(0),
      to: day(0),
      sends: 0,
      days: [],
      judged: { from: day(0), sends: 0, complaints: 0 },
      holdDue: false,
      status: 'ok',
    });
  });

  it('no complaint never reaches a threshold, however small the tenant sets it', () => {
    // holdRate and warningRate need only be positive: a tenant may hold on its very first complaint.
    const strictest = { ...settings, holdRate: 1e-12, warningRate: 1e-12, minSends: 1 };
    expect(reaches(0, 1000, 1e-12)).toBe(false);
    expect(evaluate([count(0, 1000, 0)], undefined, strictest)).toMatchObject({
      status: 'ok',
      holdDue: false,
    });
    expect(evaluate([count(0, 1000, 1)], undefined, strictest)).toMatchObject({
      status: 'hold',
      holdDue: true,
    });
  });
});
