import { FIRST_YEAR, LAST_YEAR, PUBLIC_HOLIDAYS } from './public-holidays-table';

/**
 * R14: whether a local date is a public holiday of a country, from the table
 * scripts/gen-holidays.ts generates from date-holidays (type `public`, the local date of each).
 * A country date-holidays does not know has none. A date outside the table's years is an
 * error, not a guess: R14 forbids sending on a holiday, so the table must be regenerated
 * (test/unit/public-holidays.test.ts fails a year before it runs out).
 */
export class HolidayTableError extends Error {
  override name = 'HolidayTableError';
}

const DAY_MS = 86_400_000;
/** Days since 1970-01-01 of the first and after the last day the table covers. */
export const COVERED_FROM_DAY = Date.UTC(FIRST_YEAR, 0, 1) / DAY_MS;
export const COVERED_UNTIL_DAY = Date.UTC(LAST_YEAR + 1, 0, 1) / DAY_MS;

/** Decoded on first use: a country's holidays as days since 1970-01-01; NONE for a country the table lacks. */
const decoded = new Map<string, ReadonlySet<number>>();
const NONE: ReadonlySet<number> = new Set();

function holidayDays(country: string): ReadonlySet<number> {
  if (!Object.hasOwn(PUBLIC_HOLIDAYS, country)) return NONE;
  const days = new Set<number>();
  PUBLIC_HOLIDAYS[country]!.split(' ').forEach((field, i) => {
    // Gaps from 1 January, then from the holiday before (scripts/gen-holidays.ts: encodeYear).
    let day = Date.UTC(FIRST_YEAR + i, 0, 1) / DAY_MS;
    for (let k = 0; k < field.length; k++) {
      const c = field.charCodeAt(k);
      day +=
        c >= 0x41 && c <= 0x5a
          ? (c - 0x40) * 36 + Number.parseInt(field.charAt(++k), 36)
          : Number.parseInt(field.charAt(k), 36);
      days.add(day);
    }
  });
  return days;
}

/** `day`: the local date, as days since 1970-01-01. */
export function isPublicHoliday(country: string, day: number): boolean {
  let days = decoded.get(country);
  if (days === undefined) {
    days = holidayDays(country);
    decoded.set(country, days);
  }
  if (days === NONE) return false;
  if (day < COVERED_FROM_DAY || day >= COVERED_UNTIL_DAY) {
    throw new HolidayTableError(
      `R14: the public-holiday table covers ${FIRST_YEAR}–${LAST_YEAR} only (asked for ${new Date(day * DAY_MS).toISOString().slice(0, 10)}); regenerate it with scripts/gen-holidays.ts`,
    );
  }
  return days.has(day);
}
