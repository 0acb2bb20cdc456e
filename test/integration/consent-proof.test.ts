import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';

/** R3 at the edge: a consent must name its controllers; an empty list names none. */
let gw: LocalGateway;

beforeAll(async () => {
  gw = await startLocalGateway();
});
afterAll(async () => {
  await gw?.stop();
});

describe('R3: the controllers named to the person', () => {
  it('R3 refuses a consent whose controllers list is empty, names the field, and stores nothing', async () => {
    const address = 'empty-controllers@example.org';
    const r = await gw.call('POST', '/v1/consents', {
      key: gw.adminKey,
      body: { ...provableConsent(address), controllers: [] },
    });
    expect(r.status).toBe(400);
    expect(r.body.issues).toEqual([expect.objectContaining({ field: 'controllers' })]);
    expect(r.body.issues[0].problem).toMatch(/controller/);

    const before = (await gw.sentEmails()).length;
    const send = await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(address) });
    expect(send.body.reasons).toContain('consent_missing');
    expect(await gw.sentEmails()).toHaveLength(before);
  });

  it('R3 still records a consent naming the tenant', async () => {
    const r = await gw.call('POST', '/v1/consents', {
      key: gw.adminKey,
      body: provableConsent('named-controllers@example.org'),
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ valid: true, problems: [] });
  });
});

describe('R3: a wording version is the proof under its consents', () => {
  it('refuses to change the text of a stored wording version (409 naming text), keeps it and its hash', async () => {
    const put = (text: string) =>
      gw.call('PUT', '/v1/wordings/proof-v1', { key: gw.adminKey, body: { text } });
    const first = await put('Yes, send me the proof letter by email.');
    expect(first.status, first.text).toBe(200);
    const consent = await gw.call('POST', '/v1/consents', {
      key: gw.adminKey,
      body: { ...provableConsent('proof-wording@example.org'), wordingVersion: 'proof-v1' },
    });
    expect(consent.status, consent.text).toBe(201);

    const changed = await put('Yes, send me anything you like.');
    expect(changed.status, changed.text).toBe(409);
    expect(changed.body.issues).toEqual([expect.objectContaining({ field: 'text' })]);
    const tenant = await gw.call('GET', '/v1/tenant', { key: gw.adminKey });
    expect(tenant.body.wordings['proof-v1']).toEqual(first.body);

    // The same text again changes nothing and answers the stored version (a retry is harmless).
    const again = await put('Yes, send me the proof letter by email.');
    expect(again.status, again.text).toBe(200);
    expect(again.body).toEqual(first.body);
  });
});
