import { createHmac } from 'node:crypto';
import type { Channel } from '../schemas/vocabulary';
import { emailIdentity } from './address';

/**
 * R11: recipients are stored under a keyed hash of their normalised address, so that a
 * suppression entry can outlive the personal data and a re-imported address still
 * matches it. HMAC-SHA256 with a secret key: without the key, the hash cannot be
 * reversed by hashing candidate addresses. Scoped to the tenant (R2, R8: a consent given
 * to one brand never serves another).
 *
 * The hash is of the address's identity (RULES.md "Recipient"): an email address
 * case-folded whole, so that `Frank@example.org` and `frank@example.org` are one
 * recipient, with one objection and one erasure. A phone number is its E.164 form.
 */
export function recipientKey(
  hashKey: Buffer,
  tenantId: string,
  channel: Channel,
  normalizedAddress: string,
): string {
  const identity = channel === 'email' ? emailIdentity(normalizedAddress) : normalizedAddress;
  return hmac(hashKey, tenantId, channel, identity);
}

/**
 * The key the gate computed before identities were case-folded: the hash of the address
 * with its local part as given. Data written then lives under it until `npm run migrate`
 * moves it; the decision path reads it too meanwhile (services/recipient-state.ts).
 */
export function legacyRecipientKey(
  hashKey: Buffer,
  tenantId: string,
  channel: Channel,
  normalizedAddress: string,
): string {
  return hmac(hashKey, tenantId, channel, normalizedAddress);
}

/** The recipient's key, and its legacy key when that differs (an email with upper-case letters). */
export function recipientKeys(
  hashKey: Buffer,
  tenantId: string,
  channel: Channel,
  normalizedAddress: string,
): { key: string; legacyKey?: string } {
  const key = recipientKey(hashKey, tenantId, channel, normalizedAddress);
  const legacy = legacyRecipientKey(hashKey, tenantId, channel, normalizedAddress);
  return legacy === key ? { key } : { key, legacyKey: legacy };
}

function hmac(hashKey: Buffer, tenantId: string, channel: Channel, address: string): string {
  return createHmac('sha256', hashKey).update(`${tenantId}\n${channel}\n${address}`).digest('base64url');
}
