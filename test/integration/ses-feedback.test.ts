import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * R8 from SES feedback through the local stack: notifications go to the real SesFeedback
 * handler (wrapped in an SNS event by POST /local/ses-feedback), the next sends go through
 * POST /v1/messages as a sender's would.
 */
let gw: LocalGateway;

beforeAll(async () => {
  gw = await startLocalGateway();
});
afterAll(async () => {
  await gw?.stop();
});

const feedback = (body: Record<string, unknown>) =>
  gw.call('POST', '/local/ses-feedback', { body: { tenant: 'demo', ...body } });
const send = (body: unknown) => gw.call('POST', '/v1/messages', { key: gw.senderKey, body });
const receipt = (to: string) => newsletter(to, { purpose: 'order-updates', subject: 'Your order' });

async function consented(address: string) {
  const r = await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
  expect(r.status).toBeLessThan(300);
  expect((await send(newsletter(address))).status).toBe(202);
}

describe('SES feedback', () => {
  it('R8: a permanent bounce suppresses the address for every category, transactional too', async () => {
    await consented('gone@example.org');
    expect((await feedback({ type: 'bounce', to: 'gone@EXAMPLE.org' })).status).toBe(202);
    const marketing = await send(newsletter('gone@example.org'));
    expect(marketing.status).toBe(403);
    expect(marketing.body.reasons).toContain('suppressed_bounce');
    const transactional = await send(receipt('gone@example.org'));
    expect(transactional.status).toBe(403);
    expect(transactional.body.reasons).toEqual(['suppressed_bounce']);
  });

  it('R8: a transient bounce changes nothing', async () => {
    await consented('full@example.org');
    expect((await feedback({ type: 'transient', to: 'full@example.org' })).status).toBe(202);
    expect((await send(newsletter('full@example.org'))).status).toBe(202);
  });

  it('R7/R8: a complaint records an objection and a suppression; marketing refused, transactional allowed', async () => {
    await consented('angry@example.org');
    const before = (await gw.call('GET', '/local/events')).body.events.length as number;
    expect((await feedback({ type: 'complaint', to: 'angry@example.org' })).status).toBe(202);
    const marketing = await send(newsletter('angry@example.org'));
    expect(marketing.status).toBe(403);
    expect(marketing.body.reasons).toEqual(expect.arrayContaining(['suppressed_complaint', 'objection']));
    expect((await send(receipt('angry@example.org'))).status).toBe(202);
    const events = (await gw.call('GET', '/local/events')).body.events.slice(before) as {
      detailType: string;
      detail: Record<string, unknown>;
    }[];
    expect(events.map((e) => e.detailType)).toEqual(['Objection Recorded', 'Suppression Recorded']);
    expect(events[0]?.detail).toMatchObject({ method: 'spam_complaint', scope: { type: 'channel' } });
    expect(JSON.stringify(events)).not.toContain('angry@');
  });

  it('records the same complaint once when SNS delivers it twice (idempotent id from the feedback id)', async () => {
    const notification = {
      eventType: 'Complaint',
      mail: { messageId: 'ses-dup', timestamp: new Date().toISOString(), tags: { tenant: ['demo'] } },
      complaint: {
        complainedRecipients: [{ emailAddress: 'twice@example.org' }],
        timestamp: new Date().toISOString(),
        feedbackId: 'fb-twice',
      },
    };
    const before = (await gw.call('GET', '/local/events')).body.events.length as number;
    expect((await feedback(notification)).status).toBe(202);
    expect((await feedback(notification)).status).toBe(202);
    const events = (await gw.call('GET', '/local/events')).body.events.slice(before);
    expect(events).toHaveLength(2);
  });

  it('refuses a malformed notification (the handler throws: SNS would retry)', async () => {
    const r = await feedback({ eventType: 'Bounce', mail: { messageId: 'x' } });
    expect(r.status).toBe(500);
  });
});
