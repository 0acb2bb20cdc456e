import { describe, expect, it } from 'vitest';
import { parsePhone, regionOf } from '../../shared/domain/phone';
import { measureSms, withOptOutMention } from '../../shared/domain/sms-content';
import { DEFAULT_SMS_WINDOW, isOpen, nextOpenSlot } from '../../shared/domain/sms-hours';
import { parseSmsKeyword } from '../../shared/domain/sms-keywords';

const FR = regionOf('+33612345678');
const at = (iso: string) => new Date(iso);

describe('R14 sending hours', () => {
  // 2026-06-15 is a Monday; Paris is UTC+2 in summer, UTC+1 in winter.
  it.each([
    ['R14 allows Monday 08:00 Paris (window opens)', '2026-06-15T06:00:00Z', true],
    ['R14 defers Monday 07:59 Paris', '2026-06-15T05:59:00Z', false],
    ['R14 allows Saturday 19:59 Paris', '2026-06-20T17:59:00Z', true],
    ['R14 defers Saturday 20:00 Paris (window closes)', '2026-06-20T18:00:00Z', false],
    ['R14 defers any hour on a Sunday', '2026-06-21T10:00:00Z', false],
    ['R14 defers a public holiday (14 July, a Tuesday)', '2026-07-14T10:00:00Z', false],
    ['R14 defers Christmas Day (a Friday)', '2026-12-25T10:00:00Z', false],
    ['R14 allows 08:00 Paris in winter time (UTC+1)', '2026-12-01T07:00:00Z', true],
  ])('%s', (_title, iso, open) => {
    expect(isOpen(at(iso), FR, DEFAULT_SMS_WINDOW)).toBe(open);
  });

  it('R14 reads the window in the recipient’s time zone: 09:00 in Paris is 11:00 in Réunion', () => {
    const reunion = regionOf('+262692123456');
    expect(reunion.country).toBe('RE');
    // 2026-06-15 19:30 Paris = 21:30 Réunion (UTC+4): open in Paris, closed in Réunion.
    expect(isOpen(at('2026-06-15T17:30:00Z'), FR, DEFAULT_SMS_WINDOW)).toBe(true);
    expect(isOpen(at('2026-06-15T17:30:00Z'), reunion, DEFAULT_SMS_WINDOW)).toBe(false);
    expect(nextOpenSlot(at('2026-06-15T17:30:00Z'), reunion, DEFAULT_SMS_WINDOW)).toEqual(
      at('2026-06-16T04:00:00Z'),
    );
  });

  it('R14 defers Saturday night to Monday 08:00, across the Sunday', () => {
    expect(nextOpenSlot(at('2026-06-20T19:00:00Z'), FR, DEFAULT_SMS_WINDOW)).toEqual(
      at('2026-06-22T06:00:00Z'),
    );
  });

  it('R14 skips a public holiday: the eve of 14 July defers to 15 July 08:00', () => {
    expect(nextOpenSlot(at('2026-07-13T19:00:00Z'), FR, DEFAULT_SMS_WINDOW)).toEqual(
      at('2026-07-15T06:00:00Z'),
    );
  });

  it('R14 crosses a DST change: Saturday 28 March evening defers to Monday 30 March 08:00 summer time', () => {
    expect(nextOpenSlot(at('2026-03-28T20:00:00Z'), FR, DEFAULT_SMS_WINDOW)).toEqual(
      at('2026-03-30T06:00:00Z'),
    );
  });

  it('R14 answers now when the window is open', () => {
    const now = at('2026-06-16T10:00:00Z');
    expect(nextOpenSlot(now, FR, DEFAULT_SMS_WINDOW)).toBe(now);
  });

  it('R14 requires every zone of a country with several to be open', () => {
    const us = regionOf('+12025550123');
    expect(us.timeZones.length).toBeGreaterThan(1);
    // 14:00 UTC on a Tuesday is 10:00 in New York but 04:00 in Honolulu.
    expect(isOpen(at('2026-06-16T14:00:00Z'), us, DEFAULT_SMS_WINDOW)).toBe(false);
  });
});

describe('SMS replies (R7)', () => {
  it.each([
    'STOP',
    'stop',
    ' Stop ',
    'ARRET',
    'Arrêt',
    'arrêt ',
    'STOP SMS',
    'stop  sms',
    'UNSUBSCRIBE',
    'Désabonner',
    'DESABONNER',
  ])('R7 reads %j as stop', (text) => {
    expect(parseSmsKeyword(text)).toBe('stop');
  });
  it('reads START as a new consent by keyword', () => {
    expect(parseSmsKeyword(' start ')).toBe('start');
  });
  it.each(['Merci', 'STOPPER', 'stop please', 'STARTS', ''])('ignores %j', (text) => {
    expect(parseSmsKeyword(text)).toBe('unknown');
  });
});

describe('SMS numbers and length', () => {
  it('normalises a national number with the default region, to E.164', () => {
    expect(parsePhone('06 12 34 56 78', 'FR')).toMatchObject({ e164: '+33612345678', country: 'FR' });
    expect(parsePhone('+44 7911 123456', 'FR').e164).toBe('+447911123456');
  });
  it.each(['12', 'abc', '+33 1', '06 12 34 56 78 99'])('refuses %j', (input) => {
    expect(() => parsePhone(input, 'FR')).toThrow();
  });
  it('R10 counts the opt-out mention in the length and reports the encoding', () => {
    const gsm = measureSms(withOptOutMention('a'.repeat(150), 'STOP au 36123'));
    expect(gsm).toEqual({ encoding: 'GSM-7', segments: 2, characters: 164 });
    expect(measureSms(withOptOutMention('Soldes 😀', 'STOP au 36123')).encoding).toBe('UCS-2');
  });
});
