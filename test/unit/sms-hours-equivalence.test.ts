import { getCountry } from 'countries-and-timezones';
import Holidays from 'date-holidays';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIRST_YEAR, LAST_YEAR } from '../../shared/domain/public-holidays-table';
import {
  DEFAULT_SMS_WINDOW,
  isOpen,
  nextOpenSlot,
  type SmsWindow,
  zonedInstant,
} from '../../shared/domain/sms-hours';

/**
 * R14: the lazy nextOpenSlot (zones' candidates merged in time order, local time from a
 * memoised offset, holidays from the generated table) gives exactly what the implementation
 * before it gave: every zone's two weeks of candidates built with Intl, sorted, checked with
 * date-holidays itself. The oracle below is that implementation, kept here only.
 */
// The oracle: sms-hours.ts as it was before the lazy merge (date-holidays itself for the holidays).
interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formatters = new Map<string, Intl.DateTimeFormat>();
function localParts(instant: Date, zone: string): LocalParts {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: WEEKDAYS[parts.weekday ?? ''] ?? 0,
  };
}
function oldZonedInstant(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  zone: string,
): Date {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const shownAt = (instant: number) => {
    const p = localParts(new Date(instant), zone);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  };
  let guess = wall;
  for (let i = 0; i < 3; i++) {
    const delta = wall - shownAt(guess);
    if (delta === 0) return new Date(guess);
    guess += delta;
  }
  const dayBefore = wall - 86_400_000;
  return new Date(wall - (shownAt(dayBefore) - dayBefore));
}
const holidayCalendars = new Map<string, Set<string>>();
function publicHolidays(country: string, year: number): Set<string> {
  const key = `${country}:${year}`;
  let set = holidayCalendars.get(key);
  if (!set) {
    const calendar = new Holidays();
    const known = country in calendar.getCountries();
    if (known) calendar.init(country);
    set = new Set(
      !known
        ? []
        : calendar
            .getHolidays(year)
            .filter((h) => h.type === 'public')
            .map((h) => h.date.slice(0, 10)),
    );
    holidayCalendars.set(key, set);
  }
  return set;
}
const pad = (n: number) => String(n).padStart(2, '0');
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
function openIn(instant: Date, zone: string, country: string, window: SmsWindow): boolean {
  const p = localParts(instant, zone);
  if (!window.days.includes(p.weekday)) return false;
  if (
    window.skipPublicHolidays &&
    publicHolidays(country, p.year).has(`${p.year}-${pad(p.month)}-${pad(p.day)}`)
  ) {
    return false;
  }
  const minutes = p.hour * 60 + p.minute;
  return minutes >= minutesOf(window.start) && minutes < minutesOf(window.end);
}
function oldIsOpen(
  instant: Date,
  region: { country: string; timeZones: readonly string[] },
  window: SmsWindow,
): boolean {
  return region.timeZones.every((zone) => openIn(instant, zone, region.country, window));
}
const HORIZON_DAYS = 15;
function oldNextOpenSlot(
  now: Date,
  region: { country: string; timeZones: readonly string[] },
  window: SmsWindow,
): Date | undefined {
  if (oldIsOpen(now, region, window)) return now;
  const start = minutesOf(window.start);
  const candidates: Date[] = [];
  for (const zone of region.timeZones) {
    const today = localParts(now, zone);
    for (let d = 0; d <= HORIZON_DAYS; d++) {
      const date = new Date(Date.UTC(today.year, today.month - 1, today.day + d));
      const at = oldZonedInstant(
        date.getUTCFullYear(),
        date.getUTCMonth() + 1,
        date.getUTCDate(),
        Math.floor(start / 60),
        start % 60,
        zone,
      );
      if (at > now) candidates.push(at);
    }
  }
  candidates.sort((a, b) => a.getTime() - b.getTime());
  return candidates.find((c) => oldIsOpen(c, region, window));
}

const SEED = 1414;
const region = (country: string) => ({ country, timeZones: [...(getCountry(country)?.timezones ?? [])] });
/** Countries date-holidays knows, with one to three zones (the oracle's cost grows with zones). */
const FEW_ZONES = Object.keys(new Holidays().getCountries())
  .map(region)
  .filter((r) => r.timeZones.length >= 1 && r.timeZones.length <= 3);

// Three years inside the table (the oracle computes each country's year with date-holidays, the
// costly part of this file); test/unit/public-holidays.test.ts compares every year of the table.
const FROM = Date.UTC(2026, 0, 2);
const UNTIL = Date.UTC(2028, 11, 10);
const hhmm = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 1, 15, 30, 45, 59))
  .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
const windowArb: fc.Arbitrary<SmsWindow> = fc.oneof(
  fc.constant(DEFAULT_SMS_WINDOW),
  fc.record({
    days: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
    start: hhmm,
    end: hhmm,
    skipPublicHolidays: fc.boolean(),
  }),
);
const instantArb = fc.integer({ min: FROM, max: UNTIL }).map((ms) => new Date(ms));

/** A DST transition of the zone in the year, found by Intl: the first hour whose offset differs from the hour before. */
function transitions(zone: string, year: number): number[] {
  const format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
  const offset = (ms: number) =>
    format.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value;
  const found: number[] = [];
  let previous = offset(Date.UTC(year, 0, 1));
  for (let ms = Date.UTC(year, 0, 1); ms < Date.UTC(year + 1, 0, 1); ms += 3_600_000) {
    const current = offset(ms);
    if (current !== previous) found.push(ms);
    previous = current;
  }
  return found;
}

const DST_ZONES: ReadonlyArray<{ country: string; zone: string }> = [
  { country: 'FR', zone: 'Europe/Paris' },
  { country: 'US', zone: 'America/New_York' },
  { country: 'AU', zone: 'Australia/Lord_Howe' },
  { country: 'AU', zone: 'Australia/Adelaide' },
  { country: 'NZ', zone: 'Pacific/Chatham' },
  { country: 'CA', zone: 'America/St_Johns' },
  { country: 'CL', zone: 'America/Santiago' },
  { country: 'PY', zone: 'America/Asuncion' },
  { country: 'IL', zone: 'Asia/Jerusalem' },
  { country: 'EG', zone: 'Africa/Cairo' },
  { country: 'MX', zone: 'America/Tijuana' },
];
const EDGES = DST_ZONES.flatMap(({ country, zone }) =>
  [2026, 2027, 2031].flatMap((year) => transitions(zone, year).map((at) => ({ country, zone, at }))),
);

/** Public holidays of the few-zone countries in 2026, as the instants of their local midnight. */
const HOLIDAY_EDGES = FEW_ZONES.slice(0, 80).flatMap((r) => {
  const calendar = new Holidays(r.country);
  return calendar
    .getHolidays(2026)
    .filter((h) => h.type === 'public')
    .map((h) => ({ region: r, at: new Date(h.start).getTime() }));
});

const agree = (now: Date, r: { country: string; timeZones: readonly string[] }, window: SmsWindow) => {
  expect(isOpen(now, r, window)).toBe(oldIsOpen(now, r, window));
  expect(nextOpenSlot(now, r, window)?.toISOString()).toBe(oldNextOpenSlot(now, r, window)?.toISOString());
};

describe('R14 nextOpenSlot: the lazy merge gives what building every candidate gave', () => {
  it('R14 15,000 random instants, windows and countries of one to three zones', () => {
    fc.assert(
      fc.property(instantArb, fc.constantFrom(...FEW_ZONES), windowArb, (now, r, window) => {
        agree(now, r, window);
      }),
      { numRuns: 15_000, seed: SEED },
    );
  }, 900_000);

  it('R14 7,000 instants within a day of a DST transition, windows opening in the gap or the overlap', () => {
    expect(EDGES.length).toBeGreaterThan(50);
    const gapWindow = fc.record({
      days: fc.constant([1, 2, 3, 4, 5, 6, 7]),
      start: fc.constantFrom('00:00', '00:30', '01:00', '01:30', '02:00', '02:15', '02:30', '02:45', '03:00'),
      end: fc.constantFrom('02:30', '03:00', '03:30', '04:00', '20:00', '23:59'),
      skipPublicHolidays: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...EDGES),
        fc.integer({ min: -26 * 60, max: 26 * 60 }),
        fc.oneof(gapWindow, windowArb),
        (edge, minutes, window) => {
          agree(
            new Date(edge.at + minutes * 60_000),
            { country: edge.country, timeZones: [edge.zone] },
            window,
          );
        },
      ),
      { numRuns: 7_000, seed: SEED },
    );
  }, 900_000);

  it('R14 2,500 instants around public holidays (the eve, the day, the day after)', () => {
    expect(HOLIDAY_EDGES.length).toBeGreaterThan(300);
    fc.assert(
      fc.property(
        fc.constantFrom(...HOLIDAY_EDGES),
        fc.integer({ min: -36 * 60, max: 60 * 60 }),
        windowArb,
        (edge, minutes, window) => {
          agree(new Date(edge.at + minutes * 60_000), edge.region, window);
        },
      ),
      { numRuns: 2_500, seed: SEED },
    );
  }, 900_000);

  it('R14 500 random cases for the multi-zone countries of the bench: US (29 zones), AU (13), BR (16), and more', () => {
    fc.assert(
      fc.property(
        instantArb,
        fc.constantFrom('US', 'AU', 'BR', 'CA', 'MX', 'RU', 'ID').map(region),
        windowArb,
        (now, r, window) => {
          agree(now, r, window);
        },
      ),
      { numRuns: 500, seed: SEED },
    );
  }, 900_000);

  it('R14 zonedInstant agrees on 2,000 random local times of DST zones, gaps and overlaps included', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DST_ZONES.map((z) => z.zone), 'UTC', 'Asia/Kolkata', 'Australia/Eucla'),
        fc.integer({ min: FIRST_YEAR, max: LAST_YEAR }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        (zone, y, mo, d, h, mi) => {
          expect(zonedInstant(y, mo, d, h, mi, zone).toISOString()).toBe(
            oldZonedInstant(y, mo, d, h, mi, zone).toISOString(),
          );
        },
      ),
      { numRuns: 2_000, seed: SEED },
    );
  });
});
