import { isPublicHoliday } from './public-holidays';

/**
 * R14: marketing SMS go out only inside the sending window (default Monday–Saturday
 * 08:00–20:00 in the recipient's time zone, never on Sundays or public holidays);
 * outside it they are deferred to the next open slot. Pure: time zones through Intl,
 * holidays from the table generated from date-holidays (public-holidays.ts).
 *
 * A country with several time zones (the number does not say which) is handled
 * conservatively: the slot must be open in every one of them.
 */
export interface SmsWindow {
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  readonly days: readonly number[];
  /** Local time, HH:MM. */
  readonly start: string;
  readonly end: string;
  readonly skipPublicHolidays: boolean;
}

export const DEFAULT_SMS_WINDOW: SmsWindow = {
  days: [1, 2, 3, 4, 5, 6],
  start: '08:00',
  end: '20:00',
  skipPublicHolidays: true,
};

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * Where local time is read from a zone's memoised offset instead of Intl: from 1973 (every
 * zone's offset is a whole number of minutes since Liberia's last change, January 1972) to
 * 2200. Outside, each reading asks Intl, as before.
 */
const FAST_FROM_MS = Date.UTC(1973, 0, 1);
const FAST_UNTIL_MS = Date.UTC(2200, 0, 1);
/** Entries per zone and cache: a bound, not a size anyone should reach (one per hour asked). */
const CACHE_LIMIT = 20_000;

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/**
 * One zone's wall clock. Intl's formatToParts costs about 10 µs, the budget of a whole
 * decision, so a zone's offset is memoised per UTC hour (a moving `now` stays within a few
 * hours), and per minute in the hours where it changes (a DST transition).
 */
interface ZoneClock {
  readonly format: Intl.DateTimeFormat;
  /** UTC hour (ms / HOUR_MS) → the zone's offset at its start, in ms. */
  readonly hourOffsets: Map<number, number>;
  /** UTC minute (ms, whole minutes) → the wall clock it shows, as the UTC ms of that wall time. */
  readonly minuteWalls: Map<number, number>;
  /** Wall time (UTC ms of it) → the instant the clocks show it (zonedInstantMs): the days' window starts. */
  readonly instants: Map<number, number>;
}

const clocks = new Map<string, ZoneClock>();

function clockOf(zone: string): ZoneClock {
  let clock = clocks.get(zone);
  if (!clock) {
    clock = {
      format: new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        weekday: 'short',
      }),
      hourOffsets: new Map(),
      minuteWalls: new Map(),
      instants: new Map(),
    };
    clocks.set(zone, clock);
  }
  return clock;
}

/** A region's zone list → its clocks (phone.ts's regionOf returns one list per country). */
const zoneLists = new WeakMap<readonly string[], readonly ZoneClock[]>();

function clocksOf(zones: readonly string[]): readonly ZoneClock[] {
  let found = zoneLists.get(zones);
  if (found === undefined) {
    found = zones.map(clockOf);
    zoneLists.set(zones, found);
  }
  return found;
}

interface IntlParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

function intlParts(format: Intl.DateTimeFormat, ms: number): IntlParts {
  const parts: IntlParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, weekday: 0 };
  for (const p of format.formatToParts(new Date(ms))) {
    if (p.type === 'weekday') parts.weekday = WEEKDAYS[p.value] ?? 0;
    else if (p.type in parts) parts[p.type as keyof IntlParts] = Number(p.value);
  }
  return parts;
}

/** The wall time Intl shows, as the UTC ms of that wall time (minute precision). */
function intlWall(format: Intl.DateTimeFormat, ms: number): number {
  const p = intlParts(format, ms);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
}

function remember(cache: Map<number, number>, key: number, value: number): number {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

function hourOffset(clock: ZoneClock, hour: number): number {
  const cached = clock.hourOffsets.get(hour);
  if (cached !== undefined) return cached;
  return remember(clock.hourOffsets, hour, intlWall(clock.format, hour * HOUR_MS) - hour * HOUR_MS);
}

/**
 * The wall time of `ms` in the zone, as the UTC ms of that wall time, minutes only. The same
 * offset at both ends of a UTC hour holds for the whole hour (no zone changes twice in one
 * hour); an hour whose ends differ holds the transition, read minute by minute.
 */
function wallOf(clock: ZoneClock, ms: number): number {
  if (ms < FAST_FROM_MS || ms >= FAST_UNTIL_MS) return intlWall(clock.format, ms);
  const hour = Math.floor(ms / HOUR_MS);
  const minute = Math.floor(ms / MINUTE_MS) * MINUTE_MS;
  const offset = hourOffset(clock, hour);
  if (offset === hourOffset(clock, hour + 1)) return minute + offset;
  const cached = clock.minuteWalls.get(minute);
  return cached ?? remember(clock.minuteWalls, minute, intlWall(clock.format, minute));
}

/** A wall time's local date (days since 1970-01-01), ISO weekday and minute of the day. */
const dayOf = (wall: number) => Math.floor(wall / DAY_MS);
const weekdayOf = (day: number) => ((((day + 3) % 7) + 7) % 7) + 1; // 1970-01-01 was a Thursday.
const minuteOfDay = (wall: number) => (wall - dayOf(wall) * DAY_MS) / MINUTE_MS;

/** The instant at which the zone's wall clock reads `wall` (UTC ms of that wall time). */
function zonedInstantMs(wall: number, clock: ZoneClock): number {
  if (wall < FAST_FROM_MS || wall >= FAST_UNTIL_MS) return searchInstant(wall, clock);
  const cached = clock.instants.get(wall);
  return cached ?? remember(clock.instants, wall, searchInstant(wall, clock));
}

function searchInstant(wall: number, clock: ZoneClock): number {
  // Two corrections reach any time the clocks show; a guess still off after them is in a gap.
  let guess = wall;
  for (let i = 0; i < 3; i++) {
    const delta = wall - wallOf(clock, guess);
    if (delta === 0) return guess;
    guess += delta;
  }
  const dayBefore = wall - DAY_MS;
  return wall - (wallOf(clock, dayBefore) - dayBefore);
}

/**
 * The instant at which a zone's wall clock reads the given local time (DST-aware). A time the
 * clocks skip (the spring change: 02:00 → 03:00 in Paris) is read with the offset in force
 * before the change, so the clocks show it moved forward by the gap (02:30 → 03:30): R14, a
 * window opening in the gap opens when the clocks resume, never before its start.
 */
export function zonedInstant(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  zone: string,
): Date {
  return new Date(zonedInstantMs(Date.UTC(year, month - 1, day, hour, minute), clockOf(zone)));
}

/**
 * Minutes of a local time `HH:MM`. The shape the schema allows is read digit by digit (each
 * decision reads its window's two); anything else as Number reads the two fields, as before.
 */
function minutesOf(hhmm: string): number {
  if (hhmm.length === 5 && hhmm.charCodeAt(2) === 58) {
    const h0 = hhmm.charCodeAt(0) - 48;
    const h1 = hhmm.charCodeAt(1) - 48;
    const m0 = hhmm.charCodeAt(3) - 48;
    const m1 = hhmm.charCodeAt(4) - 48;
    if (h0 >>> 0 <= 9 && h1 >>> 0 <= 9 && m0 >>> 0 <= 9 && m1 >>> 0 <= 9)
      return (h0 * 10 + h1) * 60 + m0 * 10 + m1;
  }
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

interface OpenTest {
  readonly country: string;
  readonly days: readonly number[];
  readonly start: number;
  readonly end: number;
  readonly skipPublicHolidays: boolean;
}

const openTest = (country: string, window: SmsWindow): OpenTest => ({
  country,
  days: window.days,
  start: minutesOf(window.start),
  end: minutesOf(window.end),
  skipPublicHolidays: window.skipPublicHolidays,
});

function openIn(ms: number, clock: ZoneClock, test: OpenTest): boolean {
  return openAtWall(wallOf(clock, ms), test);
}

/** Whether the window is open at a wall time of the country (its holidays are the country's). */
function openAtWall(wall: number, test: OpenTest): boolean {
  const day = dayOf(wall);
  if (!test.days.includes(weekdayOf(day))) return false;
  if (test.skipPublicHolidays && isPublicHoliday(test.country, day)) return false;
  const minutes = minuteOfDay(wall);
  return minutes >= test.start && minutes < test.end;
}

/**
 * A zone list's distinct offsets during one UTC hour, or null when a zone changes its offset
 * within it. Zones at one offset show one wall clock, so the window is open in all or none of
 * them (the holidays are the country's): the US's 29 zones are about 6 offsets. Kept per
 * zone list and UTC hour, as the zones' own offsets are.
 */
const hourOffsetLists = new WeakMap<readonly ZoneClock[], Map<number, number[] | null>>();

function offsetsDuring(clocks: readonly ZoneClock[], hour: number): number[] | null {
  let byHour = hourOffsetLists.get(clocks);
  if (byHour === undefined) {
    byHour = new Map();
    hourOffsetLists.set(clocks, byHour);
  }
  let offsets = byHour.get(hour);
  if (offsets === undefined) {
    offsets = [];
    for (const clock of clocks) {
      const offset = hourOffset(clock, hour);
      if (offset !== hourOffset(clock, hour + 1)) {
        offsets = null;
        break;
      }
      if (!offsets.includes(offset)) offsets.push(offset);
    }
    if (byHour.size >= CACHE_LIMIT) byHour.clear();
    byHour.set(hour, offsets);
  }
  return offsets;
}

/**
 * Open in every zone. `zones` is the caller's own copy: the zone found closed moves to the
 * front, where the next instant tried is most likely closed too (the answer is the same in
 * any order). Within the fast range, each distinct offset of the hour is tried once.
 */
function openInEvery(ms: number, zones: ZoneClock[], test: OpenTest, clocks: readonly ZoneClock[]): boolean {
  if (ms >= FAST_FROM_MS && ms < FAST_UNTIL_MS) {
    const offsets = offsetsDuring(clocks, Math.floor(ms / HOUR_MS));
    if (offsets !== null) {
      const minute = Math.floor(ms / MINUTE_MS) * MINUTE_MS;
      for (let i = 0; i < offsets.length; i++) {
        const offset = offsets[i]!;
        if (!openAtWall(minute + offset, test)) {
          if (i > 0) {
            offsets[i] = offsets[0]!;
            offsets[0] = offset;
          }
          return false;
        }
      }
      return true;
    }
  }
  for (let i = 0; i < zones.length; i++) {
    const clock = zones[i]!;
    if (!openIn(ms, clock, test)) {
      if (i > 0) {
        zones[i] = zones[0]!;
        zones[0] = clock;
      }
      return false;
    }
  }
  return true;
}

export function isOpen(
  instant: Date,
  region: { country: string; timeZones: readonly string[] },
  window: SmsWindow,
): boolean {
  const test = openTest(region.country, window);
  for (const clock of clocksOf(region.timeZones)) if (!openIn(instant.getTime(), clock, test)) return false;
  return true;
}

/** Looks two weeks ahead at most: a window closed for longer is a configuration error. */
const HORIZON_DAYS = 15;

/** One zone's candidates: its local window start on its local days today … today + HORIZON_DAYS, after now. */
interface Candidates {
  readonly clock: ZoneClock;
  day: number;
  readonly lastDay: number;
  /** The next candidate (ms), Infinity once the zone has none left. */
  head: number;
}

function advance(c: Candidates, startMinutes: number, after: number): void {
  while (c.day <= c.lastDay) {
    const at = zonedInstantMs(c.day * DAY_MS + startMinutes * MINUTE_MS, c.clock);
    c.day++;
    if (at > after) {
      c.head = at;
      return;
    }
  }
  c.head = Number.POSITIVE_INFINITY;
}

/**
 * The candidates after `after` that are open in every zone, in time order, through the first
 * one after `until` (or all of them, when fewer). Candidates are each zone's local window start
 * on its local days today … today + HORIZON_DAYS, today read at `after`. Each zone's come in
 * time order, so they are merged lazily: the earliest not yet tried, rather than every zone's
 * two weeks built and sorted. With `until` = `after`, the first is the next open slot.
 */
function openCandidates(
  after: number,
  until: number,
  zones: ZoneClock[],
  test: OpenTest,
  clocks: readonly ZoneClock[],
): number[] {
  const found: number[] = [];
  const streams: Candidates[] = clocks.map((clock) => {
    const today = dayOf(wallOf(clock, after));
    const c: Candidates = { clock, day: today, lastDay: today + HORIZON_DAYS, head: 0 };
    advance(c, test.start, after);
    return c;
  });
  for (;;) {
    let next: Candidates | undefined;
    for (const c of streams) if (next === undefined || c.head < next.head) next = c;
    if (next === undefined || next.head === Number.POSITIVE_INFINITY) return found;
    const at = next.head;
    if (openInEvery(at, zones, test, clocks)) {
      found.push(at);
      if (at > until) return found;
    }
    // Zones of one offset share their candidates (29 zones, about 6 offsets in the US): an
    // instant found closed is not tried again for each of them.
    for (const c of streams) if (c.head === at) advance(c, test.start, after);
  }
}

/**
 * Within the fast range the answer for `now` depends on its UTC minute alone: local time is
 * read to the minute, and every candidate falls on a whole minute (a whole-minute window start
 * at a whole-minute offset), so "after now" is "after its minute". And within an hour, the
 * candidates change only where a zone's local date does. So each UTC hour is planned once per
 * zone list, country and window: its runs of minutes with the same local dates, and for each
 * run the open candidates from its first minute on, through the first one after the run. A
 * decision then reads the first of them after its own minute; whether `now` itself is open is
 * still asked at each decision. A `now` moving on builds a plan once an hour: the bound below
 * keeps the last hours, so a clock going round them (the bench's week) pays again each round.
 */
interface HourPlan {
  /** The minutes of the hour (0…59) at which a run starts, ascending; the first is 0. */
  readonly runStarts: readonly number[];
  /** Per run, the open candidates after its first minute, in time order. */
  readonly runOpen: readonly (readonly number[])[];
}

interface WindowPlans {
  /** The window as first given for this key (days copied: a caller may change its array). */
  readonly test: OpenTest;
  /** A copy of the zone list for openInEvery to reorder (the order changes no answer). */
  readonly zones: ZoneClock[];
  /** UTC hour → its plan; the oldest goes first past PLAN_HOURS. */
  readonly hours: Map<number, HourPlan>;
}

/** Hours planned per zone list, country and window. */
const PLAN_HOURS = 48;
/** Windows planned per zone list and country: tenants' windows, a few each. */
const PLAN_WINDOWS = 256;
const plans = new WeakMap<readonly ZoneClock[], Map<string, Map<number, WindowPlans>>>();

/**
 * The window as a number (days as a set of weekdays, holidays skipped or not, start and end
 * minutes), or undefined when a start or end is not a whole number of minutes in 0…9,999
 * (no plan: each decision computes its slot, as before).
 */
function windowKey(window: SmsWindow, start: number, end: number): number | undefined {
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end >= 0)) return undefined;
  if (start >= 10_000 || end >= 10_000) return undefined;
  // openAtWall asks days.includes(weekday) for a weekday 1…7: any other value never matches.
  let days = 0;
  for (const d of window.days) if (Number.isInteger(d) && d >= 1 && d <= 7) days |= 1 << d;
  return ((end * 10_000 + start) * 2 + (window.skipPublicHolidays ? 1 : 0)) * 256 + days;
}

function windowPlans(
  clocks: readonly ZoneClock[],
  country: string,
  window: SmsWindow,
): WindowPlans | undefined {
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  const key = windowKey(window, start, end);
  if (key === undefined) return undefined;
  let byCountry = plans.get(clocks);
  if (byCountry === undefined) {
    byCountry = new Map();
    plans.set(clocks, byCountry);
  }
  let byWindow = byCountry.get(country);
  if (byWindow === undefined) {
    byWindow = new Map();
    byCountry.set(country, byWindow);
  }
  let found = byWindow.get(key);
  if (found === undefined) {
    if (byWindow.size >= PLAN_WINDOWS) byWindow.clear();
    found = {
      test: { country, days: [...window.days], start, end, skipPublicHolidays: window.skipPublicHolidays },
      zones: [...clocks],
      hours: new Map(),
    };
    byWindow.set(key, found);
  }
  return found;
}

/** The hour's plan, built on first use; undefined when building it throws (the caller then computes the slot itself). */
function hourPlan(plans: WindowPlans, clocks: readonly ZoneClock[], hour: number): HourPlan | undefined {
  const cached = plans.hours.get(hour);
  if (cached !== undefined) return cached;
  let plan: HourPlan;
  try {
    plan = buildHourPlan(plans, clocks, hour);
  } catch {
    // A holiday table running out (HolidayTableError) for an instant the plan looks at but the
    // decision may not: the decision asks for itself, and throws only if it would have.
    return undefined;
  }
  if (plans.hours.size >= PLAN_HOURS) {
    const oldest = plans.hours.keys().next();
    if (oldest.done !== true) plans.hours.delete(oldest.value);
  }
  plans.hours.set(hour, plan);
  return plan;
}

function buildHourPlan(plans: WindowPlans, clocks: readonly ZoneClock[], hour: number): HourPlan {
  const from = hour * HOUR_MS;
  // The minutes at which some zone's local date changes. When no zone changes its offset in
  // the hour, each distinct offset's wall clock (minute + offset, as wallOf reads it) crosses
  // midnight at most once; otherwise each zone is read minute by minute where it may change.
  const splits = new Set<number>();
  const offsets = offsetsDuring(clocks, hour);
  if (offsets !== null) {
    for (const offset of offsets) {
      const wall = from + offset;
      const crossing = ((dayOf(wall) + 1) * DAY_MS - wall) / MINUTE_MS;
      if (crossing < 60) splits.add(crossing);
    }
  } else {
    for (const clock of clocks) {
      const first = dayOf(wallOf(clock, from));
      if (
        first === dayOf(wallOf(clock, from + 59 * MINUTE_MS)) &&
        hourOffset(clock, hour) === hourOffset(clock, hour + 1)
      )
        continue;
      let previous = first;
      for (let m = 1; m < 60; m++) {
        const day = dayOf(wallOf(clock, from + m * MINUTE_MS));
        if (day !== previous) splits.add(m);
        previous = day;
      }
    }
  }
  const runStarts = [0, ...[...splits].sort((a, b) => a - b)];
  const runOpen = runStarts.map((m, i) => {
    const last = (runStarts[i + 1] ?? 60) - 1;
    return openCandidates(from + m * MINUTE_MS, from + last * MINUTE_MS, plans.zones, plans.test, clocks);
  });
  return { runStarts, runOpen };
}

/**
 * The earliest instant at or after `now` inside the window; `now` itself when open.
 * Candidates are `now` and each zone's local window start on the following days.
 */
export function nextOpenSlot(
  now: Date,
  region: { country: string; timeZones: readonly string[] },
  window: SmsWindow,
): Date | undefined {
  const nowMs = now.getTime();
  const clocks = clocksOf(region.timeZones);
  const fast = nowMs >= FAST_FROM_MS && nowMs < FAST_UNTIL_MS;
  const planned = fast ? windowPlans(clocks, region.country, window) : undefined;
  const test = planned?.test ?? openTest(region.country, window);
  const zones = planned?.zones ?? [...clocks];
  if (openInEvery(nowMs, zones, test, clocks)) return now;
  if (planned !== undefined) {
    const hour = Math.floor(nowMs / HOUR_MS);
    const plan = hourPlan(planned, clocks, hour);
    if (plan !== undefined) {
      const minuteMs = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
      const minute = (minuteMs - hour * HOUR_MS) / MINUTE_MS;
      let run = plan.runStarts.length - 1;
      while (plan.runStarts[run]! > minute) run--;
      for (const at of plan.runOpen[run]!) if (at > minuteMs) return new Date(at);
      return undefined;
    }
  }
  const first = openCandidates(nowMs, nowMs, zones, test, clocks)[0];
  return first === undefined ? undefined : new Date(first);
}
