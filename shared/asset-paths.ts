/**
 * The files of node_modules that functions read on first use (shared/assets.ts), as the
 * construct copies them beside a bundle (`assets` in infra/entry-points.ts). Constants only:
 * the construct, the tests and the OpenAPI function (through infra/entry-points.ts) import
 * them without what reads them.
 */

/** libphonenumber-js's `max` metadata: shared/domain/phone-metadata.ts. */
export const PHONE_METADATA_ASSET = 'libphonenumber-js/metadata.max.json';

/** countries-and-timezones' one-file build (same version and data): shared/domain/country-time-zones.ts. */
export const COUNTRY_TIME_ZONES_ASSET = 'countries-and-timezones/dist/index.min.js';

/** encoding-japanese's one-file build (same version): shared/lazy-encoding-japanese.ts. */
export const ENCODING_JAPANESE_ASSET = 'encoding-japanese/encoding.min.js';
