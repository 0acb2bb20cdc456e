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
 * daysFromCivil(year, 1) for the years the fast path reads (1000 … 10000), and the days before
 * each month in a common year: a parse then adds three numbers instead of dividing. Built
 * from daysFromCivil itself at load (9,001 calls, well under a millisecond).
 */
const FIRST_TABLE_YEAR = 1000;
const YEAR_START = Int32Array.from({ length: 9_001 }, (_, i) => daysFromCivil(FIRST_TABLE_YEAR + i, 1));
const DAYS_BEFORE_MONTH = [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

/** daysFromCivil(year, month) for 1000 ≤ year ≤ 9999: the year's start, the months before, 29 February. */
function daysToMonth(year: number, month: number): number {
  const start = YEAR_START[year - FIRST_TABLE_YEAR]!;
  const leap = month > 2 && YEAR_START[year - FIRST_TABLE_YEAR + 1]! - start === 366 ? 1 : 0;
  return start + DAYS_BEFORE_MONTH[month]! + leap;
}

/** Whether a char code minus 48 is a digit: one unsigned compare. */
const isDigit = (d: number) => d >>> 0 <= 9;

/**
 * Milliseconds since the epoch of an ISO 8601 instant (NaN when unreadable). The canonical
 * form every stored instant takes (`2026-06-01T20:00:00.000Z`) is read digit by digit: a
 * decision reads a dozen of them (R1–R9 dates), and Date.parse was a quarter of its time.
 * Anything else, or a field out of its plain range (year before 1000, hour 24…), goes to
 * Date.parse, which the fast path equals (test/unit/instant.test.ts checks it). Straight-line
 * code, no helper per digit: the profile showed the helpers' calls when inlined into decide().
 */
export function instantMs(iso: string): number {
  // Separators first (the cheapest refusal), then each digit read once.
  if (
    iso.length !== 24 ||
    iso.charCodeAt(4) !== 45 || // -
    iso.charCodeAt(7) !== 45 ||
    iso.charCodeAt(10) !== 84 || // T
    iso.charCodeAt(13) !== 58 || // :
    iso.charCodeAt(16) !== 58 ||
    iso.charCodeAt(19) !== 46 || // .
    iso.charCodeAt(23) !== 90 // Z
  )
    return Date.parse(iso);
  const y0 = iso.charCodeAt(0) - 48;
  const y1 = iso.charCodeAt(1) - 48;
  const y2 = iso.charCodeAt(2) - 48;
  const y3 = iso.charCodeAt(3) - 48;
  const mo0 = iso.charCodeAt(5) - 48;
  const mo1 = iso.charCodeAt(6) - 48;
  const d0 = iso.charCodeAt(8) - 48;
  const d1 = iso.charCodeAt(9) - 48;
  const h0 = iso.charCodeAt(11) - 48;
  const h1 = iso.charCodeAt(12) - 48;
  const mi0 = iso.charCodeAt(14) - 48;
  const mi1 = iso.charCodeAt(15) - 48;
  const s0 = iso.charCodeAt(17) - 48;
  const s1 = iso.charCodeAt(18) - 48;
  const f0 = iso.charCodeAt(20) - 48;
  const f1 = iso.charCodeAt(21) - 48;
  const f2 = iso.charCodeAt(22) - 48;
  if (
    !(
      isDigit(y0) &&
      isDigit(y1) &&
      isDigit(y2) &&
      isDigit(y3) &&
      isDigit(mo0) &&
      isDigit(mo1) &&
      isDigit(d0) &&
      isDigit(d1) &&
      isDigit(h0) &&
      isDigit(h1) &&
      isDigit(mi0) &&
      isDigit(mi1) &&
      isDigit(s0) &&
      isDigit(s1) &&
      isDigit(f0) &&
      isDigit(f1) &&
      isDigit(f2)
    )
  )
    return Date.parse(iso);
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const month = mo0 * 10 + mo1;
  const day = d0 * 10 + d1;
  const hour = h0 * 10 + h1;
  const minute = mi0 * 10 + mi1;
  const second = s0 * 10 + s1;
  if (
    year < 1000 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 31 ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    return Date.parse(iso);
  return (
    (daysToMonth(year, month) + day - 1) * 86_400_000 +
    hour * 3_600_000 +
    minute * 60_000 +
    second * 1000 +
    f0 * 100 +
    f1 * 10 +
    f2
  );
}

/** 0 … 99 as two digits. */
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : `${i}`));
/** The first instant of year 10000: from there toISOString writes six digits and a sign. */
const YEAR_10000_MS = 253_402_300_800_000;

/**
 * `new Date(ms).toISOString()`, without the Date: a deferred decision writes its instant in
 * its message, and toISOString was a quarter of that decision's time. Written by arithmetic
 * (H. Hinnant's civil_from_days) for whole ms from 1970 to year 9999; anything else (before
 * 1970, NaN, out of Date's range: RangeError) goes to toISOString itself, which it equals
 * (test/unit/instant.test.ts checks it).
 */
export function isoOf(ms: number): string {
  if (!(Number.isInteger(ms) && ms >= 0 && ms < YEAR_10000_MS)) return new Date(ms).toISOString();
  const days = Math.floor(ms / 86_400_000);
  let rest = ms - days * 86_400_000;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const milli = rest - second * 1000;
  const d = TWO_DIGITS;
  return `${d[Math.floor(year / 100)]}${d[year % 100]}-${d[month]}-${d[day]}T${d[hour]}:${d[minute]}:${d[second]}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
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
