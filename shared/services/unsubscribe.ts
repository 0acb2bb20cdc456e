import { expiryFor, signPageToken, type TokenClaims, verifyToken } from '../domain/unsubscribe-token';
import type { Dependencies } from './dependencies';
import { recordChanges } from './record-change';

export interface UnsubscribeScope {
  readonly claims: TokenClaims;
  readonly brand: string;
  readonly purposeName: string;
  /** R15: the same recipient's preference centre, linked from the unsubscribe pages. */
  readonly preferencesToken: string;
}

/** GET /u/{token}: what the link is about, or undefined for a link that is not genuine. Changes nothing. */
export async function describeUnsubscribe(
  deps: Dependencies,
  token: string,
): Promise<UnsubscribeScope | undefined> {
  const keys = await deps.keys.load();
  const claims = verifyToken(token, keys);
  if (claims === undefined) return undefined;
  const tenant = await deps.store.getTenant(claims.tenant);
  if (tenant === undefined) return undefined;
  const preferencesToken = signPageToken(
    {
      kind: 'preferences',
      tenant: claims.tenant,
      recipientKey: claims.recipientKey,
      channel: claims.channel,
      expiresAt: expiryFor('preferences', deps.clock.now()),
    },
    keys,
  );
  return {
    claims,
    brand: tenant.name,
    purposeName: tenant.purposes[claims.purpose]?.name ?? claims.purpose,
    preferencesToken,
  };
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
  const objectionId = `msg-${claims.messageId}-${claims.purpose}`;
  // The objection first, alone: nothing after it (audit, events) may lose an unsubscribe.
  const outcome = await deps.store.putObjection(claims.tenant, claims.recipientKey, {
    id: objectionId,
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
  if (outcome === 'recorded') {
    const scopeOf = { type: 'purpose' as const, purpose: claims.purpose };
    await recordChanges(
      deps,
      { tenantId: claims.tenant, recipientKey: claims.recipientKey, channel: claims.channel },
      [
        {
          type: 'objection.recorded',
          actor: { type: 'recipient', id: proof.method },
          why: `R7/R10: ${proof.method === 'one_click' ? 'RFC 8058 one-click' : 'unsubscribe link'}`,
          at: now,
          data: { objectionId, scope: scopeOf, method: proof.method, messageId: claims.messageId },
          publish: {
            detailType: 'Objection Recorded',
            detail: { objectionId, scope: scopeOf, method: proof.method },
          },
        },
      ],
    ).catch((error: Error) =>
      // The objection is stored and takes effect; a missing audit line must not turn it into an error page.
      deps.log.error('objection recorded but not audited', {
        recipientKey: claims.recipientKey,
        error: error.name,
      }),
    );
  }
  return { ...scope, outcome };
}
