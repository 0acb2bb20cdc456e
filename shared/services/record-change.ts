import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { AlreadyRecordedError } from '../ports/gateway-store';
import type { Actor, AuditEvent } from '../schemas/audit';
import {
  type eventSchemas,
  type GatewayDetailType,
  type GatewayEvent,
  gatewayEvent,
} from '../schemas/events';
import type { Channel } from '../schemas/vocabulary';
import type { Caller, Dependencies } from './dependencies';
import { planRetentionHead, type RetentionHead } from './retention';

/** Who acted, as the audit trail names them: an API key by its id (never the key), or the recipient on a page. */
export function actorOf(caller: Caller): Actor {
  return { type: caller.role === 'admin' ? 'admin_key' : 'sender_key', id: caller.keyId };
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
 * Every change to a recipient's state goes through here after the state write: an
 * append-only audit event (who, what, when, why) holding the matching event out. The audit
 * write is part of the request: if it fails, the request fails (the change is retried
 * with its proof). Nothing is published here: the table's stream publishes the stored
 * event (docs/recipients.md, "Events out"), so an event leaves if and only if its audit
 * event was stored.
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
  /** `ttl`: the audit events' expiry when the caller knows the recipient's retention (sends). */
  target: { tenantId: string; recipientKey: string; channel: Channel; ttl?: number },
  changes: readonly Change[],
): Promise<AuditEvent[]> {
  const written: AuditEvent[] = [];
  // R9/R11: read after the state write, so that the audit events below get their TTL as
  // they are written, and the re-plan of the rest of the partition is asked for, not done
  // here (bounded whatever the partition's size; services/retention.ts).
  let retention: RetentionHead | undefined;
  if (changes.some((c) => RETENTION_CHANGES.has(c.type))) {
    // The change stands either way: a failure here only leaves the previous TTLs in place.
    retention = await planRetentionHead(deps, target.tenantId, target.recipientKey).catch((error: Error) => {
      deps.log.error('retention not applied', { recipientKey: target.recipientKey, error: error.name });
      return undefined;
    });
  }
  for (const change of changes) {
    if (change.id !== undefined && change.at === undefined) {
      // The sort key holds the time: a fixed id with "now" would be a second item on a retry.
      throw new Error(`Change ${change.id} has a fixed id but no fixed time`);
    }
    const event: AuditEvent = {
      id: change.id ?? randomUUID(),
      at: change.at ?? deps.clock.now().toISOString(),
      type: change.type,
      actor: change.actor,
      why: change.why,
      data: change.data,
    };
    const ttl = target.ttl ?? retention?.auditTtl(event.type, event.at);
    try {
      await deps.store.appendAudit(
        target.tenantId,
        target.recipientKey,
        event,
        ttl,
        change.publish && outboundOf(target, event, change.publish),
      );
    } catch (error) {
      // A redelivery of what an earlier attempt recorded (same id, same time: same item).
      if (change.id !== undefined && error instanceof AlreadyRecordedError) continue;
      throw error;
    }
    written.push(event);
  }
  if (retention) {
    await retention
      .apply()
      .catch((error: Error) =>
        deps.log.error('retention not applied', { recipientKey: target.recipientKey, error: error.name }),
      );
  }
  return written;
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
