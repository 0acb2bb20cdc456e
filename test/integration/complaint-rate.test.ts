import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeDependencies } from '../../shared/http/runtime';
import { getComplaintRate } from '../../shared/services/complaint-rate';
import { newTenant } from '../../shared/services/state';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * Mailbox provider thresholds through the local stack: deliveries and complaints replayed to
 * the real SesFeedback handler (POST /local/ses-feedback), the hold seen by POST /v1/messages
 * as a sender would, and read and lifted through the admin API. The steps build on each other.
 */
let gw: LocalGateway;

beforeAll(async () => {
  gw = await startLocalGateway();
}, 60_000);
afterAll(async () => {
  await gw?.stop();
});

const feedback = async (body: Record<string, unknown>) => {
  const r = await gw.call('POST', '/local/ses-feedback', { body: { tenant: 'demo', ...body } });
  expect(r.status, r.text).toBe(202);
  return r;
};
const send = (body: unknown) => gw.call('POST', '/v1/messages', { key: gw.senderKey, body });
const receipt = (to: string) => newsletter(to, { purpose: 'order-updates', subject: 'Your order' });
const rate = async () => {
  const r = await gw.call('GET', '/v1/complaint-rate', { key: gw.adminKey });
  expect(r.status, r.text).toBe(200);
  return r.body;
};
const events = async () =>
  (await gw.call('GET', '/local/events')).body.events as {
    detailType: string;
    detail: Record<string, unknown>;
  }[];
const complaint = (feedbackId: string, to: string) => ({
  eventType: 'Complaint',
  mail: { messageId: `ses-${feedbackId}`, timestamp: new Date().toISOString(), tags: { tenant: ['demo'] } },
  complaint: {
    complainedRecipients: [{ emailAddress: to }],
    timestamp: new Date().toISOString(),
    feedbackId,
  },
});

describe('complaint-rate settings', () => {
  it('takes the thresholds with PUT /v1/settings/complaints and refuses a warning above the hold', async () => {
    const bad = await gw.call('PUT', '/v1/settings/complaints', {
      key: gw.adminKey,
      body: { holdRate: 0.001, warningRate: 0.002 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.issues).toEqual([expect.objectContaining({ field: 'warningRate' })]);
    const ok = await gw.call('PUT', '/v1/settings/complaints', {
      key: gw.adminKey,
      body: { windowDays: 7, holdRate: 0.003, warningRate: 0.001, minSends: 1000 },
    });
    expect(ok.status).toBe(200);
    const tenant = await gw.call('GET', '/v1/tenant', { key: gw.adminKey });
    expect(tenant.body.settings.complaintRate).toEqual({
      windowDays: 7,
      holdRate: 0.003,
      warningRate: 0.001,
      minSends: 1000,
    });
  });

  it('is admin only', async () => {
    expect((await gw.call('GET', '/v1/complaint-rate', { key: gw.senderKey })).status).toBe(403);
    expect((await gw.call('DELETE', '/v1/complaint-hold')).status).toBe(401);
  });
});

describe('complaint rate and hold, end to end', () => {
  it('starts at zero, status ok, every day of the window listed', async () => {
    const r = await rate();
    expect(r).toMatchObject({ windowDays: 7, sends: 0, complaints: 0, rate: null, status: 'ok' });
    expect(r.days).toHaveLength(7);
    expect(r.hold).toBeUndefined();
  });

  it('counts deliveries (SES Delivery events); sends alone do not count', async () => {
    await feedback({ type: 'delivery', count: 1000 });
    await feedback({
      eventType: 'Send',
      mail: { messageId: 'ses-send-only', timestamp: new Date().toISOString(), tags: { tenant: ['demo'] } },
    });
    const r = await rate();
    expect(r).toMatchObject({ sends: 1000, complaints: 0, rate: 0, enoughVolume: true, status: 'ok' });
    expect(r.days.at(-1)).toEqual({ day: new Date().toISOString().slice(0, 10), sends: 1000, complaints: 0 });
  });

  it('counts a complaint once however often SNS delivers it; 1 of 1,000 is a warning, not a hold', async () => {
    const notification = complaint('fb-rate-1', 'angry1@example.org');
    await feedback(notification);
    await feedback(notification);
    await feedback(notification);
    const r = await rate();
    expect(r).toMatchObject({ sends: 1000, complaints: 1, rate: 0.001, status: 'warning' });
    expect(r.hold).toBeUndefined();
  });

  it('sets the hold at 0.3%: marketing email refused with complaint_rate_hold, transactional still goes', async () => {
    expect(
      (await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent('bob@example.org') }))
        .status,
    ).toBeLessThan(300);
    expect((await send(newsletter('bob@example.org'))).status).toBe(202);

    const before = (await events()).length;
    await feedback(complaint('fb-rate-2', 'angry2@example.org'));
    expect((await rate()).status).toBe('warning');
    await feedback(complaint('fb-rate-3', 'angry3@example.org'));

    const r = await rate();
    expect(r).toMatchObject({
      status: 'hold',
      complaints: 3,
      hold: { sends: 1000, complaints: 3, rate: 0.003, windowDays: 7 },
    });
    expect(r.history).toEqual([
      expect.objectContaining({
        type: 'complaint_hold.set',
        actor: { type: 'system', id: 'complaint-rate' },
      }),
    ]);
    const published = (await events()).slice(before).filter((e) => e.detailType.startsWith('Complaint Hold'));
    expect(published).toEqual([
      expect.objectContaining({
        detailType: 'Complaint Hold Set',
        detail: expect.objectContaining({ tenant: 'demo', complaints: 3, sends: 1000, holdRate: 0.003 }),
      }),
    ]);

    const marketing = await send(newsletter('bob@example.org'));
    expect(marketing.status).toBe(403);
    expect(marketing.body.reasons).toEqual(['complaint_rate_hold']);
    expect((await send(receipt('bob@example.org'))).status).toBe(202);
  });

  it('a redelivered complaint while held sets nothing twice', async () => {
    const before = (await events()).length;
    await feedback(complaint('fb-rate-3', 'angry3@example.org'));
    expect((await rate()).complaints).toBe(3);
    expect((await events()).slice(before).filter((e) => e.detailType === 'Complaint Hold Set')).toEqual([]);
  });

  it('DELETE /v1/complaint-hold lifts it, recorded with the admin key; marketing goes again', async () => {
    const before = (await events()).length;
    const lifted = await gw.call('DELETE', '/v1/complaint-hold', { key: gw.adminKey });
    expect(lifted.status).toBe(200);
    expect(lifted.body).toMatchObject({
      lifted: true,
      lastHoldLift: {
        by: { type: 'admin_key', id: expect.any(String) },
        hold: { complaints: 3, sends: 1000 },
        baseline: { sends: 1000, complaints: 3 },
      },
    });
    const published = (await events()).slice(before);
    expect(published).toEqual([
      expect.objectContaining({
        detailType: 'Complaint Hold Lifted',
        detail: expect.objectContaining({ tenant: 'demo', liftedBy: lifted.body.lastHoldLift.by.id }),
      }),
    ]);
    const r = await rate();
    // The window still holds the complaints, as the mailbox providers see it: a warning, no hold.
    expect(r).toMatchObject({ status: 'warning', complaints: 3 });
    expect(r.hold).toBeUndefined();
    expect(r.history.map((e: { type: string }) => e.type)).toEqual([
      'complaint_hold.lifted',
      'complaint_hold.set',
    ]);
    expect((await send(newsletter('bob@example.org'))).status).toBe(202);
  });

  it("the history lists the holds only: a key revoked and a purpose declared since are in the tenant's trail (GET /v1/audit), not in it", async () => {
    const created = await gw.call('POST', '/v1/keys', {
      key: gw.adminKey,
      body: { role: 'sender', label: 'old CRM' },
    });
    expect(created.status).toBe(201);
    expect((await gw.call('DELETE', `/v1/keys/${created.body.keyId}`, { key: gw.adminKey })).status).toBe(
      200,
    );
    const purpose = await gw.call('PUT', '/v1/purposes/winter-deals', {
      key: gw.adminKey,
      body: { name: 'Winter deals', category: 'marketing', productFamily: 'winter', topics: ['winter'] },
    });
    expect(purpose.status).toBe(200);
    // Before, the history was the trail's latest 20 events of any kind: these two came first.
    expect((await rate()).history.map((e: { type: string }) => e.type)).toEqual([
      'complaint_hold.lifted',
      'complaint_hold.set',
    ]);
    const trail = await gw.call('GET', '/v1/audit', { key: gw.adminKey });
    expect(trail.status).toBe(200);
    expect(trail.body.events.map((e: { type: string }) => e.type).slice(0, 4)).toEqual([
      'purpose.declared',
      'key.revoked',
      'complaint_hold.lifted',
      'complaint_hold.set',
    ]);
  });

  it('is idempotent: a second DELETE answers 200 with lifted false and changes nothing', async () => {
    const again = await gw.call('DELETE', '/v1/complaint-hold', { key: gw.adminKey });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      lifted: false,
      message: expect.stringContaining('No complaint-rate hold'),
    });
    expect((await rate()).history).toHaveLength(2);
  });

  it('the complaints behind a lifted hold do not set it again; new ones on enough new volume do', async () => {
    await feedback(complaint('fb-rate-4', 'angry4@example.org'));
    expect((await rate()).hold).toBeUndefined();
    expect((await send(newsletter('bob@example.org'))).status).toBe(202);

    await feedback({ type: 'delivery', count: 1000 });
    for (const n of [5, 6]) await feedback(complaint(`fb-rate-${n}`, `angry${n}@example.org`));
    const r = await rate();
    // Since the lift: 1,000 deliveries, 3 complaints (4, 5, 6): 0.3% again.
    expect(r).toMatchObject({
      status: 'hold',
      sends: 2000,
      complaints: 6,
      hold: { sends: 1000, complaints: 3 },
    });
    expect((await send(newsletter('bob@example.org'))).body.reasons).toEqual(['complaint_rate_hold']);
  });
});

describe('complaints first, volume later', () => {
  it('sets the hold once the deliveries reach the minimum volume (judged every 100 deliveries)', async () => {
    const deps = runtimeDependencies();
    expect(await deps.tenants.createTenant(newTenant('late', 'Late Shop', ['late.example']))).toBe(true);
    const admin = { tenantId: 'late', keyId: 'test', role: 'admin' as const };
    for (const n of [1, 2, 3, 4]) {
      await feedback({
        ...complaint(`fb-late-${n}`, `late${n}@example.org`),
        mail: { messageId: `late-${n}`, timestamp: new Date().toISOString(), tags: { tenant: ['late'] } },
      });
    }
    await feedback({ type: 'delivery', count: 950, tenant: 'late' });
    expect(await getComplaintRate(deps, admin)).toMatchObject({
      sends: 950,
      complaints: 4,
      enoughVolume: false,
      status: 'ok',
    });
    // Deliveries one by one, as SES publishes them: the 1,000th crosses a multiple of 100.
    for (let i = 0; i < 50; i++)
      await feedback({ type: 'delivery', to: `r${i}@example.org`, tenant: 'late' });
    expect(await getComplaintRate(deps, admin)).toMatchObject({
      sends: 1000,
      complaints: 4,
      status: 'hold',
      hold: { sends: 1000, complaints: 4, rate: 0.004 },
    });
  });

  it('ignores a delivery without a tenant tag (not sent through the gateway)', async () => {
    const deps = runtimeDependencies();
    const before = (await getComplaintRate(deps, { tenantId: 'late', keyId: 'test', role: 'admin' })).sends;
    await feedback({
      eventType: 'Delivery',
      mail: { messageId: 'x', timestamp: new Date().toISOString(), tags: {} },
      delivery: { recipients: ['a@example.org'] },
    });
    expect((await getComplaintRate(deps, { tenantId: 'late', keyId: 'test', role: 'admin' })).sends).toBe(
      before,
    );
  });
});
