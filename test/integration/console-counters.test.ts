import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableStreamArn } from '../../infra/local/local-stack';
import { memoryCheckpoints, type StreamHandler, StreamPoller } from '../../infra/local/stream-poller';
import { runtimeDependencies } from '../../shared/http/runtime';
import { readOverview } from '../../shared/services/counters';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';
import { SEND_PATHS, sendPaths } from '../support/send-paths';

/**
 * The console's counters through the local stack: sends, a rejection, objections (API,
 * one-click, a complaint) through the real handlers, counted by the real CountEvents from
 * DynamoDB Local's stream (the local poller), read back with readOverview; then the whole
 * stream handed again to CountEvents from its start, and nothing counted twice.
 */
let gw: LocalGateway;
beforeAll(async () => {
  gw = await startLocalGateway();
}, 60_000);
afterAll(async () => {
  await gw?.stop();
});

const today = () => new Date().toISOString().slice(0, 10);
const admin = (method: string, path: string, body?: unknown) =>
  gw.call(method, path, { key: gw.adminKey, body });
const send = (body: unknown) => gw.call('POST', '/v1/messages', { key: gw.senderKey, body });
const overview = async () => {
  await gw.counterStream.caughtUp();
  return readOverview(runtimeDependencies(), 'demo', { days: 90, now: new Date() });
};
const last = (series: readonly number[]) => series[series.length - 1];
const inventory = (o: Awaited<ReturnType<typeof overview>>) => ({
  recipients: o.inventory.recipients,
  sendable: o.inventory.sendable.filter((s) => s.purpose === 'newsletter'),
  suppressed: o.inventory.suppressed,
});

describe('console counters from the table stream', () => {
  it('counts sends, rejections with their reasons, and objections by channel and method, per day', async () => {
    // Sent on consent, and a transactional one on the contract (R6).
    expect((await admin('POST', '/v1/consents', provableConsent('reader@example.org'))).status).toBe(201);
    expect((await send(newsletter('reader@example.org'))).status).toBe(202);
    const receipt = await send(
      newsletter('buyer@example.org', { purpose: 'order-updates', subject: 'Your order' }),
    );
    expect(receipt.status).toBe(202);
    // R1: refused, consent_missing.
    const refused = await send(newsletter('stranger@example.org'));
    expect(refused.status).toBe(403);
    expect(refused.body.reasons).toContain('consent_missing');
    // R7: an objection through the API, a one-click unsubscribe from the message received.
    expect(
      (
        await admin('POST', '/v1/objections', {
          channel: 'email',
          address: 'buyer@example.org',
          scope: { type: 'channel' },
        })
      ).status,
    ).toBe(201);
    const stored = (await gw.sentEmails())
      .filter((e) => e.destination.to.includes('reader@example.org'))
      .at(-1)!;
    const link =
      stored.headers?.find((h) => h.name === 'List-Unsubscribe')?.value.replace(/^<|>$/g, '') ?? '';
    const click = await gw.call('POST', new URL(link).pathname, {
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(click.status).toBe(200);
    // R8: a complaint (an objection and a suppression), and deliveries for the rate.
    const at = new Date().toISOString();
    for (const body of [
      { type: 'delivery', count: 40 },
      {
        eventType: 'Complaint',
        mail: { messageId: 'ses-counters-1', timestamp: at, tags: { tenant: ['demo'] } },
        complaint: {
          complainedRecipients: [{ emailAddress: 'stranger@example.org' }],
          timestamp: at,
          feedbackId: 'fb-counters-1',
        },
      },
    ])
      expect(
        (await gw.call('POST', '/local/ses-feedback', { body: { tenant: 'demo', ...body } })).status,
      ).toBe(202);

    const o = await overview();
    expect(o.days).toHaveLength(90);
    expect(o.days.at(-1)).toBe(today());
    expect([last(o.decisions.sent), last(o.decisions.rejected), last(o.decisions.deferred)]).toEqual([
      2, 1, 0,
    ]);
    expect(o.decisions.sent.slice(0, -1).every((n) => n === 0)).toBe(true);
    expect(o.decisions.breakdown).toEqual(
      expect.arrayContaining([
        { outcome: 'sent', channel: 'email', purpose: 'newsletter', total: 1 },
        { outcome: 'sent', channel: 'email', purpose: 'order-updates', total: 1 },
        { outcome: 'rejected', channel: 'email', purpose: 'newsletter', total: 1 },
      ]),
    );
    expect(o.decisions.breakdown).toHaveLength(3);
    // Each reason the refusal gave (R1's and R2's), once.
    expect(o.reasons.map((r) => [r.reason, r.channel, r.total, last(r.perDay)]).sort()).toEqual(
      (refused.body.reasons as string[]).map((reason) => [reason, 'email', 1, 1]).sort(),
    );
    expect(refused.body.reasons).toHaveLength(2);
    expect(o.objections.map((x) => `${x.channel}|${x.method}=${x.total}`).sort()).toEqual([
      'email|one_click=1',
      'email|request_to_controller=1',
      'email|spam_complaint=1',
    ]);
    expect([
      last(o.complaintRate.sends),
      last(o.complaintRate.complaints),
      o.complaintRate.rate.at(-1),
    ]).toEqual([40, 1, 1 / 40]);
    expect([o.complaintRate.warningRate, o.complaintRate.holdRate]).toEqual([0.001, 0.003]);
  });

  it('keeps the inventory from each recipient standing: a consent makes one sendable, an objection takes it back', async () => {
    const before = inventory(await overview());
    const count = (o: ReturnType<typeof inventory>, basis: string) =>
      o.sendable.find((s) => s.channel === 'email' && s.basis === basis)?.count ?? 0;
    const consumers = (o: ReturnType<typeof inventory>) =>
      o.recipients.find((r) => r.channel === 'email' && r.audience === 'consumer')?.count ?? 0;

    const address = 'inventory-1@example.org';
    expect(
      (await admin('PUT', '/v1/recipients', { channel: 'email', address, audience: 'consumer' })).status,
    ).toBe(200);
    const known = inventory(await overview());
    expect(consumers(known)).toBe(consumers(before) + 1);
    expect(count(known, 'consent')).toBe(count(before, 'consent'));

    expect((await admin('POST', '/v1/consents', provableConsent(address))).status).toBe(201);
    const consented = inventory(await overview());
    expect(count(consented, 'consent')).toBe(count(before, 'consent') + 1);
    expect(consumers(consented)).toBe(consumers(before) + 1);

    expect(
      (await admin('POST', '/v1/objections', { channel: 'email', address, scope: { type: 'channel' } }))
        .status,
    ).toBe(201);
    const objected = inventory(await overview());
    expect(count(objected, 'consent')).toBe(count(before, 'consent'));
    expect(consumers(objected)).toBe(consumers(before) + 1);
  });

  it('counts a send and a refusal on every send path: the HTTP API, the bulk queue and the SES endpoint', async () => {
    const paths = await sendPaths(gw);
    try {
      const sent = (o: Awaited<ReturnType<typeof overview>>, outcome: string) =>
        o.decisions.breakdown.find(
          (b) => b.outcome === outcome && b.channel === 'email' && b.purpose === 'newsletter',
        )?.total ?? 0;
      const before = await overview();
      for (const path of SEND_PATHS) {
        const address = `every-path-${path}@example.org`;
        expect((await admin('POST', '/v1/consents', provableConsent(address))).status).toBe(201);
        expect((await paths.send(path, address)).outcome).toBe('sent');
        expect((await paths.send(path, `no-consent-${path}@example.org`)).outcome).toBe('rejected');
      }
      const after = await overview();
      // The SES endpoint's sends (and the SMTP relay's, which goes through it) were not counted:
      // their decision.sent had no channel (this failed with 2 against 3).
      expect(sent(after, 'sent') - sent(before, 'sent')).toBe(3);
      expect(sent(after, 'rejected') - sent(before, 'rejected')).toBe(3);
    } finally {
      paths.close();
    }
  });

  it('the whole stream handed to CountEvents again, from its start: nothing counted twice', async () => {
    const once = await overview();
    const { handler } = (await import('../../functions/count-events')) as { handler: StreamHandler };
    const again = new StreamPoller({
      endpoint: gw.dynamodbUrl,
      streamArn: await tableStreamArn(gw.dynamodbUrl, gw.tableName),
      handler: () => Promise.resolve(handler),
      name: 'CountEvents',
      checkpoints: memoryCheckpoints(),
      idleMs: 50,
    });
    again.start();
    try {
      await again.caughtUp();
      expect(again.handled).toBeGreaterThan(20);
    } finally {
      await again.close();
    }
    const twice = await overview();
    expect(twice.decisions).toEqual(once.decisions);
    expect(twice.reasons).toEqual(once.reasons);
    expect(twice.objections).toEqual(once.objections);
    expect(twice.inventory).toEqual(once.inventory);
  });
});
