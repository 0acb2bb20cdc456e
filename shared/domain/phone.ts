import { getCountry } from 'countries-and-timezones';
import { type CountryCode, parsePhoneNumberWithError } from 'libphonenumber-js/max';

/**
 * Phone numbers as the vocabulary of docs/rules.md defines an SMS recipient: E.164. A national
 * number is read in the tenant's default region. Pure: libphonenumber-js carries its
 * metadata, nothing is looked up.
 */
export class PhoneNumberError extends Error {
  override name = 'PhoneNumberError';
}

export interface PhoneNumber {
  readonly e164: string;
  /** ISO 3166 region of the number (FR, RE, GP…). */
  readonly country: string;
  readonly type?: string;
}

export function parsePhone(input: string, defaultRegion: string): PhoneNumber {
  if (/[\r\n]/.test(input)) throw new PhoneNumberError('must not contain line breaks');
  let parsed: ReturnType<typeof parsePhoneNumberWithError>;
  try {
    parsed = parsePhoneNumberWithError(input.trim(), defaultRegion as CountryCode);
  } catch (error) {
    throw new PhoneNumberError(`is not a phone number (${(error as Error).message})`);
  }
  if (!parsed.isValid()) throw new PhoneNumberError('is not a possible phone number for its country');
  if (!parsed.country) throw new PhoneNumberError('belongs to no country');
  return { e164: parsed.number, country: parsed.country, type: parsed.getType() };
}

/** Region of an E.164 number, for R14's time zone and public holidays. */
export function regionOf(e164: string): { country: string; timeZones: string[] } {
  const country = parsePhone(e164, 'FR').country;
  const zones = getCountry(country)?.timezones ?? [];
  return { country, timeZones: zones.length > 0 ? [...zones] : ['Europe/Paris'] };
}
