import { own } from '../domain/own';
import { recipientKeys } from '../domain/recipient-key';
import { NotFoundError } from '../ports/gateway-store';
import type { AuditEvent, SentUnsubscribe } from '../schemas/audit';
import type { AuditVerification } from '../schemas/audit-verify';
import type { ConsentGrant, Purchase, RecipientProfile, RecipientState } from '../schemas/recipient';
import type { Tenant, Wording } from '../schemas/tenant';
import type { Channel } from '../schemas/vocabulary';
import { verifyRecipientAudit } from './audit-verify';
import { normalizeAddress } from './decisions';
import type { Caller, Dependencies } from './dependencies';

/**
 * "Why was this person sent that message?" (R3, R15), for the console: the message's decision
 * from the recipient's audit trail (a send's record is its `decision.sent` event,
 * domain/sent-messages.ts), the basis it rested on and the proof behind it, read back from
 * the recipient's items (the consent with the wording the person was shown, the purchase,
 * the collection notice), and the verification of the recipient's audit chains. The address
 * is hashed for the lookup with the API's own recipient key (R11) and never stored.
 */
export type MessageOutcome = 'sent' | 'failed' | 'deferred' | 'scheduled' | 'cancelled';

export type ResolvedProof =
  | {
      readonly type: 'consent';
      readonly ref: string;
      /** The grant the message relied on, as stored now; absent when a later one replaced it. */
      readonly grant?: ConsentGrant;
      /** The wording the person was shown, from its version (or the text kept with the grant). */
      readonly wording?: Pick<Wording, 'versionId' | 'text' | 'sha256'> | { readonly text: string };
      /** The consent's `consent.given` event in the trail (kept when the grant was replaced). */
      readonly given?: AuditEvent;
      /** Withdrawn since (a later withdrawal of the purpose). */
      readonly withdrawnAt?: string;
    }
  | {
      readonly type: 'purchase';
      readonly purchase?: Purchase;
      readonly at?: string;
      readonly detail?: string;
    }
  | {
      readonly type: 'collection';
      readonly collection?: RecipientProfile['collection'];
      readonly at?: string;
      readonly detail?: string;
    }
  | { readonly type: 'purpose'; readonly purposeId: string; readonly purposeName?: string }
  | { readonly type: 'role_address' }
  | { readonly type: 'repermission'; readonly detail?: string; readonly at?: string }
  | { readonly type: 'unknown'; readonly raw: unknown };

/**
 * R10: what the message carried to unsubscribe, from its `decision.sent` (fingerprinted:
 * shared/domain/sent-unsubscribe.ts). `not_recorded`: sent before the gateway recorded it (or,
 * for an SMS, queued before); `not_sent`: no `decision.sent` (deferred, scheduled, cancelled).
 */
export type CarriedUnsubscribe =
  | { readonly status: 'recorded'; readonly carried: SentUnsubscribe }
  | { readonly status: 'not_recorded' }
  | { readonly status: 'not_sent' };

export interface Justification {
  readonly recipientKey: string;
  readonly messageId: string;
  readonly channel: Channel;
  readonly outcome: MessageOutcome;
  readonly decidedAt: string;
  readonly purpose: string;
  readonly purposeName?: string;
  readonly category?: string;
  readonly from?: string;
  readonly basis: string;
  /** The sender key (or credential) that asked for the send, by its id. */
  readonly senderKeyId?: string;
  readonly proof: ResolvedProof;
  readonly unsubscribe: CarriedUnsubscribe;
  /** Every event of the trail that names this message (the decision, a failure, SES's feedback). */
  readonly events: readonly AuditEvent[];
  readonly audit: AuditVerification;
}

const DECISIONS = new Set<AuditEvent['type']>(['decision.sent', 'decision.deferred', 'decision.scheduled']);

function outcomeOf(events: readonly AuditEvent[]): MessageOutcome {
  if (events.some((e) => e.type === 'send.failed')) return 'failed';
  if (events.some((e) => e.type === 'message.cancelled')) return 'cancelled';
  if (events.some((e) => e.type === 'decision.sent')) return 'sent';
  if (events.some((e) => e.type === 'decision.scheduled')) return 'scheduled';
  return 'deferred';
}

const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The unsubscribe record of the message's `decision.sent`, if it has one that reads as recorded. */
export function carriedUnsubscribe(events: readonly AuditEvent[], hasRecord: boolean): CarriedUnsubscribe {
  const sent = events.find((e) => e.type === 'decision.sent');
  if (sent === undefined) return hasRecord ? { status: 'not_recorded' } : { status: 'not_sent' };
  // The trail's events are parsed (shared/schemas/audit.ts): a record is there, valid, or absent.
  const carried = sent.data.unsubscribe;
  return carried === undefined ? { status: 'not_recorded' } : { status: 'recorded', carried };
}

/** The proof a decision names, read back from what the recipient's items and trail hold now. */
export function resolveProof(
  proof: unknown,
  purpose: string,
  tenant: Tenant,
  state: RecipientState,
  trail: readonly AuditEvent[],
): ResolvedProof {
  const p = (proof ?? {}) as Record<string, unknown>;
  const ref = asString(p.ref);
  const at = asString(p.at);
  const detail = asString(p.detail);
  switch (p.type) {
    case 'consent': {
      const record = own(state.consents, purpose);
      const grant = record?.grant?.id === ref ? record?.grant : undefined;
      const given = trail.find((e) => e.type === 'consent.given' && e.data.consentId === ref);
      const version = grant?.wordingVersion;
      const stored = version === undefined ? undefined : own(tenant.wordings, version);
      const wording = stored ?? (grant?.wording === undefined ? undefined : { text: grant.wording });
      const withdrawnAt =
        record?.withdrawal !== undefined && record.withdrawal.at >= (grant?.givenAt ?? at ?? '')
          ? record.withdrawal.at
          : undefined;
      return {
        type: 'consent',
        ref: ref ?? '',
        ...(grant ? { grant } : {}),
        ...(wording ? { wording } : {}),
        ...(given ? { given } : {}),
        ...(withdrawnAt ? { withdrawnAt } : {}),
      };
    }
    case 'purchase': {
      const purchase = state.profile?.purchases.find(
        (x) => (ref === undefined || x.ref === ref) && x.at === at && x.productFamily === detail,
      );
      return { type: 'purchase', ...(purchase ? { purchase } : {}), at, detail };
    }
    case 'collection':
      return { type: 'collection', collection: state.profile?.collection, at, detail };
    case 'purpose':
      return {
        type: 'purpose',
        purposeId: ref ?? purpose,
        purposeName: own(tenant.purposes, ref ?? purpose)?.name,
      };
    case 'role_address':
      return { type: 'role_address' };
    case 'repermission':
      return { type: 'repermission', detail, at };
    default:
      return { type: 'unknown', raw: proof };
  }
}

export async function justifyMessage(
  deps: Dependencies,
  caller: Caller,
  input: { readonly channel: Channel; readonly address: string; readonly messageId: string },
): Promise<Justification> {
  const [keys, tenant] = await Promise.all([deps.keys.load(), deps.tenants.getTenant(caller.tenantId)]);
  if (tenant === undefined) throw new NotFoundError(`Tenant ${caller.tenantId} not found`);
  const address = normalizeAddress(tenant, input.channel, input.address, 'address');
  const { key, legacyKey } = recipientKeys(keys.hashKey, caller.tenantId, input.channel, address);
  // Data written before identities were case-folded may still live under the legacy key.
  for (const recipientKey of legacyKey === undefined ? [key] : [key, legacyKey]) {
    const trail = await deps.store.listAudit(caller.tenantId, recipientKey);
    const events = trail.filter((e) => e.data.messageId === input.messageId);
    const decision = events.find((e) => DECISIONS.has(e.type));
    const records =
      decision === undefined ? await deps.store.listMessages(caller.tenantId, recipientKey) : [];
    const record = records.find((r) => r.messageId === input.messageId);
    if (decision === undefined && record === undefined) continue;
    const state = await deps.store.getRecipientState(caller.tenantId, recipientKey);
    const d = (decision?.data ?? {}) as Record<string, unknown>;
    const purpose = asString(d.purpose) ?? record?.purpose ?? '';
    const audit = await verifyRecipientAudit(deps, caller.tenantId, recipientKey, deps.clock.now());
    return {
      recipientKey,
      messageId: input.messageId,
      channel: d.channel === 'sms' || record?.channel === 'sms' ? 'sms' : input.channel,
      outcome: decision === undefined ? 'sent' : outcomeOf(events),
      decidedAt: decision?.at ?? record?.decidedAt ?? '',
      purpose,
      purposeName: own(tenant.purposes, purpose)?.name,
      category: asString(d.category) ?? record?.category,
      from: asString(d.from) ?? record?.from,
      basis: asString(d.basis) ?? record?.basis ?? '',
      senderKeyId: decision?.actor.id ?? record?.senderKeyId,
      proof: resolveProof(decision === undefined ? record?.proof : d.proof, purpose, tenant, state, trail),
      unsubscribe: carriedUnsubscribe(events, record !== undefined),
      events,
      audit,
    };
  }
  throw new NotFoundError('No message with this id was sent to this address by this tenant');
}
