import Holidays from 'date-holidays';

/**
 * R14: marketing SMS go out only inside the sending window (default Monday–Saturday
 * 08:00–20:00 in the recipient's time zone, never on Sundays or public holidays);
 * outside it they are deferred to the next open slot. Pure: time zones through Intl,
 * holidays from date-holidays' bundled calendars.
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
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const shownAt = (instant: number) => {
    const p = localParts(new Date(instant), zone);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  };
  // Two corrections reach any time the clocks show; a guess still off after them is in a gap.
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

/** Public holidays of a country and year, as local YYYY-MM-DD dates. */
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

export function isOpen(
  instant: Date,
  region: { country: string; timeZones: readonly string[] },
  window: SmsWindow,
): boolean {
  return region.timeZones.every((zone) => openIn(instant, zone, region.country, window));
}

/** Looks two weeks ahead at most: a window closed for longer is a configuration error. */
const HORIZON_DAYS = 15;

/**
 * The earliest instant at or after `now` inside the window; `now` itself when open.
 * Candidates are `now` and each zone's local window start on the following days.
 */
export function nextOpenSlot(
  now: Date,
  region: { country: string; timeZones: readonly string[] },
  window: SmsWindow,
): Date | undefined {
  if (isOpen(now, region, window)) return now;
  const start = minutesOf(window.start);
  const candidates: Date[] = [];
  for (const zone of region.timeZones) {
    const today = localParts(now, zone);
    for (let d = 0; d <= HORIZON_DAYS; d++) {
      const date = new Date(Date.UTC(today.year, today.month - 1, today.day + d));
      const at = zonedInstant(
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
  return candidates.find((c) => isOpen(c, region, window));
}
