import type { MessageRecord } from '../ports/gateway-store';
import type { AuditEvent } from '../schemas/audit';
import type { Basis } from '../schemas/vocabulary';

/**
 * The messages a recipient was sent, read from the audit trail (R15): a send writes one
 * item, its `decision.sent` event, before the message goes (the record that justifies it:
 * purpose, basis, proof, From, when, which key); a `send.failed` of the same message id
 * says it never went out. The provider's message id is not known when the decision is
 * written: SES's own events link it afterwards (a bounce or complaint event records the
 * SES message id with the gateway's message id from the send's tags). Message records
 * (`M#`) written by earlier versions, or by the paths that still keep one, come first and
 * win for their message id.
 */
export function sentMessagesOf(
  events: readonly AuditEvent[],
  records: readonly MessageRecord[] = [],
): MessageRecord[] {
  const failed = new Set<string>();
  const provider = new Map<string, string>();
  for (const event of events) {
    const { messageId, sesMessageId } = event.data as { messageId?: unknown; sesMessageId?: unknown };
    if (typeof messageId !== 'string') continue;
    if (event.type === 'send.failed') failed.add(messageId);
    else if (typeof sesMessageId === 'string' && !provider.has(messageId))
      provider.set(messageId, sesMessageId);
  }
  const kept = new Set(records.map((r) => r.messageId));
  const fromTrail: MessageRecord[] = [];
  for (const event of events) {
    if (event.type !== 'decision.sent') continue;
    const d = event.data as Record<string, unknown>;
    const messageId = d.messageId;
    if (typeof messageId !== 'string' || failed.has(messageId) || kept.has(messageId)) continue;
    const providerMessageId = provider.get(messageId);
    fromTrail.push({
      messageId,
      ...(providerMessageId === undefined ? {} : { providerMessageId }),
      channel: d.channel === 'sms' ? 'sms' : 'email',
      purpose: String(d.purpose),
      category: d.category as MessageRecord['category'],
      basis: d.basis as Basis,
      proof: d.proof,
      from: String(d.from),
      decidedAt: event.at,
      ...(d.sms === undefined ? {} : { sms: d.sms as MessageRecord['sms'] }),
      senderKeyId: event.actor.id ?? '',
    });
  }
  const linked = records.map((r) => {
    const providerMessageId = r.providerMessageId ?? provider.get(r.messageId);
    return providerMessageId === undefined ? r : { ...r, providerMessageId };
  });
  return [...linked, ...fromTrail].sort((a, b) => a.decidedAt.localeCompare(b.decidedAt));
}
