import { type CountryCode, Metadata, parsePhoneNumberWithError } from 'libphonenumber-js/core';
import { countryTimeZones } from './country-time-zones';
import { phoneMetadata } from './phone-metadata';

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
  // Outside the try: metadata that cannot be read is the deployment's fault, never the number's.
  const metadata = phoneMetadata();
  let parsed: ReturnType<typeof parsePhoneNumberWithError>;
  try {
    parsed = parsePhoneNumberWithError(input.trim(), defaultRegion as CountryCode, metadata);
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

/** What a numbering plan of libphonenumber-js's Metadata answers (its typings stop at the class). */
interface NumberingPlan {
  leadingDigits(): string | undefined;
  nationalNumberPattern(): string;
  type(type: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}

/** The types libphonenumber-js's getNumberType tries, FIXED_LINE first. */
const NUMBER_TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
];

/** One country of a calling code several share, with its patterns compiled once. */
interface CountryPlan {
  readonly country: string;
  readonly leadingDigits?: RegExp;
  readonly national: RegExp;
  readonly types: readonly { readonly pattern: RegExp; readonly lengths?: readonly number[] }[];
}

const callingCodes = () => phoneMetadata().country_calling_codes as Record<string, readonly string[]>;
const sharedPlans = new Map<string, readonly CountryPlan[]>();

const entirely = (pattern: string) => new RegExp(`^(?:${pattern})$`);

function plansOf(callingCode: string, countries: readonly string[]): readonly CountryPlan[] {
  let plans = sharedPlans.get(callingCode);
  if (plans === undefined) {
    const metadata = new Metadata(phoneMetadata());
    plans = countries.map((country) => {
      metadata.selectNumberingPlan(country as CountryCode);
      const plan = metadata.numberingPlan as unknown as NumberingPlan;
      const leading = plan.leadingDigits();
      return {
        country,
        leadingDigits: leading ? new RegExp(`^(?:${leading})`) : undefined,
        national: entirely(plan.nationalNumberPattern()),
        types: NUMBER_TYPES.flatMap((name) => {
          const type = plan.type(name);
          const pattern = type?.pattern();
          return type && pattern ? [{ pattern: entirely(pattern), lengths: type.possibleLengths() }] : [];
        }),
      };
    });
    sharedPlans.set(callingCode, plans);
  }
  return plans;
}

/**
 * The country of a valid E.164 number as libphonenumber-js's parse finds it, without the parse
 * (25 µs, three quarters of an SMS decision): the calling code's one country, or among those
 * sharing it (+1, +44, +61…) the first whose leading digits start the national number, or
 * else whose patterns it matches (getCountryByNationalNumber's rule), with the patterns
 * compiled once rather than per call. Undefined when unsure: the caller parses.
 * test/unit/phone.test.ts checks it equals the parse on every country's numbers.
 */
function countryOfE164(e164: string): string | undefined {
  if (!/^\+[1-9]\d{5,14}$/.test(e164)) return undefined;
  for (let length = 1; length <= 3; length++) {
    const code = e164.slice(1, 1 + length);
    const countries = callingCodes()[code];
    if (countries === undefined) continue;
    if (countries.length === 1) return countries[0];
    const national = e164.slice(1 + length);
    for (const plan of plansOf(code, countries)) {
      if (plan.leadingDigits) {
        if (plan.leadingDigits.test(national)) return plan.country;
      } else if (
        plan.national.test(national) &&
        plan.types.some(
          (t) => (t.lengths === undefined || t.lengths.includes(national.length)) && t.pattern.test(national),
        )
      ) {
        return plan.country;
      }
    }
    return undefined;
  }
  return undefined;
}

/**
 * Region of an E.164 number, for R14's time zone and public holidays. The number is one the
 * gate normalised (parsePhone, at the edge); one it cannot place is parsed and refused as before.
 */
export function regionOf(e164: string): Region {
  const country = countryOfE164(e164) ?? parseValid(e164, 'FR').country;
  let region = regions.get(country);
  if (region === undefined) {
    const zones = countryTimeZones(country);
    region = Object.freeze({
      country,
      timeZones: Object.freeze(zones.length > 0 ? [...zones] : ['Europe/Paris']),
    });
    regions.set(country, region);
  }
  return region;
}
