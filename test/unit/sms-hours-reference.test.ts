import { getCountry } from 'countries-and-timezones';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { publicHolidayDates } from '../../scripts/gen-holidays';
import { regionOf } from '../../shared/domain/phone';
import { DEFAULT_SMS_WINDOW, nextOpenSlot, type SmsWindow } from '../../shared/domain/sms-hours';

/**
 * R14: nextOpenSlot, which plans each UTC hour once per zone list, country and window and
 * answers later decisions of that hour from the plan, gives what a straightforward reference
 * gives: every zone's window start on each of its local days today … today + 15 built with
 * Intl, sorted, and the first one open in every zone (local time from Intl, holidays from
 * date-holidays itself). `now` moves in walks, forward and back, across hours, local
 * midnights, DST transitions and holidays, with the same region objects from one call to the
 * next (as regionOf gives them), so that plans are reused and evicted as in a running process.
 */

// The reference: Intl for every local time (memoised per zone and instant), nothing else.
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
interface Local {
  /** The local date as days since 1970-01-01. */
  readonly day: number;
  readonly weekday: number;
  /** The local wall time as the UTC ms of that wall time. */
  readonly wall: number;
}
const formats = new Map<string, Intl.DateTimeFormat>();
const seen = new Map<string, Map<number, Local>>();
let seenSize = 0;
function local(zone: string, ms: number): Local {
  let byMs = seen.get(zone);
  if (byMs === undefined) {
    byMs = new Map();
    seen.set(zone, byMs);
  }
  const cached = byMs.get(ms);
  if (cached !== undefined) return cached;
  let format = formats.get(zone);
  if (format === undefined) {
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
    formats.set(zone, format);
  }
  const p = Object.fromEntries(format.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute));
  const found = { day: Math.floor(wall / 86_400_000), weekday: WEEKDAYS[p.weekday ?? ''] ?? 0, wall };
  if (seenSize++ > 2_000_000) {
    seen.clear();
    seenSize = 0;
  }
  byMs.set(ms, found);
  return found;
}

/**
 * The instant the zone's clocks show a wall time: corrected by the offset shown until it
 * matches (three tries); a time the clocks skip is read with the offset of the day before,
 * the one in force before the change (R14: a window opening in the gap opens when the clocks
 * resume, never before its start).
 */
function instantOf(zone: string, wall: number): number {
  let guess = wall;
  for (let i = 0; i < 3; i++) {
    const delta = wall - local(zone, guess).wall;
    if (delta === 0) return guess;
    guess += delta;
  }
  const dayBefore = wall - 86_400_000;
  return wall - (local(zone, dayBefore).wall - dayBefore);
}

const holidaySets = new Map<string, Set<number>>();
function isHoliday(country: string, day: number): boolean {
  const year = new Date(day * 86_400_000).getUTCFullYear();
  const key = `${country}:${year}`;
  let days = holidaySets.get(key);
  if (days === undefined) {
    days = new Set(publicHolidayDates(country, year).map((d) => Date.parse(`${d}T00:00:00Z`) / 86_400_000));
    holidaySets.set(key, days);
  }
  return days.has(day);
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function openEverywhere(ms: number, country: string, zones: readonly string[], window: SmsWindow): boolean {
  for (const zone of zones) {
    const l = local(zone, ms);
    if (!window.days.includes(l.weekday)) return false;
    if (window.skipPublicHolidays && isHoliday(country, l.day)) return false;
    const minutes = (l.wall - l.day * 86_400_000) / 60_000;
    if (!(minutes >= minutesOf(window.start) && minutes < minutesOf(window.end))) return false;
  }
  return true;
}

function referenceSlot(
  now: Date,
  region: { country: string; timeZones: readonly string[] },
  window: SmsWindow,
): Date | undefined {
  const nowMs = now.getTime();
  if (openEverywhere(nowMs, region.country, region.timeZones, window)) return now;
  const candidates: number[] = [];
  for (const zone of region.timeZones) {
    const today = local(zone, nowMs).day;
    for (let d = 0; d <= 15; d++) {
      const at = instantOf(zone, (today + d) * 86_400_000 + minutesOf(window.start) * 60_000);
      if (at > nowMs) candidates.push(at);
    }
  }
  candidates.sort((a, b) => a - b);
  const first = candidates.find((at) => openEverywhere(at, region.country, region.timeZones, window));
  return first === undefined ? undefined : new Date(first);
}

// The regions: one object per country for the whole file (regionOf's for the bench's numbers).
const BENCH = { FR: '+33612345678', US: '+12025550123', AU: '+61412345678', BR: '+5511987654321' } as const;
const regions = new Map<string, { country: string; timeZones: readonly string[] }>();
function regionFor(country: string) {
  let region = regions.get(country);
  if (region === undefined) {
    const number = (BENCH as Record<string, string>)[country];
    region =
      number !== undefined
        ? regionOf(number)
        : Object.freeze({ country, timeZones: Object.freeze([...(getCountry(country)?.timezones ?? [])]) });
    regions.set(country, region);
  }
  return region;
}
/**
 * The bench's four, countries with DST north and south (and zones that change at other
 * hours), zones 30 or 45 minutes off the hour (India, Nepal, Iran, Afghanistan, Myanmar,
 * Newfoundland, Adelaide and Eucla in AU, Chatham in NZ), and multi-zone countries.
 */
const COUNTRIES = [
  ...['FR', 'US', 'AU', 'BR'],
  ...['GB', 'DE', 'ES', 'PT', 'CA', 'MX', 'CL', 'PY', 'NZ', 'IL', 'EG', 'LB', 'MA', 'UA', 'CU'],
  ...['IN', 'NP', 'IR', 'AF', 'MM', 'LK'],
  ...['RU', 'ID', 'KZ', 'MN', 'KI', 'CD', 'CN'],
];
const MANY_ZONES = new Set(['US', 'AU', 'BR', 'CA', 'MX', 'RU']);
const FEW_ZONES = COUNTRIES.filter((c) => !MANY_ZONES.has(c));

const hhmm = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 1, 15, 30, 45, 59))
  .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
/** The default window (as a new object each time: plans are found by value), and others. */
const windowArb: fc.Arbitrary<SmsWindow> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(null).map(() => ({ ...DEFAULT_SMS_WINDOW })) },
  {
    weight: 2,
    arbitrary: fc.record({
      days: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
      start: hhmm,
      end: hhmm,
      skipPublicHolidays: fc.boolean(),
    }),
  },
);
/** A walk: steps of a few seconds to a day and a half, mostly forward. */
const stepsArb = fc.array(
  fc.oneof(
    fc.integer({ min: 1, max: 59 }).map((s) => s * 1000 + 7),
    fc.integer({ min: 1, max: 180 }).map((m) => m * 60_000 + 919),
    fc.integer({ min: -36 * 60, max: 36 * 60 }).map((m) => m * 60_000 - 13),
  ),
  { minLength: 4, maxLength: 12 },
);

const FROM = Date.UTC(2026, 0, 1);
const UNTIL = Date.UTC(2029, 11, 1);

let compared = 0;
function walk(start: number, country: string, window: SmsWindow, steps: readonly number[]) {
  const region = regionFor(country);
  let ms = start;
  for (const step of [0, ...steps]) {
    ms += step;
    const now = new Date(ms);
    const expected = referenceSlot(now, region, window)?.toISOString();
    expect(nextOpenSlot(now, region, window)?.toISOString(), `${country} ${now.toISOString()}`).toBe(
      expected,
    );
    compared++;
  }
}

/** The instants a zone's offset changes in a year (the first minute of each new offset), day by day then minute by minute. */
function transitions(zone: string, year: number): number[] {
  const format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
  const offset = (ms: number) =>
    format.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value;
  const found: number[] = [];
  let previous = offset(Date.UTC(year, 0, 1));
  for (let ms = Date.UTC(year, 0, 1); ms < Date.UTC(year + 1, 0, 1); ms += 86_400_000) {
    const current = offset(ms + 86_400_000);
    if (current !== previous) {
      let low = ms;
      let high = ms + 86_400_000;
      while (high - low > 60_000) {
        const mid = low + Math.floor((high - low) / 120_000) * 60_000;
        if (offset(mid) === previous) low = mid;
        else high = mid;
      }
      found.push(high);
    }
    previous = current;
  }
  return found;
}
const EDGES = COUNTRIES.flatMap((country) =>
  [...new Set(regionFor(country).timeZones)].flatMap((zone) =>
    [2026, 2027].flatMap((year) => transitions(zone, year).map((at) => ({ country, at }))),
  ),
);
/** Each country's public holidays in 2026 and 2027, at 00:00 UTC of the date. */
const HOLIDAYS = COUNTRIES.flatMap((country) =>
  [2026, 2027].flatMap((year) =>
    publicHolidayDates(country, year).map((date) => ({ country, at: Date.parse(`${date}T00:00:00Z`) })),
  ),
);

const SEED = 2612;
describe('R14 nextOpenSlot equals the reference that builds and sorts every candidate', () => {
  it('R14 walks of a moving now from random instants: one-zone and few-zone countries', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: FROM, max: UNTIL }),
        fc.constantFrom(...FEW_ZONES),
        windowArb,
        stepsArb,
        (start, country, window, steps) => walk(start, country, window, steps),
      ),
      { numRuns: 1_200, seed: SEED },
    );
  }, 900_000);

  it('R14 walks of a moving now from random instants: US, AU, BR, CA, MX, RU', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: FROM, max: UNTIL }),
        fc.constantFrom(...MANY_ZONES),
        windowArb,
        stepsArb,
        (start, country, window, steps) => walk(start, country, window, steps),
      ),
      { numRuns: 300, seed: SEED },
    );
  }, 900_000);

  it('R14 walks through DST transitions, windows opening in the gap or the overlap', () => {
    expect(EDGES.length).toBeGreaterThan(100);
    const edgeWindow = fc.record({
      days: fc.constant([1, 2, 3, 4, 5, 6, 7]),
      start: fc.constantFrom('00:00', '00:30', '01:00', '01:30', '02:00', '02:15', '02:30', '03:00', '08:00'),
      end: fc.constantFrom('02:30', '03:00', '03:30', '04:00', '20:00', '23:59'),
      skipPublicHolidays: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...EDGES),
        fc.integer({ min: -26 * 60, max: 2 * 60 }),
        fc.oneof(edgeWindow, windowArb),
        fc.array(
          fc.integer({ min: 1, max: 90 * 60 }).map((s) => s * 1000),
          { minLength: 4, maxLength: 16 },
        ),
        (edge, minutes, window, steps) => walk(edge.at + minutes * 60_000, edge.country, window, steps),
      ),
      { numRuns: 700, seed: SEED },
    );
  }, 900_000);

  it('R14 walks across public holidays: the eve, the day, the day after', () => {
    expect(HOLIDAYS.length).toBeGreaterThan(300);
    fc.assert(
      fc.property(
        fc.constantFrom(...HOLIDAYS),
        fc.integer({ min: -36 * 60, max: 36 * 60 }),
        windowArb,
        stepsArb,
        (holiday, minutes, window, steps) =>
          walk(holiday.at + minutes * 60_000, holiday.country, window, steps),
      ),
      { numRuns: 500, seed: SEED },
    );
  }, 900_000);

  it("R14 the two weeks ahead move at a zone's local midnight inside a UTC hour (Adelaide, UTC+10:30)", () => {
    // Fridays only: 25 December 2026 and 1 January 2027 are holidays; 8 January enters the
    // fifteen days ahead at Adelaide's midnight of 24 December, 13:30 UTC, mid-hour.
    const adelaide = { country: 'AU', timeZones: Object.freeze(['Australia/Adelaide']) };
    const fridays = { days: [5], start: '10:00', end: '12:00', skipPublicHolidays: true };
    const asked = ['13:10:00', '13:29:59', '13:30:00', '13:59:00', '13:00:00'].map(
      (t) => new Date(`2026-12-23T${t}Z`),
    );
    const answers = asked.map((now) => nextOpenSlot(now, adelaide, fridays)?.toISOString());
    expect(answers).toEqual([
      undefined,
      undefined,
      '2027-01-07T23:30:00.000Z',
      '2027-01-07T23:30:00.000Z',
      undefined,
    ]);
    expect(answers).toEqual(asked.map((now) => referenceSlot(now, adelaide, fridays)?.toISOString()));
  });

  it('R14 each window and country has its own answer, asked in the same hour for the same zones', () => {
    // Tuesday 14 July 2026, 07:00 in Paris: a holiday in France, not in Germany.
    const now = new Date('2026-07-14T05:00:00Z');
    const paris = Object.freeze(['Europe/Paris']);
    const asked: Array<[string, SmsWindow, string]> = [
      ['FR', DEFAULT_SMS_WINDOW, '2026-07-15T06:00:00.000Z'],
      ['FR', { ...DEFAULT_SMS_WINDOW, skipPublicHolidays: false }, '2026-07-14T06:00:00.000Z'],
      ['DE', DEFAULT_SMS_WINDOW, '2026-07-14T06:00:00.000Z'],
      ['FR', { ...DEFAULT_SMS_WINDOW, start: '09:00' }, '2026-07-15T07:00:00.000Z'],
      ['FR', { ...DEFAULT_SMS_WINDOW, days: [1, 2, 4, 5, 6] }, '2026-07-16T06:00:00.000Z'],
      ['FR', { ...DEFAULT_SMS_WINDOW, end: '08:30', skipPublicHolidays: false }, '2026-07-14T06:00:00.000Z'],
      ['FR', { ...DEFAULT_SMS_WINDOW, end: '08:00' }, 'none'],
    ];
    for (const [country, window, expected] of asked) {
      const region = { country, timeZones: paris };
      expect(
        nextOpenSlot(now, region, window)?.toISOString() ?? 'none',
        `${country} ${JSON.stringify(window)}`,
      ).toBe(expected);
      expect(referenceSlot(now, region, window)?.toISOString() ?? 'none').toBe(expected);
    }
  });

  it('R14 at least 20,000 instants compared', () => {
    // Runs after the walks above (vitest runs a file's tests in order).
    expect(compared).toBeGreaterThanOrEqual(20_000);
  });
});
