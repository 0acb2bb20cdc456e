import { describe, expect, it } from 'vitest';
import { PhoneNumberError, parsePhone, regionOf } from '../../shared/domain/phone';

/** Rows the mutation run (docs/testing.md) showed unpinned in sms.test.ts. */
describe('phone numbers (the SMS recipient, R14 region)', () => {
  it.each([
    ['a trailing line feed', '+33612345678\n'],
    ['a carriage return inside', '+336123\r45678'],
  ])('R10 refuses %s (header injection into the provider call)', (_title, input) => {
    expect(() => parsePhone(input, 'FR')).toThrow(/line breaks/);
  });

  it('refuses text that is no number with its own error, keeping the parser’s word', () => {
    expect(() => parsePhone('abc', 'FR')).toThrow(PhoneNumberError);
    expect(() => parsePhone('abc', 'FR')).toThrow(/is not a phone number \(.+\)/);
    expect(new PhoneNumberError('x').name).toBe('PhoneNumberError');
  });

  it('refuses a valid international number that belongs to no country (+800 freephone)', () => {
    expect(() => parsePhone('+80012345678', 'FR')).toThrow(/belongs to no country/);
  });

  it('reports the type and the region of the number', () => {
    expect(parsePhone('06 12 34 56 78', 'FR')).toEqual({
      e164: '+33612345678',
      country: 'FR',
      type: 'MOBILE',
    });
    expect(parsePhone('0692 12 34 56', 'RE').country).toBe('RE');
  });

  it('R14 the region of a number: its country and every time zone of it', () => {
    expect(regionOf('+33612345678')).toEqual({ country: 'FR', timeZones: ['Europe/Paris'] });
    expect(regionOf('+262692123456')).toEqual({
      country: 'RE',
      timeZones: ['Asia/Dubai'] /* UTC+4, as countries-and-timezones links it */,
    });
  });

  it('R14 a country without a known time zone is read in Paris time', () => {
    // Ascension Island: libphonenumber knows the number, countries-and-timezones not the country.
    expect(regionOf('+24740123')).toEqual({ country: 'AC', timeZones: ['Europe/Paris'] });
  });
});
