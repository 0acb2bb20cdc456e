import type { MetadataJson } from 'libphonenumber-js/core';
import { PHONE_METADATA_ASSET } from '../asset-paths';
import { requireAsset } from '../assets';

/**
 * libphonenumber-js's `max` metadata (the numbering plans with their type patterns: what
 * `isValid()` and `getType()` read). Read the first time a number is parsed or placed, not
 * at import: 145 KiB that every function deciding or storing anything bundled, and compiled
 * at each cold start, although most never see a phone number (email sends, pages, the SES
 * endpoint). Deployed, it is the file beside the bundle (PHONE_METADATA_ASSET).
 */

let metadata: MetadataJson | undefined;

export function phoneMetadata(): MetadataJson {
  metadata ??= requireAsset<MetadataJson>(PHONE_METADATA_ASSET);
  return metadata;
}
