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

/** A valid number of a country; its type is not read (matching it against every pattern is as costly again). */
function parseValid(input: string, defaultRegion: string) {
  if (/[\r\n]/.test(input)) throw new PhoneNumberError('must not contain line breaks');
  let parsed: ReturnType<typeof parsePhoneNumberWithError>;
  try {
    parsed = parsePhoneNumberWithError(input.trim(), defaultRegion as CountryCode);
  } catch (error) {
    throw new PhoneNumberError(`is not a phone number (${(error as Error).message})`);
  }
  if (!parsed.isValid()) throw new PhoneNumberError('is not a possible phone number for its country');
  const country = parsed.country;
  if (!country) throw new PhoneNumberError('belongs to no country');
  return { parsed, country };
}

export function parsePhone(input: string, defaultRegion: string): PhoneNumber {
  const { parsed, country } = parseValid(input, defaultRegion);
  return { e164: parsed.number, country, type: parsed.getType() };
}

export interface Region {
  readonly country: string;
  readonly timeZones: readonly string[];
}

/** One region per country (about 250): R14's hours keep per-zone state on its zone list. */
const regions = new Map<string, Region>();

/** Region of an E.164 number, for R14's time zone and public holidays. */
export function regionOf(e164: string): Region {
  const { country } = parseValid(e164, 'FR');
  let region = regions.get(country);
  if (region === undefined) {
    const zones = getCountry(country)?.timezones ?? [];
    region = Object.freeze({
      country,
      timeZones: Object.freeze(zones.length > 0 ? [...zones] : ['Europe/Paris']),
    });
    regions.set(country, region);
  }
  return region;
}
