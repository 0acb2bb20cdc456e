import { describe, expect, it } from 'vitest';
import { sentMessagesOf } from '../../shared/domain/sent-messages';
import type { MessageRecord } from '../../shared/ports/gateway-store';
import type { AuditEvent } from '../../shared/schemas/audit';

const actor = { type: 'sender_key' as const, id: 'key-1' };
const sent = (messageId: string, at: string, extra: Record<string, unknown> = {}): AuditEvent => ({
  id: `e-${messageId}`,
  at,
  type: 'decision.sent',
  actor,
  why: 'basis consent',
  data: {
    messageId,
    purpose: 'newsletter',
    category: 'marketing',
    from: 'a@b.c',
    basis: 'consent',
    proof: { ref: 'p' },
    ...extra,
  },
});

describe('sentMessagesOf (R15: the messages sent, from the decisions)', () => {
  it('lists each decision.sent, leaves out those whose send failed, and links the SES id from feedback', () => {
    const events: AuditEvent[] = [
      sent('m1', '2026-01-01T00:00:00.000Z'),
      sent('m2', '2026-01-02T00:00:00.000Z', { channel: 'sms', sms: { encoding: 'GSM-7', segments: 1 } }),
      sent('m3', '2026-01-03T00:00:00.000Z'),
      {
        id: 'f',
        at: '2026-01-03T00:00:01.000Z',
        type: 'send.failed',
        actor,
        why: 'x',
        data: { messageId: 'm3' },
      },
      {
        id: 's',
        at: '2026-01-04T00:00:00.000Z',
        type: 'suppression.recorded',
        actor: { type: 'system' },
        why: 'R8',
        data: { reason: 'bounce', sesMessageId: 'ses-1', messageId: 'm1' },
      },
    ];
    const messages = sentMessagesOf(events);
    expect(messages.map((m) => m.messageId)).toEqual(['m1', 'm2']);
    expect(messages[0]).toEqual({
      messageId: 'm1',
      providerMessageId: 'ses-1',
      channel: 'email',
      purpose: 'newsletter',
      category: 'marketing',
      basis: 'consent',
      proof: { ref: 'p' },
      from: 'a@b.c',
      decidedAt: '2026-01-01T00:00:00.000Z',
      senderKeyId: 'key-1',
    });
    expect(messages[1]).toMatchObject({ channel: 'sms', sms: { encoding: 'GSM-7', segments: 1 } });
    expect(messages[1]?.providerMessageId).toBeUndefined();
  });

  it('a message item of the same id wins (written by earlier versions, with its provider id)', () => {
    const record: MessageRecord = {
      messageId: 'm1',
      providerMessageId: 'ses-old',
      channel: 'email',
      purpose: 'newsletter',
      category: 'marketing',
      basis: 'consent',
      proof: {},
      from: 'a@b.c',
      decidedAt: '2026-01-01T00:00:00.000Z',
      sentAt: '2026-01-01T00:00:00.100Z',
      senderKeyId: 'key-1',
    };
    expect(sentMessagesOf([sent('m1', '2026-01-01T00:00:00.000Z')], [record])).toEqual([record]);
  });
});
