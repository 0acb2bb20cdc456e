import { createHmac } from 'node:crypto';
import type { Channel } from '../schemas/vocabulary';

/**
 * R11: recipients are stored under a keyed hash of their normalised address, so that a
 * suppression entry can outlive the personal data and a re-imported address still
 * matches it. HMAC-SHA256 with a secret key: without the key, the hash cannot be
 * reversed by hashing candidate addresses. Scoped to the tenant (R2, R8: a consent given
 * to one brand never serves another).
 */
export function recipientKey(
  hashKey: Buffer,
  tenantId: string,
  channel: Channel,
  normalizedAddress: string,
): string {
  return createHmac('sha256', hashKey)
    .update(`${tenantId}\n${channel}\n${normalizedAddress}`)
    .digest('base64url');
}
