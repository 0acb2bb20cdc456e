import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import type { Dependencies } from '../../shared/services/dependencies';
import { type LocalGateway, smsConsent, smsPromo, startLocalGateway } from '../support/local-gateway';

/**
 * The SMS channel through HTTP against the local stack: the local End User Messaging
 * stand-in records what the real SDK client sends, replies go through the real inbound
 * handler, and the deferred runner is the real scheduled function. The clock is the
 * only thing set by the test, so that R14 does not depend on when CI runs.
 */
let gw: LocalGateway;
let real: Dependencies;
let now = new Date('2026-06-16T08:00:00Z'); // a Tuesday, 10:00 in Paris

beforeAll(async () => {
  gw = await startLocalGateway();
  real = runtimeDependencies();
  setDependencies({ ...real, clock: { now: () => now } });
});
afterEach(() => {
  now = new Date('2026-06-16T08:00:00Z');
});
afterAll(async () => {
  setDependencies(real);
  await gw?.stop();
});

const send = (body: unknown) => gw.call('POST', '/v1/messages', { key: gw.senderKey, body });
const outboxTo = (e164: string) => gw.sms.outbox.filter((m) => m.to === e164);

describe('sending an SMS', () => {
  it('R1: is refused without an SMS consent, and nothing is sent', async () => {
    const r = await send(smsPromo('06 11 11 11 11'));
    expect(r.status).toBe(403);
    expect(r.body.reasons).toEqual(['consent_missing', 'soft_opt_in_not_applicable']);
    expect(outboxTo('+33611111111')).toHaveLength(0);
  });

  it('R1: an email consent never allows an SMS', async () => {
    await gw.call('POST', '/v1/consents', {
      key: gw.adminKey,
      body: {
        ...smsConsent('x@example.org'),
        channel: 'email',
        wordingVersion: 'newsletter-v1',
        wording: undefined,
      },
    });
    const r = await send(smsPromo('+33622222222'));
    expect(r.body.reasons).toContain('consent_missing');
  });

  it('R10: is sent with the free opt-out mention, its encoding and segments reported', async () => {
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: smsConsent('06 12 34 56 78') });
    const r = await send(smsPromo('06 12 34 56 78'));
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ decision: 'sent', basis: 'consent', encoding: 'GSM-7', segments: 1 });
    const [sms] = outboxTo('+33612345678');
    expect(sms).toMatchObject({
      originationIdentity: 'phone-number/local-36123',
      messageType: 'PROMOTIONAL',
      body: 'Demo Shop: -20% on books this week\nSTOP au 36123',
    });
  });

  it('R10: marketing to a consumer from an ordinary number is refused', async () => {
    await gw.call('PUT', '/v1/operator/tenants/demo/sms-senders/+33700000001', {
      key: gw.operatorKey,
      body: { type: 'long_code', originationIdentity: 'phone-number/local-long' },
    });
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: smsConsent('+33633333333') });
    const r = await send(smsPromo('+33633333333', { from: '+33700000001' }));
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ reasons: ['sender_not_allowed'], rules: ['R10'] });
  });

  it('answers a 400 for an impossible number or a message above the maximum segments', async () => {
    const bad = await send(smsPromo('06 12'));
    expect(bad.status).toBe(400);
    expect(bad.body.issues).toEqual([
      { field: 'to', problem: expect.stringMatching(/not a valid phone number/) },
    ]);
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: smsConsent('+33644444444') });
    const long = await send(smsPromo('+33644444444', { body: '😀'.repeat(150) }));
    expect(long.status).toBe(400);
    expect(long.body.issues[0]).toMatchObject({
      field: 'body',
      problem: expect.stringMatching(/UCS-2 segments .* at most 3/),
    });
    expect(outboxTo('+33644444444')).toHaveLength(0);
  });
});

describe('R14 sending hours', () => {
  it('defers a marketing SMS sent on Saturday night, and sends it once when Monday 08:00 comes', async () => {
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: smsConsent('+33655555555') });
    now = new Date('2026-06-20T19:30:00Z'); // Saturday 21:30 in Paris
    const r = await send(smsPromo('+33655555555'));
    expect(r.body.reasons).toEqual(['quiet_hours']);
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({
      decision: 'deferred',
      notBefore: '2026-06-22T06:00:00.000Z',
      reasons: ['quiet_hours'],
      rules: ['R14'],
      segments: 1,
    });

    now = new Date('2026-06-21T12:00:00Z'); // Sunday: still closed
    await gw.sms.runDeferred();
    expect(outboxTo('+33655555555')).toHaveLength(0);

    now = new Date('2026-06-22T06:01:00Z'); // Monday 08:01
    await Promise.all([gw.sms.runDeferred(), gw.sms.runDeferred()]); // two concurrent runs
    await gw.sms.runDeferred();
    expect(outboxTo('+33655555555')).toHaveLength(1);
    expect(outboxTo('+33655555555')[0]!.body).toContain('STOP au 36123');
  });

  it('with an idempotency key: a retry answers the first deferral or send whole (reasons, segments) and adds nothing', async () => {
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: smsConsent('+33656565656') });
    now = new Date('2026-06-20T19:30:00Z'); // Saturday 21:30 in Paris
    const night = { ...smsPromo('+33656565656'), idempotencyKey: 'sms-night-1' };
    const first = await send(night);
    expect(first.body).toMatchObject({ decision: 'deferred', reasons: ['quiet_hours'], segments: 1 });
    const again = await send(night);
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    now = new Date('2026-06-22T06:01:00Z'); // Monday 08:01
    await gw.sms.runDeferred();
    expect(outboxTo('+33656565656')).toHaveLength(1);

    const day = { ...smsPromo('+33656565656'), idempotencyKey: 'sms-day-1' };
    const sent = await send(day);
    expect(sent.body).toMatchObject({ decision: 'sent', encoding: 'GSM-7', segments: 1 });
    const replayed = await send(day);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.body).toEqual(sent.body);
    expect(outboxTo('+33656565656')).toHaveLength(2);
  });

  it('decides a deferred SMS again when its slot comes: a STOP received meanwhile wins', async () => {
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: smsConsent('+33666666666') });
    now = new Date('2026-07-14T09:00:00Z'); // 14 July, a public holiday
    const r = await send(smsPromo('+33666666666'));
    expect(r.body).toMatchObject({ decision: 'deferred', notBefore: '2026-07-15T06:00:00.000Z' });
    await gw.sms.reply('+33666666666', '36123', 'Arrêt');
    now = new Date('2026-07-15T07:00:00Z');
    await gw.sms.runDeferred();
    expect(outboxTo('+33666666666')).toHaveLength(0);
  });

  it("sends with the tenant's configuration set when it has one", async () => {
    const settings = await gw.call('PUT', '/v1/settings/sms', {
      key: gw.adminKey,
      body: { configurationSetName: 'demo-sms-events' },
    });
    expect(settings.status).toBe(200);
    try {
      const r = await send(
        smsPromo('+33677777700', { purpose: 'order-updates', body: 'Your parcel is on its way' }),
      );
      expect(r.body.decision).toBe('sent');
      expect(outboxTo('+33677777700')[0]).toMatchObject({ configurationSetName: 'demo-sms-events' });
    } finally {
      await gw.call('PUT', '/v1/settings/sms', { key: gw.adminKey, body: {} });
    }
  });

  it('never holds a transactional SMS', async () => {
    now = new Date('2026-06-21T21:00:00Z'); // Sunday 23:00
    const r = await send(
      smsPromo('+33677777777', { purpose: 'order-updates', body: 'Your order 1001 has shipped' }),
    );
    expect(r.body).toMatchObject({ decision: 'sent', basis: 'contract' });
    expect(outboxTo('+33677777777')[0]).toMatchObject({
      body: 'Your order 1001 has shipped',
      messageType: 'TRANSACTIONAL',
    });
  });
});

describe('replies', () => {
  it('R7: a STOP reply records an objection with its proof; the next send is refused; START re-opens', async () => {
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: smsConsent('+33688888888') });
    expect((await send(smsPromo('+33688888888'))).status).toBe(202);

    await gw.sms.reply('+33688888888', '36123', '  stop sms ');
    const refused = await send(smsPromo('+33688888888'));
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ reasons: ['objection'], rules: ['R7'] });

    const key = (
      await gw.call('PUT', '/v1/recipients', {
        key: gw.adminKey,
        body: { channel: 'sms', address: '+33688888888', audience: 'consumer' },
      })
    ).body.recipientKey;
    const state = await gw.call('GET', `/v1/recipients/${key}`, { key: gw.adminKey });
    expect(state.body.objections).toEqual([
      expect.objectContaining({
        scope: { type: 'channel' },
        method: 'sms_stop',
        source: 'SMS reply to 36123',
      }),
    ]);

    // The objection is audited and published, with the recipient key and never the number.
    const trail = await gw.call('GET', `/v1/recipients/${key}/audit`, { key: gw.adminKey });
    expect(trail.body.events.map((e: { type: string }) => e.type)).toContain('objection.recorded');
    const events = (
      (await (await fetch(`${gw.apiUrl}/local/events`)).json()) as {
        events: { detailType: string; detail: Record<string, unknown> }[];
      }
    ).events;
    const published = events.filter(
      (e) => e.detailType === 'Objection Recorded' && e.detail.recipientKey === key,
    );
    expect(published).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ channel: 'sms', method: 'sms_stop' }) }),
    ]);
    expect(JSON.stringify(published)).not.toContain('688888888');

    // R7: a consent reopens only when given and recorded after the objection: a minute later.
    now = new Date(now.getTime() + 60_000);
    await gw.sms.reply('+33688888888', '36123', 'START');
    const again = await send(smsPromo('+33688888888'));
    expect(again.body).toMatchObject({ decision: 'sent', basis: 'consent' });
    const consent = (await gw.call('GET', `/v1/recipients/${key}`, { key: gw.adminKey })).body.consents
      .newsletter;
    expect(consent.grant).toMatchObject({ method: 'sms_keyword', wording: 'START' });
  });

  it('replies that are no keyword, and replies to numbers no tenant declared, stop nothing', async () => {
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: smsConsent('+33699999999') });
    await gw.sms.reply('+33699999999', '36123', 'Merci !');
    await gw.sms.reply('+33699999999', '99999', 'STOP');
    expect((await send(smsPromo('+33699999999'))).status).toBe(202);
  });

  it('the local reply endpoint works as docs/sms.md shows', async () => {
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: smsConsent('+33610101010') });
    const r = await fetch(`${gw.smsUrl}/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: '+33610101010', to: '36123', body: 'STOP' }),
    });
    expect(r.status).toBe(202);
    expect((await send(smsPromo('+33610101010'))).body.reasons).toEqual(['objection']);
    const outbox = (await (await fetch(`${gw.smsUrl}/messages`)).json()) as { messages: unknown[] };
    expect(outbox.messages.length).toBe(gw.sms.outbox.length);
  });
});

describe('R7: stop replies as people write them', () => {
  const replies = [
    'STOP.',
    'Stop!',
    'STOP merci',
    'stop au 36123',
    'ＳＴＯＰ',
    'STOP 🛑',
    'ARRÊT',
    'Arrêt svp',
    'OPT-OUT',
    'opt out',
    'Désabonner',
    'désinscrire moi',
    'STOPALL',
    'unsubscribe please',
    'START STOP',
  ];
  it.each(replies.map((text, i) => [text, `+336120000${String(i).padStart(2, '0')}`]))(
    'R7: the reply %j stops marketing: refused, and nothing new in the outbox',
    async (text, number) => {
      await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: smsConsent(number) });
      const r = await fetch(`${gw.smsUrl}/inbound`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: number, to: '36123', body: text }),
      });
      expect(r.status).toBe(202);
      const before = gw.sms.outbox.length;
      const refused = await send(smsPromo(number));
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ reasons: ['objection'], rules: ['R7'] });
      expect(gw.sms.outbox.length).toBe(before);
      expect(outboxTo(number)).toHaveLength(0);
    },
  );

  it('R7: a reply that is neither stop nor a keyword is kept for review (audit event, bus event), and changes nothing', async () => {
    const number = '+33612000099';
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: smsConsent(number) });
    await gw.sms.reply(number, '36123', 'Merci, à quelle heure ouvrez-vous ?');
    expect((await send(smsPromo(number))).status).toBe(202);
    const key = (
      await gw.call('PUT', '/v1/recipients', {
        key: gw.adminKey,
        body: { channel: 'sms', address: number, audience: 'consumer' },
      })
    ).body.recipientKey;
    const trail = await gw.call('GET', `/v1/recipients/${key}/audit`, { key: gw.adminKey });
    const review = trail.body.events.filter((e: { type: string }) => e.type === 'sms_reply.unrecognised');
    expect(review).toEqual([
      expect.objectContaining({
        data: expect.objectContaining({ text: 'Merci, à quelle heure ouvrez-vous ?' }),
      }),
    ]);
    const events = (await gw.call('GET', '/local/events')).body.events as {
      detailType: string;
      detail: Record<string, unknown>;
    }[];
    expect(
      events.filter((e) => e.detailType === 'SMS Reply Unrecognised' && e.detail.recipientKey === key),
    ).toHaveLength(1);
  });

  it('R7: START alone re-opens; START with other words is kept for review and re-opens nothing', async () => {
    const number = '+33612000098';
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: smsConsent(number) });
    await gw.sms.reply(number, '36123', 'STOP');
    await gw.sms.reply(number, '36123', 'start demain');
    expect((await send(smsPromo(number))).body.reasons).toEqual(['objection']);
    // R7: a consent reopens only when given and recorded after the objection: a minute later.
    now = new Date(now.getTime() + 60_000);
    await gw.sms.reply(number, '36123', 'Start.');
    expect((await send(smsPromo(number))).body).toMatchObject({ decision: 'sent', basis: 'consent' });
  });
});

describe('R10: a sender id that is a phone number is a long code, whatever it is declared as', () => {
  // The operator assigns the sender (as what its id is); the tenant admin then declares its type.
  const declare = async (id: string, type: string) => {
    const originationIdentity = `phone-number/local-${id.replace(/\W/g, '')}`;
    const path = encodeURIComponent(id);
    const assigned = await gw.call('PUT', `/v1/operator/tenants/demo/sms-senders/${path}`, {
      key: gw.operatorKey,
      body: { originationIdentity },
    });
    expect([200, 409], assigned.text).toContain(assigned.status);
    return gw.call('PUT', `/v1/sms-senders/${path}`, {
      key: gw.adminKey,
      body: { type, originationIdentity },
    });
  };

  it.each([
    ['+33612345678', 'short_code', /phone number.*long_code/],
    ['0612345678', 'short_code', /phone number.*long_code/],
    ['0612345678', 'alphanumeric', /phone number.*long_code/],
    ['33612345678', 'alphanumeric', /phone number.*long_code/],
    ['1234567', 'short_code', /short code/],
    ['12345', 'short_code', /short code/],
    ['ACME', 'short_code', /short code/],
    ['1234567', 'alphanumeric', /letter/],
  ])('R10 refuses %j declared as %s with a 400 naming the field', async (id, type, problem) => {
    const r = await declare(id, type);
    expect(r.status).toBe(400);
    expect(r.body.issues).toEqual([{ field: 'type', problem: expect.stringMatching(problem) }]);
    const tenant = await gw.call('GET', '/v1/tenant', { key: gw.adminKey });
    // Assigned by the operator as what its id is; the refused type was not stored.
    expect(tenant.body.smsSenders[id]?.type).not.toBe(type);
  });

  it.each([
    ['36123', 'short_code'],
    ['SHOPNEWS', 'alphanumeric'],
    ['+33612345670', 'long_code'],
    ['ACME', 'long_code'],
  ])('R10 accepts %j declared as %s', async (id, type) => {
    expect((await declare(id, type)).status).toBe(200);
  });

  it('R10: a phone number stored as short_code before the fix sends no marketing (sender_not_allowed), nothing reaches the outbox', async () => {
    // Assigned by the operator, then stored as a short code around the API.
    await gw.call('PUT', '/v1/operator/tenants/demo/sms-senders/+33612345699', {
      key: gw.operatorKey,
      body: { originationIdentity: 'phone-number/local-dishonest' },
    });
    await real.tenants.putSmsSender('demo', {
      id: '+33612345699',
      type: 'short_code',
      originationIdentity: 'phone-number/local-dishonest',
    });
    const to = '+33612000200';
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: smsConsent(to) });
    const before = gw.sms.outbox.length;
    const r = await send(smsPromo(to, { from: '+33612345699' }));
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ reasons: ['sender_not_allowed'], rules: ['R10'] });
    expect(gw.sms.outbox.length).toBe(before);
    // The opt-out mention never names it either: a transactional SMS may still go from it.
    const receipt = await send(
      smsPromo(to, { from: '+33612345699', purpose: 'order-updates', body: 'Your order has shipped' }),
    );
    expect(receipt.body.decision).toBe('sent');
  });
});
