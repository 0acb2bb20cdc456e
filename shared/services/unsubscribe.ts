import { type TokenClaims, verifyToken } from '../domain/unsubscribe-token';
import type { Dependencies } from './dependencies';

export interface UnsubscribeScope {
  readonly claims: TokenClaims;
  readonly brand: string;
  readonly purposeName: string;
}

/** GET /u/{token}: what the link is about, or undefined for a link that is not genuine. Changes nothing. */
export async function describeUnsubscribe(
  deps: Dependencies,
  token: string,
): Promise<UnsubscribeScope | undefined> {
  const claims = verifyToken(token, await deps.keys.load());
  if (claims === undefined) return undefined;
  const tenant = await deps.store.getTenant(claims.tenant);
  if (tenant === undefined) return undefined;
  return { claims, brand: tenant.name, purposeName: tenant.purposes[claims.purpose]?.name ?? claims.purpose };
}

export interface UnsubscribeProof {
  readonly method: 'one_click' | 'unsubscribe_link';
  readonly ip?: string;
  readonly userAgent?: string;
}

/**
 * POST /u/{token} (R7, R10, RFC 8058): records the objection at once, with its proof.
 * Idempotent: the objection's id derives from the message and purpose, so a repeated
 * click or a mailbox provider's retry records nothing new.
 */
export async function unsubscribe(
  deps: Dependencies,
  token: string,
  proof: UnsubscribeProof,
): Promise<(UnsubscribeScope & { outcome: 'recorded' | 'duplicate' }) | undefined> {
  const scope = await describeUnsubscribe(deps, token);
  if (scope === undefined) return undefined;
  const { claims } = scope;
  const now = deps.clock.now().toISOString();
  const outcome = await deps.store.putObjection(claims.tenant, claims.recipientKey, {
    id: `msg-${claims.messageId}-${claims.purpose}`,
    scope: { type: 'purpose', purpose: claims.purpose },
    at: now,
    method: proof.method,
    messageId: claims.messageId,
    source: 'unsubscribe link',
    ip: proof.ip,
    userAgent: proof.userAgent,
    recordedAt: now,
  });
  deps.log.info('objection recorded', {
    recipientKey: claims.recipientKey,
    purpose: claims.purpose,
    method: proof.method,
    outcome,
  });
  return { ...scope, outcome };
}
