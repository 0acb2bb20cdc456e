import { grants } from '../domain/link-capabilities';
import { own } from '../domain/own';
import type { Lang } from '../domain/preferences';
import { type TokenClaims, verifyToken } from '../domain/unsubscribe-token';
import { StoreUnavailableError } from '../ports/gateway-store';
import { PendingObjectionsUnavailableError } from '../ports/pending-objections';
import type { QueuedObjection } from '../schemas/queued-objection';
import type { MailProof, Objection } from '../schemas/recipient';
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
  const tenant = await deps.tenants.getTenant(claims.tenant);
  if (tenant === undefined) return undefined;
  return {
    claims,
    brand: tenant.name,
    purposeName: own(tenant.purposes, claims.purpose)?.name ?? claims.purpose,
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
  readonly method: 'one_click' | 'unsubscribe_link' | 'mailto';
  readonly ip?: string;
  readonly userAgent?: string;
  /** `mailto` (RFC 2369): the mail's headers and SES's verdicts. */
  readonly mail?: MailProof;
}

/**
 * `queued`: on the objection queue and in the pending objections every send reads (202).
 * `unconfirmed`: on the queue only, the pending objections could not be written: it will be
 * applied, but a send could still be decided before that, so the person is not told it is
 * done (503, retry).
 */
export type UnsubscribeOutcome = 'recorded' | 'duplicate' | 'queued' | 'unconfirmed';

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
    source: proof.method === 'mailto' ? 'unsubscribe mail' : 'unsubscribe link',
    ip: proof.ip,
    userAgent: proof.userAgent,
    ...(proof.mail === undefined ? {} : { mail: proof.mail }),
    recordedAt: now,
  };
  try {
    const scope = await scopeOf(deps, claims);
    if (scope === undefined) return undefined;
    const outcome = await applyObjection(deps, claims, objection);
    // The store holds it now: a pending copy of the same click left by an earlier attempt
    // (queued while the queue failed) has done its part. A GET, a 404 normally.
    await deps.pendingObjections
      .remove({ tenant: claims.tenant, recipientKey: claims.recipientKey }, objection.id)
      .catch((error: Error) =>
        deps.log.warn('pending objection not removed after recording', {
          recipientKey: claims.recipientKey,
          objectionId: objection.id,
          error: error.message,
        }),
      );
    return { ...scope, outcome };
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    const outcome = await queueObjection(deps, claims, objection, now);
    deps.log.warn('objection queued: the store is unavailable', {
      recipientKey: claims.recipientKey,
      purpose: claims.purpose,
      method: proof.method,
      objectionId: objection.id,
      outcome,
    });
    return { claims, purposeName: claims.purpose, outcome };
  }
}

/**
 * R7, the store unavailable: the objection goes to the pending objections FIRST (so that,
 * from the answer on, every send reads it: services/decisions.ts), then on the durable
 * queue (which applies it to the store, then removes the pending copy).
 * - Pending written, queue fails: ObjectionQueueUnavailableError, a 503 asking to retry;
 *   the pending copy stays (see below) and the retry, once recorded, removes it.
 * - Pending not written, queue takes it: `unconfirmed`. It is not lost (the queue applies
 *   it), but a send decided before the drain would not see it, so the person is not told
 *   "done": a 503 that says it is received asks for the retry that confirms it.
 */
async function queueObjection(
  deps: Dependencies,
  claims: TokenClaims,
  objection: Objection,
  acceptedAt: string,
): Promise<'queued' | 'unconfirmed'> {
  const target = { tenant: claims.tenant, recipientKey: claims.recipientKey };
  let readable = true;
  try {
    await deps.pendingObjections.add(target, objection);
  } catch (error) {
    if (!(error instanceof PendingObjectionsUnavailableError)) throw error;
    readable = false;
    deps.log.error('pending objection not written: the unsubscribe cannot be confirmed', {
      recipientKey: claims.recipientKey,
      objectionId: objection.id,
      error: error.message,
    });
  }
  try {
    await deps.objectionQueue.enqueue({
      version: 1,
      tenant: claims.tenant,
      recipientKey: claims.recipientKey,
      channel: claims.channel,
      objection,
      acceptedAt,
    });
  } catch (error) {
    // The pending copy is not taken back: it may be an earlier click's, confirmed and still
    // on the queue, and taking it back would reopen that one's window. Left alone it refuses
    // this purpose's sends (what the person asked for) until the retry the 503 asks for
    // records the objection and removes it (same id), or a later consent reopens the purpose.
    if (readable) {
      deps.log.error('pending objection kept although the queue failed: the retry removes it', {
        recipientKey: claims.recipientKey,
        objectionId: objection.id,
      });
    }
    throw error;
  }
  return readable ? 'queued' : 'unconfirmed';
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
        why: `R7/R10: ${method === 'one_click' ? 'RFC 8058 one-click' : method === 'mailto' ? 'RFC 2369 mailto' : 'unsubscribe link'}`,
        at: objection.recordedAt,
        data: {
          objectionId: objection.id,
          scope: objection.scope,
          method,
          messageId: objection.messageId,
          acceptedAt: objection.at,
          ...(objection.mail === undefined ? {} : { mail: objection.mail }),
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
      const outcome = await applyObjection(deps, queued, {
        ...queued.objection,
        recordedAt: deps.clock.now().toISOString(),
      });
      // Only now that the store holds it (R7: decisions read the pending copy before the
      // store). A failure here throws: the queue delivers the message again, the objection
      // is a duplicate then, and the removal is tried again.
      await deps.pendingObjections.remove(
        { tenant: queued.tenant, recipientKey: queued.recipientKey },
        queued.objection.id,
      );
      return outcome;
    } catch (error) {
      const delay = retryDelaysMs[attempt];
      if (!(error instanceof StoreUnavailableError) || delay === undefined) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
