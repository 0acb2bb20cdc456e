import { describe, expect, it } from 'vitest';
import { regionOf } from '../../shared/domain/phone';
import { DEFAULT_SMS_WINDOW, isOpen, nextOpenSlot, zonedInstant } from '../../shared/domain/sms-hours';

/** Rows the mutation run (docs/testing.md) showed unpinned in sms.test.ts: minutes, odd windows, zones. */
const FR = regionOf('+33612345678');
const US = regionOf('+12025550123');
const at = (iso: string) => new Date(iso);
// 2026-06-16 is a Tuesday; Paris is UTC+2 in summer.
const halfHours = { days: [1, 2, 3, 4, 5, 6], start: '08:30', end: '19:45', skipPublicHolidays: true };

describe('R14 sending window: minutes and boundaries', () => {
  it.each([
    ['R14 defers 08:29 Paris before a window opening at 08:30', '2026-06-16T06:29:00Z', false],
    ['R14 allows 08:30 Paris, the minute the window opens', '2026-06-16T06:30:00Z', true],
    ['R14 allows 19:44 Paris, the last minute of a window closing at 19:45', '2026-06-16T17:44:00Z', true],
    ['R14 defers 19:45 Paris, the minute the window closes', '2026-06-16T17:45:00Z', false],
    ['R14 defers 19:50 Paris, after a window closing at 19:45', '2026-06-16T17:50:00Z', false],
    ['R14 allows 12:15 Paris, mid-window', '2026-06-16T10:15:00Z', true],
  ])('%s', (_title, iso, open) => {
    expect(isOpen(at(iso), FR, halfHours)).toBe(open);
  });

  it.each([
    ['R14 defers 20:30 Paris, half an hour after the default window closed', '2026-06-16T18:30:00Z', false],
    ['R14 defers 07:30 Paris, half an hour before the default window opens', '2026-06-16T05:30:00Z', false],
    ['R14 allows 19:30 Paris, half an hour before the default window closes', '2026-06-16T17:30:00Z', true],
    ['R14 allows Monday to Saturday: a Wednesday', '2026-06-17T10:00:00Z', true],
    ['R14 allows Monday to Saturday: a Saturday', '2026-06-20T10:00:00Z', true],
  ])('%s', (_title, iso, open) => {
    expect(isOpen(at(iso), FR, DEFAULT_SMS_WINDOW)).toBe(open);
  });

  it('R14 defers to the next opening at its minutes, not its hour', () => {
    expect(nextOpenSlot(at('2026-06-16T18:00:00Z'), FR, halfHours)).toEqual(at('2026-06-17T06:30:00Z'));
    expect(nextOpenSlot(at('2026-06-16T06:00:00Z'), FR, halfHours)).toEqual(at('2026-06-16T06:30:00Z'));
  });

  it('R14 a window of the tenant’s own days: Sunday allowed, Saturday not', () => {
    const sundays = { days: [7], start: '10:00', end: '12:00', skipPublicHolidays: true };
    expect(isOpen(at('2026-06-21T09:00:00Z'), FR, sundays)).toBe(true);
    expect(isOpen(at('2026-06-20T09:00:00Z'), FR, sundays)).toBe(false);
    expect(nextOpenSlot(at('2026-06-16T09:00:00Z'), FR, sundays)).toEqual(at('2026-06-21T08:00:00Z'));
  });

  it('R14 a tenant that does not skip public holidays sends on 14 July', () => {
    const noHolidays = { ...DEFAULT_SMS_WINDOW, skipPublicHolidays: false };
    expect(isOpen(at('2026-07-14T10:00:00Z'), FR, noHolidays)).toBe(true);
    expect(isOpen(at('2026-07-14T10:00:00Z'), FR, DEFAULT_SMS_WINDOW)).toBe(false);
  });

  it('R14 a holiday is read in the country of the number: 14 July is no holiday in the UK', () => {
    const uk = regionOf('+447911123456');
    expect(isOpen(at('2026-07-14T10:00:00Z'), uk, DEFAULT_SMS_WINDOW)).toBe(true);
    // 25 December is a holiday in both.
    expect(isOpen(at('2026-12-25T12:00:00Z'), uk, DEFAULT_SMS_WINDOW)).toBe(false);
  });

  it('R14 only public holidays close the window: observances and optional days do not', () => {
    // 17 March 2026 (St. Patrick's Day, an observance) and 24 December (Christmas Eve, optional) in the US;
    // 18:00 UTC is 08:00 in Honolulu and 13:00 in New York.
    expect(isOpen(at('2026-03-17T18:00:00Z'), US, DEFAULT_SMS_WINDOW)).toBe(true);
    expect(isOpen(at('2026-12-24T18:00:00Z'), US, DEFAULT_SMS_WINDOW)).toBe(true);
    // 4 July falls on a Saturday in 2026: a public holiday inside the weekly window.
    expect(isOpen(at('2026-07-04T18:00:00Z'), US, DEFAULT_SMS_WINDOW)).toBe(false);
  });

  it('R14 a country date-holidays does not know has no public holidays, only the weekly window', () => {
    const unknown = { country: 'ZZ', timeZones: ['Europe/Paris'] };
    expect(isOpen(at('2026-07-14T10:00:00Z'), unknown, DEFAULT_SMS_WINDOW)).toBe(true);
    expect(isOpen(at('2026-06-21T10:00:00Z'), unknown, DEFAULT_SMS_WINDOW)).toBe(false);
  });

  it('R14 reads the holiday on the local date, not the UTC one', () => {
    // 13 July 23:30 UTC is already 14 July 01:30 in Paris: a holiday, whatever the hour window.
    const allDay = { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59', skipPublicHolidays: true };
    expect(isOpen(at('2026-07-13T23:30:00Z'), FR, allDay)).toBe(false);
    expect(isOpen(at('2026-07-13T21:30:00Z'), FR, allDay)).toBe(true);
  });

  it('R14 every zone of a multi-zone country must be open: the slot opens when the last zone opens', () => {
    // 08:00 in Honolulu (UTC-10) is 14:00 in New York: the whole country is inside 08:00–20:00.
    expect(nextOpenSlot(at('2026-06-16T12:00:00Z'), US, DEFAULT_SMS_WINDOW)).toEqual(
      at('2026-06-16T18:00:00Z'),
    );
    expect(isOpen(at('2026-06-16T18:00:00Z'), US, DEFAULT_SMS_WINDOW)).toBe(true);
    expect(isOpen(at('2026-06-16T17:59:00Z'), US, DEFAULT_SMS_WINDOW)).toBe(false);
  });

  it('R14 a window that never opens in every zone at once has no slot', () => {
    const narrow = { ...DEFAULT_SMS_WINDOW, start: '08:00', end: '09:00' };
    expect(nextOpenSlot(at('2026-06-16T14:00:00Z'), US, narrow)).toBeUndefined();
  });

  it('R14 looks 15 days ahead, no further: Fridays only, past Christmas and New Year', () => {
    // 25 December 2026 and 1 January 2027 are Friday holidays: the next Friday open is 8 January.
    const fridays = { days: [5], start: '10:00', end: '12:00', skipPublicHolidays: true };
    expect(nextOpenSlot(at('2026-12-24T12:00:00Z'), FR, fridays)).toEqual(at('2027-01-08T09:00:00Z'));
    expect(nextOpenSlot(at('2026-12-23T12:00:00Z'), FR, fridays)).toBeUndefined();
  });
});

describe('R14 local wall-clock instants', () => {
  it.each([
    ['summer time in Paris', 2026, 6, 16, 8, 30, 'Europe/Paris', '2026-06-16T06:30:00.000Z'],
    ['winter time in Paris', 2026, 12, 1, 8, 0, 'Europe/Paris', '2026-12-01T07:00:00.000Z'],
    ['the day after the spring change', 2026, 3, 30, 8, 0, 'Europe/Paris', '2026-03-30T06:00:00.000Z'],
    ['the day of the autumn change', 2026, 10, 25, 8, 0, 'Europe/Paris', '2026-10-25T07:00:00.000Z'],
    ['a zone behind UTC', 2026, 6, 16, 8, 0, 'Pacific/Honolulu', '2026-06-16T18:00:00.000Z'],
    ['a zone with a half-hour offset', 2026, 6, 16, 8, 0, 'Asia/Kolkata', '2026-06-16T02:30:00.000Z'],
    ['UTC itself', 2026, 1, 31, 23, 59, 'UTC', '2026-01-31T23:59:00.000Z'],
  ])('R14 finds the instant of a local time: %s', (_title, y, mo, d, h, mi, zone, iso) => {
    expect(zonedInstant(y, mo, d, h, mi, zone).toISOString()).toBe(iso);
  });
});

/** Rows the mutation run (docs/testing.md) showed unpinned: a local time the clocks skip. */
describe('R14 local wall-clock instants in a DST gap', () => {
  it.each([
    // 29 March 2026: Paris goes from 02:00 CET straight to 03:00 CEST; 02:30 is never shown.
    ['Paris, 02:30 on the spring change', 2026, 3, 29, 2, 30, 'Europe/Paris', '2026-03-29T01:30:00.000Z'],
    // 8 March 2026: New York goes from 02:00 EST to 03:00 EDT.
    [
      'New York, 02:15 on the spring change',
      2026,
      3,
      8,
      2,
      15,
      'America/New_York',
      '2026-03-08T07:15:00.000Z',
    ],
  ])(
    'R14 a time the clocks skip is read after the gap, never before it (%s)',
    (_title, y, mo, d, h, mi, zone, iso) => {
      // The wall clock then reads 03:30 (03:15): a window opening in the gap opens when the clocks resume.
      expect(zonedInstant(y, mo, d, h, mi, zone).toISOString()).toBe(iso);
    },
  );
});
