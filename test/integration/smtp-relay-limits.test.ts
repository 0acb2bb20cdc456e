import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalGateway, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * The SES endpoint's per-key limit holds for SMTP too: one count per message, in the same
 * counter (the credential's key id), so a credential's SMTP and SES sends share it. Its own
 * file: the limit is read once per process (KEY_RATE_LIMIT), as in a function or the container.
 */
let gw: LocalGateway;
let auth: { user: string; pass: string };
const WIDE = { rateLimit: 1000, burstLimit: 1000 };

beforeAll(async () => {
  // Two messages per 100-second window for each key.
  gw = await startLocalGateway({
    smtp: true,
    limits: { public: WIDE, authenticated: WIDE, perKey: { rateLimit: 0.02, burstLimit: 2 } },
  });
  const r = await gw.call('POST', '/v1/credentials', { key: gw.adminKey, body: { label: 'limited tool' } });
  auth = { user: r.body.accessKeyId, pass: r.body.secretAccessKey };
  await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent('ann@example.org') });
});
afterAll(async () => {
  await gw?.stop();
});

describe('the per-key limit over SMTP', () => {
  it('the message past the limit gets 451 4.7.0 (the client retries later) and nothing is sent', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: gw.smtp!.port,
      requireTLS: true,
      auth,
      tls: { ca: gw.smtp!.cert },
    });
    const send = (subject: string) =>
      transport
        .sendMail({
          from: 'news@shop.example',
          to: 'ann@example.org',
          subject,
          text: 'Hello.',
          headers: { 'X-Consent-Gate-Purpose': 'newsletter' },
        })
        .then(
          (info) => info.response,
          (error: { response?: string }) => error.response ?? '',
        );
    expect(await send('one')).toMatch(/^250 /);
    expect(await send('two')).toMatch(/^250 /);
    expect(await send('three')).toMatch(
      /^451 4\.7\.0 This credential's sending rate is used up: try again in \d+ s; nothing was sent$/,
    );
    const sent = gw.outbox.emails.filter((e) =>
      e.request.Destination?.ToAddresses?.includes('ann@example.org'),
    );
    expect(sent).toHaveLength(2);
  });
});
