import { grants } from '../domain/link-capabilities';
import type { Lang } from '../domain/preferences';
import { type TokenClaims, verifyToken } from '../domain/unsubscribe-token';
import { StoreUnavailableError } from '../ports/gateway-store';
import type { QueuedObjection } from '../schemas/queued-objection';
import type { Objection } from '../schemas/recipient';
import type { Dependencies } from './dependencies';
import { type FreshLinkOutcome, mailFreshLink, maskedAddressOf } from './fresh-link';
import { recordChanges } from './record-change';

export interface UnsubscribeScope {
  readonly claims: TokenClaims;
  /** The tenant's name; absent when the store could not be read (the objection was queued). */
  readonly brand?: string;
  readonly purposeName: string;
  /**
   * R15 (amended): the only personal data an unsubscribe page shows ("b•••@example.org"):
   * the link travels with forwarded mail. The page links no preference centre; it offers
   * to mail a fresh link to the address (requestPreferencesLink).
   */
  readonly maskedAddress?: string;
}

async function scopeOf(deps: Dependencies, claims: TokenClaims) {
  const tenant = await deps.store.getTenant(claims.tenant);
  if (tenant === undefined) return undefined;
  return {
    claims,
    brand: tenant.name,
    purposeName: tenant.purposes[claims.purpose]?.name ?? claims.purpose,
    maskedAddress: await maskedAddressOf(deps, claims),
  };
}

/** GET /u/{token}: what the link is about, or undefined for a link that is not genuine. Changes nothing. */
export async function describeUnsubscribe(
  deps: Dependencies,
  token: string,
): Promise<UnsubscribeScope | undefined> {
  const keys = await deps.keys.load();
  const claims = verifyToken(token, keys);
  if (claims === undefined) return undefined;
  return scopeOf(deps, claims);
}

/**
 * POST /u/{token} with `action=preferences_link` (R15): mails a fresh preferences link to
 * the address; the page says so and never shows it. Undefined for a link that is not genuine.
 */
export async function requestPreferencesLink(
  deps: Dependencies,
  token: string,
  lang: Lang,
): Promise<(UnsubscribeScope & { outcome: FreshLinkOutcome }) | undefined> {
  const claims = verifyToken(token, await deps.keys.load());
  if (claims === undefined || !grants('unsubscribe', 'request_fresh_link')) return undefined;
  const scope = await scopeOf(deps, claims);
  if (scope === undefined) return undefined;
  return { ...scope, outcome: await mailFreshLink(deps, claims, lang) };
}

export interface UnsubscribeProof {
  readonly method: 'one_click' | 'unsubscribe_link';
  readonly ip?: string;
  readonly userAgent?: string;
}

export type UnsubscribeOutcome = 'recorded' | 'duplicate' | 'queued';

/**
 * POST /u/{token} (R7, R10, RFC 8058): records the objection at once, with its proof.
 * Idempotent: the objection's id derives from the message and purpose, so a repeated
 * click or a mailbox provider's retry records nothing new.
 *
 * When the store cannot take it (StoreUnavailableError), the objection is not lost: it
 * goes on the durable objection queue with its proof and the person is told it is done
 * (`queued`); the ApplyObjections consumer writes it once the store is back. Only when the
 * queue fails too does this throw (ObjectionQueueUnavailableError: a 503 asking to retry).
 */
export async function unsubscribe(
  deps: Dependencies,
  token: string,
  proof: UnsubscribeProof,
): Promise<(UnsubscribeScope & { outcome: UnsubscribeOutcome }) | undefined> {
  const keys = await deps.keys.load();
  const claims = verifyToken(token, keys);
  if (claims === undefined) return undefined;
  const now = deps.clock.now().toISOString();
  const objection: Objection = {
    id: `msg-${claims.messageId}-${claims.purpose}`,
    scope: { type: 'purpose', purpose: claims.purpose },
    at: now,
    method: proof.method,
    messageId: claims.messageId,
    source: 'unsubscribe link',
    ip: proof.ip,
    userAgent: proof.userAgent,
    recordedAt: now,
  };
  try {
    const scope = await scopeOf(deps, claims);
    if (scope === undefined) return undefined;
    const outcome = await applyObjection(deps, claims, objection);
    return { ...scope, outcome };
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    await deps.objectionQueue.enqueue({
      version: 1,
      tenant: claims.tenant,
      recipientKey: claims.recipientKey,
      channel: claims.channel,
      objection,
      acceptedAt: now,
    });
    deps.log.warn('objection queued: the store is unavailable', {
      recipientKey: claims.recipientKey,
      purpose: claims.purpose,
      method: proof.method,
      objectionId: objection.id,
    });
    return { claims, purposeName: claims.purpose, outcome: 'queued' };
  }
}

/**
 * Writes one objection and its audit event. Used at once by POST /u/{token} and later by
 * the objection queue's consumer; the objection's id makes a second application a no-op.
 */
export async function applyObjection(
  deps: Dependencies,
  claims: Pick<TokenClaims, 'tenant' | 'recipientKey' | 'channel'>,
  objection: Objection,
): Promise<'recorded' | 'duplicate'> {
  const method = objection.method;
  // R7/R15: the objection and its audit event in one transaction: never one without the
  // other. A store failure throws (nothing stored): the caller queues the objection.
  const written = await recordChanges(
    deps,
    { tenantId: claims.tenant, recipientKey: claims.recipientKey, channel: claims.channel },
    [
      {
        type: 'objection.recorded',
        actor: { type: 'recipient', id: method },
        why: `R7/R10: ${method === 'one_click' ? 'RFC 8058 one-click' : 'unsubscribe link'}`,
        at: objection.recordedAt,
        data: {
          objectionId: objection.id,
          scope: objection.scope,
          method,
          messageId: objection.messageId,
          acceptedAt: objection.at,
        },
        publish: {
          detailType: 'Objection Recorded',
          detail: { objectionId: objection.id, scope: objection.scope, method },
        },
      },
    ],
    [{ kind: 'objection', objection }],
  );
  // Nothing written: this objection id is already recorded (a second click, the queue's copy).
  const outcome = written.length > 0 ? 'recorded' : 'duplicate';
  deps.log.info('objection recorded', {
    recipientKey: claims.recipientKey,
    scope: objection.scope,
    method,
    outcome,
  });
  return outcome;
}

/** Retries within one delivery, so that an objection lands soon after the store is back. */
const APPLY_RETRY_DELAYS_MS = [100, 300, 900, 2_000];

/**
 * The objection queue's consumer, for one message: applies the queued objection (recorded
 * time now, `at` the time the person was answered). A store still unavailable after a few
 * prompt retries throws, and the queue delivers the message again.
 */
export async function applyQueuedObjection(
  deps: Dependencies,
  queued: QueuedObjection,
  retryDelaysMs: readonly number[] = APPLY_RETRY_DELAYS_MS,
): Promise<'recorded' | 'duplicate'> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await applyObjection(deps, queued, {
        ...queued.objection,
        recordedAt: deps.clock.now().toISOString(),
      });
    } catch (error) {
      const delay = retryDelaysMs[attempt];
      if (!(error instanceof StoreUnavailableError) || delay === undefined) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
