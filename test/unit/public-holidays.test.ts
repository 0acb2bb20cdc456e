import { describe, expect, it } from 'vitest';
import { holidayCountries, publicHolidayDates } from '../../scripts/gen-holidays';
import { HolidayTableError, isPublicHoliday } from '../../shared/domain/public-holidays';
import { FIRST_YEAR, LAST_YEAR } from '../../shared/domain/public-holidays-table';

/**
 * R14's holidays come from a table scripts/gen-holidays.ts generates from date-holidays (a
 * devDependency): it must say what date-holidays says, for every country and year it covers,
 * and be regenerated before the gateway decides in a year it lacks.
 */
const DAY_MS = 86_400_000;
const dayOf = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY_MS;

describe('R14 public-holiday table', () => {
  it(`R14 the table says what date-holidays says, every country, every day of ${FIRST_YEAR}–${LAST_YEAR}`, () => {
    const countries = holidayCountries();
    expect(countries.length).toBeGreaterThan(150);
    const mismatches: string[] = [];
    for (const country of countries) {
      for (let year = FIRST_YEAR; year <= LAST_YEAR; year++) {
        const expected = new Set(publicHolidayDates(country, year));
        for (let day = Date.UTC(year, 0, 1) / DAY_MS; day < Date.UTC(year + 1, 0, 1) / DAY_MS; day++) {
          const date = new Date(day * DAY_MS).toISOString().slice(0, 10);
          if (isPublicHoliday(country, day) !== expected.has(date)) mismatches.push(`${country} ${date}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  }, 600_000);

  it('R14 known holidays: 14 July in France, 4 July in the US, none in a country date-holidays lacks', () => {
    expect(isPublicHoliday('FR', dayOf('2026-07-14'))).toBe(true);
    expect(isPublicHoliday('FR', dayOf('2026-07-15'))).toBe(false);
    expect(isPublicHoliday('US', dayOf('2026-07-04'))).toBe(true);
    expect(isPublicHoliday('ZZ', dayOf('2026-07-14'))).toBe(false);
  });

  it('R14 a date outside the table is an error naming the fix, never a guess', () => {
    expect(() => isPublicHoliday('FR', dayOf(`${LAST_YEAR + 1}-07-14`))).toThrow(HolidayTableError);
    expect(() => isPublicHoliday('FR', dayOf(`${FIRST_YEAR - 1}-12-31`))).toThrow(
      /scripts\/gen-holidays\.ts/,
    );
  });

  // Against the real clock, on purpose: this fails a year before the table runs out, so that
  // it is regenerated (npx tsx scripts/gen-holidays.ts <first> <last>) while every decision,
  // up to a year ahead (schedule.ts: MAX_DECISION_AHEAD_MS) plus R14's two weeks, is covered.
  it('R14 the table covers the coming year and its two-week horizon: regenerate it when this fails', () => {
    const needed = new Date(Date.now() + 365 * DAY_MS + 16 * DAY_MS);
    expect(needed.getUTCFullYear(), `the table ends with ${LAST_YEAR}`).toBeLessThanOrEqual(LAST_YEAR);
    expect(() => isPublicHoliday('FR', Math.floor(needed.getTime() / DAY_MS))).not.toThrow();
  });
});
