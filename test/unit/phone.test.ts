import fc from 'fast-check';
import { getCountries, getExampleNumber } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
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

/**
 * regionOf places a normalised number without parsing it again (phone.ts, countryOfE164): the
 * oracle is libphonenumber-js's own parse, on every country's example numbers and on random
 * numbers near them (the leading digits and area codes that tell countries sharing +1, +44,
 * +61, +7… apart), and on random national numbers of every calling code.
 */
describe('R14 regionOf places a number as the full parse does', () => {
  const countries = getCountries();
  const valid = (candidate: string) => {
    try {
      return parsePhone(candidate, 'FR');
    } catch {
      return undefined;
    }
  };
  const check = (e164: string) => {
    const parsed = valid(e164);
    if (parsed === undefined || parsed.e164 !== e164) return false;
    expect(regionOf(e164).country, e164).toBe(parsed.country);
    return true;
  };

  it('on every country’s example number', () => {
    let checked = 0;
    for (const country of countries) {
      const example = getExampleNumber(country, examples)?.number;
      if (example && check(example)) checked++;
    }
    expect(checked).toBeGreaterThan(200);
  });

  it('on random numbers sharing an example’s leading digits, and random national numbers (property)', () => {
    const bases = countries.flatMap((c) => {
      const example = getExampleNumber(c, examples);
      return example ? [{ code: example.countryCallingCode, national: example.nationalNumber }] : [];
    });
    let placed = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...bases),
        fc.integer({ min: 1, max: 7 }),
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 7, maxLength: 12 }),
        (base, keep, digits) => {
          const prefix = base.national.slice(0, Math.min(keep, base.national.length - 1));
          const national = (prefix + digits.join('')).slice(0, base.national.length);
          if (check(`+${base.code}${national}`)) placed++;
          // Any digits, any length: placed as the parse places them when valid; otherwise no crash
          // other than the parse's own refusal.
          const loose = `+${base.code}${digits.join('')}`;
          if (!check(loose)) expect(() => regionOf(loose)).not.toThrow(TypeError);
        },
      ),
      { numRuns: 30_000 },
    );
    expect(placed).toBeGreaterThan(3_000);
  });
});
