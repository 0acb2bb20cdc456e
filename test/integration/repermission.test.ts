import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import { EmailProviderError } from '../../shared/ports/email-sender';
import type { Dependencies } from '../../shared/services/dependencies';
import { type LocalGateway, startLocalGateway } from '../support/local-gateway';

/** R13 through HTTP: repermission once per purpose, with a consent-page link placed like the unsubscribe link. */
let gw: LocalGateway;
let real: Dependencies;

beforeAll(async () => {
  gw = await startLocalGateway();
  real = runtimeDependencies();
  const r = await gw.call('PUT', '/v1/purposes/stay-in-touch', {
    key: gw.adminKey,
    body: { name: 'Stay in touch?', category: 'repermission', offers: ['newsletter'] },
  });
  expect(r.status).toBe(200);
});
afterEach(() => setDependencies(real));
afterAll(async () => {
  await gw?.stop();
});

const legacy = (address: string) =>
  gw.call('PUT', '/v1/recipients', {
    key: gw.adminKey,
    body: { channel: 'email', address, audience: 'consumer', needsRepermission: true },
  });
const ask = (to: string) =>
  gw.call('POST', '/v1/messages', {
    key: gw.senderKey,
    body: {
      channel: 'email',
      purpose: 'stay-in-touch',
      to,
      from: 'Demo Shop <news@shop.example>',
      subject: 'Shall we keep writing to you?',
      html: '<html><body><p>We would like to keep sending you our newsletter.</p></body></html>',
      text: 'We would like to keep sending you our newsletter.',
    },
  });

describe('R13 repermission', () => {
  it('sends once to a legacy opt-in, with a consent-page link in both parts, then refuses', async () => {
    await legacy('old.optin@example.org');
    const first = await ask('old.optin@example.org');
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ decision: 'sent', basis: 'repermission' });

    const stored = (await gw.sentEmails()).find((e) => e.destination.to.includes('old.optin@example.org'))!;
    const mail = await gw.deliveredMessage(stored.messageId);
    const consentLink = new RegExp(
      `href="(${gw.apiUrl}/c/[^"]+)"[^>]*>Donner mon accord · Give my consent</a>`,
    );
    const match = consentLink.exec(String(mail.html));
    expect(match).not.toBeNull();
    expect(String(mail.html)).toContain(`${gw.apiUrl}/u/`);
    expect(mail.text).toMatch(new RegExp(`Donner mon accord / Give my consent: ${gw.apiUrl}/c/`));

    // The link opens the consent page, offering the newsletter, nothing ticked.
    const page = await fetch(match![1]!.replaceAll('&amp;', '&'));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Newsletter');
    expect(html).not.toMatch(/\schecked/);

    const second = await ask('old.optin@example.org');
    expect(second.status).toBe(403);
    expect(second.body).toMatchObject({ reasons: ['repermission_not_allowed'], rules: ['R13'] });
  });

  it('refuses a recipient who is neither marked for repermission nor near the end of retention', async () => {
    await gw.call('PUT', '/v1/recipients', {
      key: gw.adminKey,
      body: { channel: 'email', address: 'fresh@example.org', audience: 'consumer' },
    });
    expect((await ask('fresh@example.org')).body.reasons).toEqual(['repermission_not_allowed']);
  });

  it('takes the count back when SES fails, so that the one repermission is not lost', async () => {
    await legacy('retry.me@example.org');
    setDependencies({
      ...real,
      email: {
        send: () => Promise.reject(new EmailProviderError('SES unavailable (test)')),
        sendRaw: () => Promise.reject(new EmailProviderError('SES unavailable (test)')),
      } as Dependencies['email'],
    });
    expect((await ask('retry.me@example.org')).status).toBe(503);
    setDependencies(real);
    expect((await ask('retry.me@example.org')).body).toMatchObject({
      decision: 'sent',
      basis: 'repermission',
    });
    expect((await ask('retry.me@example.org')).status).toBe(403);
  });

  it('is refused by SMS, where no consent page link can be given', async () => {
    await gw.call('PUT', '/v1/recipients', {
      key: gw.adminKey,
      body: { channel: 'sms', address: '+33612345670', audience: 'consumer', needsRepermission: true },
    });
    const r = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: {
        channel: 'sms',
        purpose: 'stay-in-touch',
        to: '+33612345670',
        from: '36123',
        body: 'Stay in touch?',
      },
    });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ error: 'tenant_configuration', message: expect.stringMatching(/R13/) });
    expect(gw.sms.outbox.filter((m) => m.to === '+33612345670')).toHaveLength(0);
  });
});
