import { type CountryCode, parsePhoneNumberWithError } from 'libphonenumber-js/core';
import type { SmsSender } from '../schemas/tenant';
import { phoneMetadata } from './phone-metadata';

/**
 * R10: marketing SMS to consumers come from a short code or an alphanumeric sender, never an
 * ordinary number (ARCEP, 2019). What a sender id is can be read from the id itself, so the
 * declared type is never trusted beyond it: "a sender id that is a phone number is a long
 * code, whatever it is declared as". Pure: libphonenumber-js carries its metadata.
 */
export type SmsSenderKind = SmsSender['type'];

/** The regions of the French numbering plan, where SMS+ short codes are 5 digits from 3xxxx to 8xxxx (ARCEP). */
const FRENCH_PLAN = new Set(['FR', 'GP', 'MQ', 'GF', 'RE', 'YT', 'PM', 'BL', 'MF']);
const FRENCH_SHORT_CODE = /^[3-8]\d{4}$/;
/** Elsewhere, what the sender id schema accepts as a short code: 3 to 8 digits. */
const SHORT_CODE = /^\d{3,8}$/;

/** Whether libphonenumber reads the id as a possible number in the region (or as an international one). */
export function looksLikePhoneNumber(id: string, defaultRegion: string): boolean {
  // Outside the try: metadata that cannot be read must not make every id "not a number" (R10).
  const metadata = phoneMetadata();
  try {
    return parsePhoneNumberWithError(id, defaultRegion as CountryCode, metadata).isPossible();
  } catch {
    return false;
  }
}

export function isShortCode(id: string, defaultRegion: string): boolean {
  return FRENCH_PLAN.has(defaultRegion) ? FRENCH_SHORT_CODE.test(id) : SHORT_CODE.test(id);
}

/**
 * What the id is: a phone number (in doubt, a long code: "A0612345678" shows a number), a
 * short code of the region, an alphanumeric sender (it holds a letter, as End User Messaging
 * requires), or none of them (digits that are neither a number nor a short code).
 */
export function smsSenderKind(id: string, defaultRegion: string): SmsSenderKind | undefined {
  if (looksLikePhoneNumber(id, defaultRegion)) return 'long_code';
  if (/^\d+$/.test(id)) return isShortCode(id, defaultRegion) ? 'short_code' : undefined;
  if (/\p{L}/u.test(id)) return 'alphanumeric';
  return undefined;
}

/**
 * R10 at declaration: a sender may always be declared a long code (the most restricted);
 * declared a short code or an alphanumeric sender, the id must be one. Returns what is wrong.
 */
export function senderDeclarationProblem(
  id: string,
  type: SmsSenderKind,
  defaultRegion: string,
): string | undefined {
  if (type === 'long_code') return undefined;
  const kind = smsSenderKind(id, defaultRegion);
  if (kind === type) return undefined;
  if (kind === 'long_code') {
    return `"${id}" is a phone number: declare it as long_code (R10: a sender id that is a phone number is a long code)`;
  }
  if (type === 'short_code') {
    return FRENCH_PLAN.has(defaultRegion)
      ? `"${id}" is not a short code of the French plan (5 digits starting with 3 to 8): declare it as long_code or alphanumeric`
      : `"${id}" is not a short code (3 to 8 digits): declare it as long_code or alphanumeric`;
  }
  return `"${id}" is not an alphanumeric sender id: it must hold a letter (declare it as long_code or short_code)`;
}

/** Region → declared type → id → the type trusted: no key string built per decision. */
const effective = new Map<string, Map<string, Map<string, SmsSenderKind>>>();
let effectiveSize = 0;
const EFFECTIVE_CACHE_SIZE = 1_000;

/**
 * R10 at decision time: the type the decision trusts. A sender stored before declarations
 * were checked (or written around the API) counts as a long code unless its id really is
 * what it was declared as. Cached: the answer is a pure function of id, type and region.
 */
export function effectiveSenderType(sender: SmsSender, defaultRegion: string): SmsSenderKind {
  if (sender.type === 'long_code') return 'long_code';
  let byType = effective.get(defaultRegion);
  if (byType === undefined) {
    byType = new Map();
    effective.set(defaultRegion, byType);
  }
  let byId = byType.get(sender.type);
  if (byId === undefined) {
    byId = new Map();
    byType.set(sender.type, byId);
  }
  let type = byId.get(sender.id);
  if (type === undefined) {
    type =
      senderDeclarationProblem(sender.id, sender.type, defaultRegion) === undefined
        ? sender.type
        : 'long_code';
    if (effectiveSize >= EFFECTIVE_CACHE_SIZE) {
      // Emptied whole, as before; the maps of this call start again.
      effective.clear();
      effectiveSize = 0;
      byId = new Map();
      byType = new Map([[sender.type, byId]]);
      effective.set(defaultRegion, byType);
    }
    byId.set(sender.id, type);
    effectiveSize++;
  }
  return type;
}
