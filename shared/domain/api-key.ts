import { createHash, randomBytes } from 'node:crypto';

/**
 * API keys are random 256-bit secrets shown once; the store keeps only their SHA-256
 * (a fast hash is enough for high-entropy secrets: nothing to brute-force).
 */
const PREFIXES = { admin: 'admin', sender: 'send', operator: 'operator', compliance: 'compliance' } as const;

export function generateApiKey(role: keyof typeof PREFIXES): string {
  return `cg_${PREFIXES[role]}_${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * Why a stored key or credential may no longer be used at `now`, if it may not:
 * revoked (from `revokedAt` on, a future instant while a rotation's grace runs) or expired
 * (from `expiresAt` on).
 */
export function keyRefusal(
  record: { readonly revokedAt?: string; readonly expiresAt?: string },
  now: Date,
): 'revoked' | 'expired' | undefined {
  const t = now.getTime();
  // An absent instant reads as NaN, and a comparison with NaN is false: never refused for it.
  if (Date.parse(String(record.revokedAt)) <= t) return 'revoked';
  if (Date.parse(String(record.expiresAt)) <= t) return 'expired';
  return undefined;
}

/** The UTC day of an instant, as `lastUsedDay` stores it. */
export const usageDay = (now: Date): string => now.toISOString().slice(0, 10);

/** What an endpoint asks of the key that calls it. */
export type KeyUse = 'operator' | 'admin' | 'sender';

/**
 * Why a key of `role` may not be used for `use`, if it may not (the one table of who may do
 * what; README "Roles"). The operator key reaches the operator routes only, and only it does:
 * it acts for no tenant. An admin key may also send; a sender key may only send. A compliance
 * key may only read: the admin routes' GETs (`read`), never a change, never a send.
 */
export function roleRefusal(
  role: 'admin' | 'sender' | 'operator' | 'compliance',
  use: KeyUse,
  read: boolean,
): string | undefined {
  if (use === 'operator') return role === 'operator' ? undefined : 'This endpoint needs the operator key';
  if (role === 'operator') return "The operator key acts for no tenant: use the tenant's admin or sender key";
  if (use === 'admin') {
    if (role === 'admin') return undefined;
    if (role === 'compliance')
      return read ? undefined : 'A compliance key may only read: this endpoint needs an admin key';
    return 'This endpoint needs an admin key';
  }
  if (role === 'compliance') return 'A compliance key may only read: it cannot send';
  return undefined;
}
