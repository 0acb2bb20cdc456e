import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionItems, recipientKeyOf } from '../reliability/faults';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * One write per send: the record that justifies the message (its `decision.sent` audit
 * event, written before it goes) is the only item a send adds to the recipient's partition;
 * the export (R15) lists the message from it, and the provider's message id is linked
 * afterwards from SES's own event (its tags carry the gateway's message id).
 */
let gw: LocalGateway;

beforeAll(async () => {
  gw = await startLocalGateway();
});
afterAll(async () => {
  await gw?.stop();
});

const send = (body: unknown) => gw.call('POST', '/v1/messages', { key: gw.senderKey, body });
/** Every item of the recipient's partition (each prefix its items use: docs/architecture.md). */
const everything = async (key: string) =>
  (
    await Promise.all(['A#', 'C#', 'D#', 'E#', 'M#', 'P#', 'R#', 'S#'].map((p) => partitionItems(gw, key, p)))
  ).flat();
const exported = async (key: string) => {
  const r = await gw.call('GET', `/v1/recipients/${key}/export`, { key: gw.adminKey });
  expect(r.status).toBe(200);
  return r.body as { messages: Record<string, unknown>[] };
};

describe('writes per send', () => {
  it('a send adds one item, its decision, and the export lists the message from it', async () => {
    const address = 'one-write@example.org';
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
    const key = await recipientKeyOf(gw, address);
    const before = await everything(key);
    const r = await send(newsletter(address));
    expect(r.status).toBe(202);
    const after = await everything(key);
    const added = after.filter((i) => !before.some((b) => b.sk === i.sk));
    expect(added.map((i) => String(i.sk).slice(0, 4))).toEqual(['A#D#']);
    expect(added[0]?.data).toMatchObject({ type: 'decision.sent', data: { messageId: r.body.messageId } });
    // Delivered, once.
    const mails = (await gw.sentEmails()).filter((m) => m.destination.to[0] === address);
    expect(mails).toHaveLength(1);

    const doc = await exported(key);
    expect(doc.messages).toEqual([
      expect.objectContaining({
        messageId: r.body.messageId,
        channel: 'email',
        purpose: 'newsletter',
        category: 'marketing',
        basis: 'consent',
        from: 'news@shop.example',
        proof: r.body.proof,
        senderKeyId: expect.any(String),
        decidedAt: expect.any(String),
      }),
    ]);
  });

  it("links the provider's message id from SES's own event, by the gateway's message id in its tags", async () => {
    const address = 'linked@example.org';
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
    const key = await recipientKeyOf(gw, address);
    const r = await send(newsletter(address));
    expect(r.status).toBe(202);
    const mail = (await gw.sentEmails()).find((m) => m.destination.to[0] === address)!;
    const at = new Date().toISOString();
    const complaint = await gw.call('POST', '/local/ses-feedback', {
      body: {
        eventType: 'Complaint',
        mail: {
          messageId: mail.messageId,
          timestamp: at,
          tags: { tenant: ['demo'], purpose: ['newsletter'], messageId: [r.body.messageId] },
        },
        complaint: {
          complainedRecipients: [{ emailAddress: address }],
          timestamp: at,
          feedbackId: `fb-linked-${Date.now()}`,
        },
      },
    });
    expect(complaint.status).toBe(202);
    const doc = await exported(key);
    expect(doc.messages).toEqual([
      expect.objectContaining({ messageId: r.body.messageId, providerMessageId: mail.messageId }),
    ]);
  });

  it('an idempotent send replays its first outcome across the new layout, sending once', async () => {
    const address = 'replayed@example.org';
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
    const key = await recipientKeyOf(gw, address);
    const body = newsletter(address, { idempotencyKey: `replay-${Date.now()}` });
    const first = await send(body);
    const second = await send(body);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect((await gw.sentEmails()).filter((m) => m.destination.to[0] === address)).toHaveLength(1);
    expect((await exported(key)).messages.map((m) => m.messageId)).toEqual([first.body.messageId]);
    expect(await partitionItems(gw, key, 'M#')).toEqual([]);
  });
});
