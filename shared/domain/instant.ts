/**
 * RULES.md vocabulary, "Time": every instant is compared as an instant, whatever offset or
 * precision it was written with, and evidence dated in the future is not evidence. Pure:
 * the clock is always an argument.
 */

/**
 * How far ahead of the gate's clock a date may be and still count as "now": the CRM's or
 * the person's device clock may run a little fast. Five minutes, the skew AWS allows for a
 * SigV4 signature (domain/sigv4.ts), so that one notion of "a few minutes" holds across the
 * gate. Beyond it, a consent, purchase, activity, withdrawal or objection "given" after it
 * is recorded is refused at recording (R3, R7, R9).
 */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

/** The digit at `i`, or -1 when it is not one (one read, one unsigned compare). */
const digitAt = (s: string, i: number) => {
  const d = s.charCodeAt(i) - 48;
  return d >>> 0 > 9 ? -1 : d;
};
/** Two digits at `i` as a number, or -1. */
const twoAt = (s: string, i: number) => {
  const a = digitAt(s, i);
  const b = digitAt(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
};

/**
 * Days from 1970-01-01 to the first of a month of the proleptic Gregorian calendar (H. Hinnant's
 * days_from_civil), integer arithmetic: Date.UTC was most of a parse's cost. A day past the
 * month's end runs into the next month, as Date.UTC and Date.parse run it.
 */
function daysFromCivil(year: number, month: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5);
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * Milliseconds since the epoch of an ISO 8601 instant (NaN when unreadable). The canonical
 * form every stored instant takes (`2026-06-01T20:00:00.000Z`) is read digit by digit: a
 * decision reads a dozen of them (R1–R9 dates), and Date.parse was a quarter of its time.
 * Anything else, or a field out of its plain range (year before 1000, hour 24…), goes to
 * Date.parse, which the fast path equals (test/unit/instant.test.ts checks it).
 */
export function instantMs(iso: string): number {
  // Separators first (the cheapest refusal), then each field read once: a field not made of
  // digits reads -1 and fails its range check.
  if (
    iso.length === 24 &&
    iso.charCodeAt(4) === 45 && // -
    iso.charCodeAt(7) === 45 &&
    iso.charCodeAt(10) === 84 && // T
    iso.charCodeAt(13) === 58 && // :
    iso.charCodeAt(16) === 58 &&
    iso.charCodeAt(19) === 46 && // .
    iso.charCodeAt(23) === 90 // Z
  ) {
    const century = twoAt(iso, 0);
    const yy = twoAt(iso, 2);
    const month = twoAt(iso, 5);
    const day = twoAt(iso, 8);
    const hour = twoAt(iso, 11);
    const minute = twoAt(iso, 14);
    const second = twoAt(iso, 17);
    const m1 = digitAt(iso, 20);
    const m2 = twoAt(iso, 21);
    if (
      century >= 10 &&
      yy >= 0 &&
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= 31 &&
      hour >= 0 &&
      hour <= 23 &&
      minute >= 0 &&
      minute <= 59 &&
      second >= 0 &&
      second <= 59 &&
      m1 >= 0 &&
      m2 >= 0
    ) {
      return (
        (daysFromCivil(century * 100 + yy, month) + day - 1) * 86_400_000 +
        hour * 3_600_000 +
        minute * 60_000 +
        second * 1000 +
        m1 * 100 +
        m2
      );
    }
  }
  return Date.parse(iso);
}

/**
 * The one canonical form every stored instant takes: UTC, milliseconds, `Z`
 * (`2026-06-01T20:00:00.000Z`). Fixed width, so that even a textual comparison orders
 * it as time; the store still compares epoch numbers where it conditions on time.
 */
export function canonicalInstant(iso: string): string {
  return new Date(instantMs(iso)).toISOString();
}

/** True when `iso` is later than `now` plus the allowed clock skew. */
export function isFutureDated(iso: string, now: Date): boolean {
  return instantMs(iso) > now.getTime() + MAX_FUTURE_SKEW_MS;
}

/** The problems of the dated fields given (path, value) that lie in the future, for a 400 naming each. */
export function futureDatedFields(
  fields: readonly (readonly [string, string | undefined])[],
  now: Date,
): { field: string; problem: string }[] {
  return fields
    .filter((f): f is readonly [string, string] => f[1] !== undefined && isFutureDated(f[1], now))
    .map(([field, value]) => ({
      field,
      problem: `${value} is in the future (the gate's clock says ${now.toISOString()}, ${MAX_FUTURE_SKEW_MS / 60_000} min of skew allowed): evidence cannot be dated after it is recorded`,
    }));
}

/** The later of two instants, as epoch ms (an undefined one is ignored; NaN when both are). */
export function laterMs(a: string | undefined, b: string | undefined): number {
  // No arrays: a decision asks this for every objection and withdrawal (R3, R7).
  if (a === undefined) return b === undefined ? Number.NaN : instantMs(b);
  if (b === undefined) return instantMs(a);
  return Math.max(instantMs(a), instantMs(b));
}

/** The earlier of two instants, as epoch ms (an undefined one is ignored; NaN when both are). */
export function earlierMs(a: string | undefined, b: string | undefined): number {
  if (a === undefined) return b === undefined ? Number.NaN : instantMs(b);
  if (b === undefined) return instantMs(a);
  return Math.min(instantMs(a), instantMs(b));
}
