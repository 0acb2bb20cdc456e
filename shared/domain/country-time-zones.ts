import { COUNTRY_TIME_ZONES_ASSET } from '../asset-paths';
import { requireAsset } from '../assets';

/**
 * countries-and-timezones' one-file build (the same version and data as its ES build): the
 * time zones of each country, for R14's hours. Read the first time a number's region is
 * needed, not at import: every function bundled its data (31 KiB) through the decision,
 * most of them never placing a number. Deployed, it is the file beside the bundle.
 */
type CountriesAndTimezones = typeof import('countries-and-timezones');

let loaded: CountriesAndTimezones | undefined;

/** The IANA zones countries-and-timezones gives a country (ISO 3166), none for one it does not know. */
export function countryTimeZones(country: string): readonly string[] {
  loaded ??= requireAsset<CountriesAndTimezones>(COUNTRY_TIME_ZONES_ASSET, 'countries-and-timezones');
  return loaded.getCountry(country)?.timezones ?? [];
}
