import type { MessageRecord } from '../ports/gateway-store';
import type { AuditEvent } from '../schemas/audit';

/**
 * A recipient's history as a person reads it (the console's recipient page): consents,
 * withdrawals, objections, suppressions, sends, rejections and rights requests, newest first,
 * from the audit trail (which records every change and every decision, R15) and the message
 * items of the paths that still write one (domain/sent-messages.ts).
 */
export type TimelineKind =
  | 'consent'
  | 'withdrawal'
  | 'objection'
  | 'suppression'
  | 'send'
  | 'rejection'
  | 'rights'
  | 'profile'
  | 'other';

export interface TimelineEntry {
  readonly at: string;
  readonly kind: TimelineKind;
  /** The audit event's type, or `message.record` for a message item. */
  readonly type: string;
  readonly actor: { readonly type: string; readonly id?: string; readonly via?: string };
  readonly why: string;
  readonly data: Readonly<Record<string, unknown>>;
}

const KINDS: Readonly<Record<AuditEvent['type'], TimelineKind>> = {
  'profile.updated': 'profile',
  'consent.given': 'consent',
  'consent.requested': 'consent',
  'consent.withdrawn': 'withdrawal',
  'objection.recorded': 'objection',
  'suppression.recorded': 'suppression',
  'decision.sent': 'send',
  'send.failed': 'send',
  'decision.deferred': 'send',
  'decision.scheduled': 'send',
  'message.cancelled': 'send',
  'decision.rejected': 'rejection',
  'data.exported': 'rights',
  'recipient.erased': 'rights',
  'sms_reply.unrecognised': 'other',
  'complaint_hold.set': 'other',
  'complaint_hold.lifted': 'other',
  'key.revoked': 'other',
  'purpose.declared': 'other',
  'wording.stored': 'other',
  'email_identity.used': 'other',
  'email_identity.released': 'other',
  'sms_sender.declared': 'other',
  'sms_sender.released': 'other',
  'sms_settings.changed': 'other',
};

export function timelineOf(
  events: readonly AuditEvent[],
  records: readonly MessageRecord[] = [],
): TimelineEntry[] {
  const inTrail = new Set(
    events.flatMap((e) => (typeof e.data.messageId === 'string' ? [e.data.messageId] : [])),
  );
  const entries: TimelineEntry[] = events.map((e) => ({
    at: e.at,
    kind: KINDS[e.type] ?? 'other',
    type: e.type,
    actor: e.actor,
    why: e.why,
    data: e.data,
  }));
  for (const r of records) {
    if (inTrail.has(r.messageId)) continue;
    entries.push({
      at: r.sentAt ?? r.decidedAt,
      kind: 'send',
      type: 'message.record',
      actor: { type: 'sender_key', id: r.senderKeyId },
      why: `basis ${r.basis}`,
      data: { messageId: r.messageId, purpose: r.purpose, basis: r.basis, channel: r.channel, from: r.from },
    });
  }
  // Newest first; the same instant keeps the trail's order.
  return entries
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => b.entry.at.localeCompare(a.entry.at) || b.index - a.index)
    .map(({ entry }) => entry);
}
