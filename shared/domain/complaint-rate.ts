/**
 * Mailbox provider thresholds (docs/rules.md, no rule id): the tenant's email complaint rate over
 * a rolling window of UTC days, and whether it calls for the hold (`complaint_rate_hold`).
 * Pure: the counts come in, the judgement goes out. No clock, no I/O.
 *
 * - rate = complaints / deliveries over the window (today included, so far);
 * - below `minSends` deliveries in the window the rate is not judged (one complaint out of
 *   ten messages must not hold a small tenant): status `ok`, `enoughVolume: false`;
 * - `warning` from `warningRate` ("keep under 0.1%": reaching it is no longer under);
 * - the hold is due from `holdRate` ("never reach 0.3%": reaching it is enough).
 *
 * After an admin lifts a hold, the complaints that caused it must not set it again at once:
 * the hold is judged only on what was counted after the lift (the lift day's counts at the
 * moment of the lift are its baseline, subtracted), while the figures reported and the
 * warning still cover the whole window, as the mailbox providers see it.
 */
export interface ComplaintRateSettings {
  readonly windowDays: number;
  readonly holdRate: number;
  readonly warningRate: number;
  readonly minSends: number;
}

/** One UTC day's counts (`day` is `YYYY-MM-DD`). */
export interface DayCount {
  readonly day: string;
  readonly sends: number;
  readonly complaints: number;
}

/** What was counted on the lift day when the hold was lifted. */
export interface LiftBaseline {
  readonly day: string;
  readonly sends: number;
  readonly complaints: number;
}

export type ComplaintRateStatus = 'ok' | 'warning' | 'hold';

export interface ComplaintRateEvaluation {
  readonly windowDays: number;
  /** First and last UTC day of the window, both included. */
  readonly from: string;
  readonly to: string;
  readonly sends: number;
  readonly complaints: number;
  /** complaints / sends; null without any send in the window. */
  readonly rate: number | null;
  readonly enoughVolume: boolean;
  readonly status: ComplaintRateStatus;
  /** The hold should be set now: not held, and the rate since the last lift reaches `holdRate` with enough volume. */
  readonly holdDue: boolean;
  /** What the hold is judged on: the window, or only what came after the last lift. */
  readonly judged: { readonly from: string; readonly sends: number; readonly complaints: number };
  /** Every day of the window, oldest first, days without counts as zeros. */
  readonly days: readonly DayCount[];
}

const DAY_MS = 86_400_000;

export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The window's days, oldest first: `windowDays` UTC days ending with the day of `now`. */
export function windowDaysOf(now: Date, windowDays: number): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: windowDays }, (_, i) =>
    utcDay(new Date(today - (windowDays - 1 - i) * DAY_MS)),
  );
}

/**
 * `complaints / sends >= threshold`, without floating-point surprises at the exact
 * threshold (3 of 1,000 at 0.3% reaches it; 0.003 * 3000 is 9.000000000000002 in floats).
 * The tolerance is relative (one part in a billion of the threshold's count): an absolute one
 * let no complaint at all reach a threshold the tenant set tiny (1e-12 of 1,000 sends), holding
 * its marketing on a clean record.
 */
export function reaches(complaints: number, sends: number, threshold: number): boolean {
  if (sends <= 0) return false;
  return complaints >= threshold * sends * (1 - 1e-9);
}

export function evaluateComplaintRate(input: {
  readonly counts: readonly DayCount[];
  readonly settings: ComplaintRateSettings;
  readonly now: Date;
  readonly held: boolean;
  readonly lastLift?: LiftBaseline;
}): ComplaintRateEvaluation {
  const { settings, now, held, lastLift } = input;
  const windowDays = windowDaysOf(now, settings.windowDays);
  const byDay = new Map<string, { sends: number; complaints: number }>();
  for (const c of input.counts) {
    const day = byDay.get(c.day) ?? { sends: 0, complaints: 0 };
    byDay.set(c.day, { sends: day.sends + c.sends, complaints: day.complaints + c.complaints });
  }
  const days = windowDays.map((day) => ({ day, sends: 0, complaints: 0, ...byDay.get(day) }));
  const sends = sum(days.map((d) => d.sends));
  const complaints = sum(days.map((d) => d.complaints));
  const enoughVolume = sends >= settings.minSends;

  // Only what came after the last lift (days before it are out; its own day minus the baseline).
  const judgedDays = lastLift === undefined ? days : days.filter((d) => d.day >= lastLift.day);
  const judged = {
    from: judgedDays[0]?.day ?? windowDays.at(-1) ?? utcDay(now),
    sends: sum(
      judgedDays.map((d) => (d.day === lastLift?.day ? Math.max(0, d.sends - lastLift.sends) : d.sends)),
    ),
    complaints: sum(
      judgedDays.map((d) =>
        d.day === lastLift?.day ? Math.max(0, d.complaints - lastLift.complaints) : d.complaints,
      ),
    ),
  };
  const holdDue =
    !held && judged.sends >= settings.minSends && reaches(judged.complaints, judged.sends, settings.holdRate);

  const status: ComplaintRateStatus =
    held || holdDue
      ? 'hold'
      : enoughVolume && reaches(complaints, sends, settings.warningRate)
        ? 'warning'
        : 'ok';
  return {
    windowDays: settings.windowDays,
    from: days[0]?.day ?? utcDay(now),
    to: days.at(-1)?.day ?? utcDay(now),
    sends,
    complaints,
    rate: sends > 0 ? complaints / sends : null,
    enoughVolume,
    status,
    holdDue,
    judged,
    days,
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
