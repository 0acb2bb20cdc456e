import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { CommitOutcome, SendOnce, StateWrite } from '../ports/gateway-store';
import type { Actor, AuditEvent } from '../schemas/audit';
import {
  type eventSchemas,
  type GatewayDetailType,
  type GatewayEvent,
  gatewayEvent,
} from '../schemas/events';
import type { Channel } from '../schemas/vocabulary';
import type { Caller, Dependencies } from './dependencies';
import { planRetentionHead } from './retention';

const ACTOR_TYPES = {
  admin: 'admin_key',
  sender: 'sender_key',
  compliance: 'compliance_key',
  // Never a tenant's caller (authenticate.ts refuses it on tenant routes): the deployment itself.
  operator: 'system',
} as const satisfies Record<Caller['role'], Actor['type']>;

/** Who acted, as the audit trail names them: an API key by its id (never the key), or the recipient on a page. */
export function actorOf(caller: Caller, via?: 'console'): Actor {
  // A user of the console's user pool acts as themselves, by their sub (the console only).
  if (caller.userSub !== undefined) return { type: 'console_user', id: caller.userSub, via: 'console' };
  return { type: ACTOR_TYPES[caller.role], id: caller.keyId, ...(via === undefined ? {} : { via }) };
}

/** The envelope (version, ids, tenant, channel, key, time) is filled in here; callers give the rest. */
type EnvelopeKey = 'version' | 'eventId' | 'tenant' | 'channel' | 'recipientKey' | 'at';
export type Publication = {
  [T in GatewayDetailType]: {
    readonly detailType: T;
    readonly detail: Omit<z.input<(typeof eventSchemas)[T]>, EnvelopeKey>;
  };
}[GatewayDetailType];

export interface Change {
  /**
   * The audit event's id when the change comes from an event that may be delivered again (an
   * SNS notification: its SES feedback id, the inbound SMS id), with a fixed `at`: a retry
   * finds the same event recorded and neither writes nor publishes it a second time. Without
   * it, a random id.
   */
  readonly id?: string;
  readonly type: AuditEvent['type'];
  readonly actor: Actor;
  readonly why: string;
  readonly data: Record<string, unknown>;
  /** When the change took effect; defaults to now. */
  readonly at?: string;
  /** The event CRMs receive for this change ("events out"), if any. */
  readonly publish?: Publication;
}

/**
 * Every change to a recipient's state goes through here: the state writes and an
 * append-only audit event for each change (who, what, when, why) commit in one
 * transaction (R15: one is never stored without the other), the events appended to the
 * recipient's hash chain (shared/domain/audit-chain.ts). Each audit event holds the
 * matching event out: nothing is published here, the table's stream publishes the stored
 * event (docs/recipients.md, "Events out"), so an event leaves if and only if its change
 * was committed. If the commit fails, the request fails and nothing is stored (the change
 * is retried with its proof).
 */
/** Changes that count as the person's activity or record an opposition: they reset the retention clocks (R9, R11). */
const RETENTION_CHANGES = new Set<AuditEvent['type']>([
  'profile.updated',
  'consent.given',
  'consent.withdrawn',
  'objection.recorded',
  'suppression.recorded',
]);

export async function recordChanges(
  deps: Dependencies,
  /**
   * `ttl`: the audit events' expiry when the caller knows the recipient's retention (sends).
   * `once`: a keyed send's decision; if the key's decision is in the chain already, nothing is
   * written and EarlierSend is thrown with it (./send-once.ts answers it).
   */
  target: { tenantId: string; recipientKey: string; channel: Channel; ttl?: number; once?: SendOnce },
  changes: readonly Change[],
  /** The state writes these changes record, committed with their events. */
  writes: readonly StateWrite[] = [],
): Promise<AuditEvent[]> {
  if (changes.length === 0) return [];
  const events: AuditEvent[] = changes.map((change) => {
    if (change.id !== undefined && change.at === undefined) {
      // A redelivery must recompute the very same event (its hash is in the chain).
      throw new Error(`Change ${change.id} has a fixed id but no fixed time`);
    }
    return {
      id: change.id ?? randomUUID(),
      at: change.at ?? deps.clock.now().toISOString(),
      type: change.type,
      actor: change.actor,
      why: change.why,
      data: change.data,
    };
  });
  const committed = await deps.store.commitChanges(
    target.tenantId,
    target.recipientKey,
    writes,
    events.map((event, i) => {
      const publish = changes[i]?.publish;
      return {
        event,
        ...(target.ttl !== undefined ? { ttl: target.ttl } : {}),
        ...(changes[i]?.id !== undefined ? { fixedId: true } : {}),
        ...(publish ? { out: outboundOf(target, event, publish) } : {}),
      };
    }),
    target.once === undefined ? undefined : { once: target.once },
  );
  if (committed.outcome === 'earlier') throw new EarlierSend(committed);
  // A redelivery of what an earlier attempt committed (fixed ids), or an objection already
  // recorded under its id: nothing written, nothing published again.
  if (committed.outcome === 'duplicate') return [];
  const writtenIds = new Set(committed.events.map((e) => e.eventId));
  if (changes.some((c) => RETENTION_CHANGES.has(c.type))) {
    // R9/R11: read after the commit, so that the plan sees the change; it sets the TTLs of the
    // events just written and of the state items, and asks for the re-plan of the rest of the
    // partition, not done here (bounded whatever the partition's size; services/retention.ts).
    // The change stands either way: a failure here only leaves the previous TTLs in place
    // until the next re-plan.
    await planRetentionHead(deps, target.tenantId, target.recipientKey)
      .then(async (retention) => {
        if (!retention) return;
        const ttls = committed.events.flatMap(({ sk, eventId }) => {
          const event = events.find((e) => e.id === eventId);
          if (target.ttl !== undefined || event === undefined) return [];
          const ttl = retention.auditTtl(event.type, event.at);
          return ttl === undefined ? [] : [{ sk, ttl }];
        });
        await Promise.all([
          ttls.length > 0 ? deps.store.setTtls(target.tenantId, target.recipientKey, ttls) : undefined,
          retention.apply(),
        ]);
      })
      .catch((error: Error) => {
        deps.log.error('retention not applied', { recipientKey: target.recipientKey, error: error.name });
      });
  }
  return events.filter((e) => writtenIds.has(e.id));
}

/** A keyed send whose decision is in the recipient's chain already: nothing was written. */
export class EarlierSend extends Error {
  override name = 'EarlierSend';
  constructor(readonly earlier: Extract<CommitOutcome, { outcome: 'earlier' }>) {
    super('This send key was decided already');
  }
}

/**
 * The event out of a change, with its envelope: stored with the audit event (attribute
 * `out`) and published from the table's stream, with the audit event's id as `eventId`,
 * the id consumers dedupe on (shared/domain/stream-events.ts).
 */
export function outboundOf(
  target: { tenantId: string; recipientKey: string; channel: Channel },
  event: Pick<AuditEvent, 'id' | 'at'>,
  publish: Publication,
): GatewayEvent {
  return gatewayEvent(publish.detailType, {
    ...publish.detail,
    version: 1,
    eventId: event.id,
    tenant: target.tenantId,
    channel: target.channel,
    recipientKey: target.recipientKey,
    at: event.at,
    // The detail type and its fields were checked together by Publication's type; the
    // correlation is lost through the union, and the schema parse in gatewayEvent checks it again.
  } as never);
}
