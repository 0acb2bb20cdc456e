import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';
import { type SendPaths, sendPaths } from '../support/send-paths';

/**
 * Every instant is compared as an
 * instant, and evidence dated in the future is refused at recording. The reproductions of
 * the issue, through HTTP against the local stack, checking what the local SES delivered.
 */
let gw: LocalGateway;
let paths: SendPaths;

beforeAll(async () => {
  gw = await startLocalGateway();
  paths = await sendPaths(gw);
});
afterAll(async () => {
  paths?.close();
  await gw?.stop();
});

const NEXT_YEAR = new Date(Date.now() + 365 * 86_400_000).toISOString();

function unsubscribePath(headers: { name: string; value: string }[] | undefined): string {
  const value = headers?.find((h) => h.name === 'List-Unsubscribe')?.value ?? '';
  return new URL(value.replace(/^<|>$/g, '')).pathname;
}

describe('Time: future-dated evidence is refused (RULES.md vocabulary, R7)', () => {
  it('R7: a consent given in 2099 is a 400 naming givenAt, and the one-click unsubscribe that follows holds', async () => {
    const address = 'future-consent@example.org';
    expect(
      (await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) })).status,
    ).toBe(201);
    expect(
      (await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(address) })).status,
    ).toBe(202);
    const stored = (await gw.sentEmails()).filter((e) => e.destination.to.includes(address)).at(-1)!;

    // A careless CRM re-sends the consent dated in the far future.
    const future = await gw.call('POST', '/v1/consents', {
      key: gw.adminKey,
      body: { ...provableConsent(address), givenAt: '2099-01-01T00:00:00Z' },
    });
    expect(future.status).toBe(400);
    expect(future.body.issues).toEqual([{ field: 'givenAt', problem: expect.stringMatching(/future/) }]);

    const click = await gw.call('POST', unsubscribePath(stored.headers), {
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(click.status).toBe(200);
    const before = await paths.delivered(address);
    for (const path of ['http', 'bulk', 'ses'] as const) {
      expect(await paths.send(path, address), path).toEqual({ outcome: 'rejected', reasons: ['objection'] });
    }
    expect(await paths.delivered(address)).toBe(before);
  });

  it('R2/R9: a purchase dated next year is a 400 naming the purchase, and gives no soft opt-in', async () => {
    const address = 'future-purchase@example.org';
    const r = await gw.call('PUT', '/v1/recipients', {
      key: gw.adminKey,
      body: {
        channel: 'email',
        address,
        audience: 'consumer',
        // Collected five years ago: past retention, unless the future purchase stretches it.
        collection: { at: '2021-01-01T00:00:00Z', duringSale: true, optOutOffered: true, informed: true },
        purchases: [{ productFamily: 'books', at: NEXT_YEAR, ref: 'order-from-the-future' }],
      },
    });
    expect(r.status).toBe(400);
    expect(r.body.issues).toEqual([{ field: 'purchases.0.at', problem: expect.stringMatching(/future/) }]);
    const send = await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(address) });
    expect(send.status).toBe(403);
    expect(await paths.delivered(address)).toBe(0);
  });

  it('R9: lastActivityAt, collection, withdrawal and objection dates in the future are 400s naming the field', async () => {
    const address = 'future-fields@example.org';
    const cases: [string, string, Record<string, unknown>, string][] = [
      [
        'PUT',
        '/v1/recipients',
        { channel: 'email', address, audience: 'consumer', lastActivityAt: NEXT_YEAR },
        'lastActivityAt',
      ],
      [
        'PUT',
        '/v1/recipients',
        { channel: 'email', address, audience: 'consumer', collection: { at: NEXT_YEAR } },
        'collection.at',
      ],
      [
        'POST',
        '/v1/consents',
        { ...provableConsent(address), method: 'double_opt_in', confirmedAt: NEXT_YEAR },
        'confirmedAt',
      ],
      ['POST', '/v1/withdrawals', { channel: 'email', address, purpose: 'newsletter', at: NEXT_YEAR }, 'at'],
      [
        'POST',
        '/v1/objections',
        { channel: 'email', address, scope: { type: 'channel' }, at: NEXT_YEAR },
        'at',
      ],
      ['POST', '/v1/suppressions', { channel: 'email', address, reason: 'bounce', at: NEXT_YEAR }, 'at'],
    ];
    for (const [method, path, body, field] of cases) {
      const r = await gw.call(method, path, { key: gw.adminKey, body });
      expect(r.status, `${path} ${field}`).toBe(400);
      expect(r.body.issues, `${path} ${field}`).toEqual([
        { field, problem: expect.stringMatching(/future/) },
      ]);
    }
    // A few seconds ahead (clock skew between the CRM and the gate) is accepted.
    const skewed = new Date(Date.now() + 30_000).toISOString();
    const ok = await gw.call('POST', '/v1/consents', {
      key: gw.adminKey,
      body: { ...provableConsent(address), givenAt: skewed },
    });
    expect(ok.status).toBe(201);
  });
});

describe('Time: instants, whatever the offset (RULES.md vocabulary, R7)', () => {
  it('R7: an objection written with -08:00 is stored in UTC and blocks the bulk queue and the SES endpoint as it blocks HTTP', async () => {
    const address = 'pacific@example.org';
    // 20:00Z, written in Pacific time; then an earlier objection (18:00Z) whose text sorts after it.
    const late = await gw.call('POST', '/v1/objections', {
      key: gw.adminKey,
      body: {
        channel: 'email',
        address,
        scope: { type: 'purpose', purpose: 'newsletter' },
        at: '2026-06-01T12:00:00-08:00',
      },
    });
    expect(late.status).toBe(201);
    expect(late.body.objection.at).toBe('2026-06-01T20:00:00.000Z');
    const early = await gw.call('POST', '/v1/objections', {
      key: gw.adminKey,
      body: {
        channel: 'email',
        address,
        scope: { type: 'purpose', purpose: 'newsletter' },
        at: '2026-06-01T18:00:00Z',
      },
    });
    expect(early.status).toBe(201);
    // A consent given between the two (19:00Z): before the later objection, it reopens nothing.
    const consent = await gw.call('POST', '/v1/consents', {
      key: gw.adminKey,
      body: { ...provableConsent(address), givenAt: '2026-06-01T19:00:00.000+00:00' },
    });
    expect(consent.status).toBe(201);
    expect(consent.body.consent.givenAt).toBe('2026-06-01T19:00:00.000Z');
    for (const path of ['http', 'bulk', 'ses'] as const) {
      expect(await paths.send(path, address), path).toEqual({ outcome: 'rejected', reasons: ['objection'] });
    }
    expect(await paths.delivered(address)).toBe(0);
  });
});
