import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import type { Dependencies } from '../../shared/services/dependencies';
import { type LocalGateway, startLocalGateway } from '../support/local-gateway';

/**
 * The consent page's "send me the confirmation"
 * is not a mail cannon. Through HTTP against the local stack, counting the mails the
 * local SES holds for the address: one pending confirmation per recipient and purpose
 * within the tenant's window (default 24 h), sequential or concurrent; none to an address
 * that hard-bounced or complained; a second one once the window has passed.
 */
let gw: LocalGateway;
let real: Dependencies;

beforeAll(async () => {
  gw = await startLocalGateway();
  real = runtimeDependencies();
});
afterEach(() => setDependencies(real));
afterAll(async () => {
  await gw?.stop();
});

const admin = (method: string, path: string, body?: unknown) =>
  gw.call(method, path, { key: gw.adminKey, body });

const form = (fields: [string, string][], lang = 'en') => ({
  body: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': lang },
});

/** A consent link for the address and the form that asks for the newsletter's confirmation. */
async function consentRequest(address: string) {
  const link = await admin('POST', '/v1/links', {
    channel: 'email',
    address,
    kind: 'consent',
    purposes: ['newsletter'],
  });
  expect(link.status).toBe(201);
  const path = new URL(link.body.url).pathname;
  const page = await gw.call('GET', path);
  const version = /name="wording:newsletter" value="([^"]+)"/.exec(page.text)![1]!;
  const fields: [string, string][] = [
    ['action', 'request'],
    ['purpose', 'newsletter'],
    ['wording:newsletter', version],
  ];
  return { path, fields, recipientKey: link.body.recipientKey as string };
}

const mailsTo = async (address: string) =>
  (await gw.sentEmails()).filter((m) => m.destination.to.includes(address)).length;

describe('confirmation floods', () => {
  it('R3: twenty sequential requests send one confirmation; the page says a link was already sent', async () => {
    const address = 'flood-seq@example.org';
    const { path, fields } = await consentRequest(address);
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push(await gw.call('POST', path, form(fields)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(answers[0]!.text).toContain('Check your inbox');
    for (const a of answers.slice(1)) expect(a.text).toContain('A link was already sent');
    expect(await mailsTo(address)).toBe(1);
    // In French too, like the other pages.
    const fr = await gw.call('POST', path, form(fields, 'fr'));
    expect(fr.text).toContain('Un lien vous a déjà été envoyé');
    expect(await mailsTo(address)).toBe(1);
  });

  it('R3: twenty concurrent requests send one confirmation (conditional write in the store)', async () => {
    const address = 'flood-par@example.org';
    const { path, fields } = await consentRequest(address);
    const answers = await Promise.all(Array.from({ length: 20 }, () => gw.call('POST', path, form(fields))));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(answers.filter((a) => a.text.includes('Check your inbox'))).toHaveLength(1);
    expect(await mailsTo(address)).toBe(1);
  });

  for (const reason of ['bounce', 'complaint'] as const) {
    it(`R8: no confirmation to an address with a ${reason}; the page does not say why`, async () => {
      const address = `flood-${reason}@example.org`;
      const { path, fields } = await consentRequest(address);
      expect((await admin('POST', '/v1/suppressions', { channel: 'email', address, reason })).status).toBe(
        201,
      );
      const r = await gw.call('POST', path, form(fields));
      expect(r.status).toBe(200);
      expect(r.text).toContain('No email can be sent to this address');
      expect(r.text).not.toMatch(/bounce|complain|spam/i);
      const fr = await gw.call('POST', path, form(fields, 'fr'));
      expect(fr.text).toContain('Aucun e-mail ne peut être envoyé à cette adresse');
      expect(await mailsTo(address)).toBe(0);
    });
  }

  it('R3: once the window (24 h by default) has passed, a second confirmation may be sent', async () => {
    const address = 'flood-later@example.org';
    const { path, fields } = await consentRequest(address);
    expect((await gw.call('POST', path, form(fields))).text).toContain('Check your inbox');
    const start = Date.now();
    const at = (ms: number) => setDependencies({ ...real, clock: { now: () => new Date(start + ms) } });
    at(23 * 3_600_000);
    expect((await gw.call('POST', path, form(fields))).text).toContain('A link was already sent');
    expect(await mailsTo(address)).toBe(1);
    at(24 * 3_600_000 + 60_000);
    expect((await gw.call('POST', path, form(fields))).text).toContain('Check your inbox');
    expect(await mailsTo(address)).toBe(2);
  });

  it('R3: the window is a tenant setting (PUT /v1/settings/confirmations)', async () => {
    const bad = await admin('PUT', '/v1/settings/confirmations', { windowHours: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.issues).toEqual([expect.objectContaining({ field: 'windowHours' })]);
    const set = await admin('PUT', '/v1/settings/confirmations', { windowHours: 1 });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ windowHours: 1, freshLinkHours: 24 });
    expect((await admin('GET', '/v1/tenant')).body.settings.confirmation).toEqual({
      windowHours: 1,
      freshLinkHours: 24,
    });
    try {
      const address = 'flood-hour@example.org';
      const { path, fields } = await consentRequest(address);
      await gw.call('POST', path, form(fields));
      const start = Date.now();
      setDependencies({ ...real, clock: { now: () => new Date(start + 3_600_000 + 60_000) } });
      expect((await gw.call('POST', path, form(fields))).text).toContain('Check your inbox');
      expect(await mailsTo(address)).toBe(2);
    } finally {
      setDependencies(real);
      await admin('PUT', '/v1/settings/confirmations', {});
    }
  });
});
