import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';
import { buildMime } from '../support/mime-fixtures';

/**
 * R10 "the sender's identity must be clear": the From a recipient reads is the display
 * name, and a display name holding another address ("security@bank.example
 * <news@shop.example>") shows that address as the sender. Through every send surface,
 * with the real SES client, checking nothing was delivered.
 */
let gw: LocalGateway;
let ses: SESv2Client;

beforeAll(async () => {
  gw = await startLocalGateway();
  const r = await gw.call('POST', '/v1/credentials', { key: gw.adminKey, body: { label: 'legacy app' } });
  expect(r.status).toBe(201);
  ses = new SESv2Client({
    endpoint: gw.apiUrl,
    region: 'eu-west-3',
    credentials: { accessKeyId: r.body.accessKeyId, secretAccessKey: r.body.secretAccessKey },
    maxAttempts: 1,
  });
  for (const to of ['fay@example.org', 'gus@example.org'])
    expect(
      (await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(to) })).status,
    ).toBe(201);
});
afterAll(async () => {
  ses?.destroy();
  await gw?.stop();
});

const spoofs = [
  'security@bank.example <news@shop.example>',
  '"security@bank.example" <news@shop.example>',
  '"Bank <security@bank.example>" <news@shop.example>',
  'Demo Shop <security@bank.example> <news@shop.example>',
  '"Support (support@bank.example)" <news@shop.example>',
];

describe('R10 a From display name never shows another address', () => {
  it.each(spoofs)(
    'POST /v1/messages refuses From %s with a 400 naming from, and sends nothing',
    async (from) => {
      const before = (await gw.sentEmails()).length;
      const r = await gw.call('POST', '/v1/messages', {
        key: gw.senderKey,
        body: newsletter('fay@example.org', { from }),
      });
      expect(r.status).toBe(400);
      expect(r.body.issues.map((i: { field: string }) => i.field)).toEqual(['from']);
      expect(r.body.issues[0].problem).toMatch(/display name/);
      expect(await gw.sentEmails()).toHaveLength(before);
    },
  );

  it.each(spoofs)('SES SendEmail refuses FromEmailAddress %s, and sends nothing', async (from) => {
    const before = (await gw.sentEmails()).length;
    const send = ses.send(
      new SendEmailCommand({
        FromEmailAddress: from,
        Destination: { ToAddresses: ['gus@example.org'] },
        EmailTags: [{ Name: 'purpose', Value: 'newsletter' }],
        Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'Ten novels.' } } } },
      }),
    );
    await expect(send).rejects.toMatchObject({
      name: 'BadRequestException',
      message: expect.stringMatching(/display name/),
    });
    expect(await gw.sentEmails()).toHaveLength(before);
  });

  it.each(spoofs)('SES raw SendEmail refuses a From header %s, and sends nothing', async (from) => {
    const before = (await gw.sentEmails()).length;
    const raw = buildMime(
      { kind: 'leaf', type: 'text/plain', encoding: '7bit', body: 'Ten novels.' },
      { from, to: 'gus@example.org' },
    );
    const send = ses.send(
      new SendEmailCommand({
        Destination: { ToAddresses: ['gus@example.org'] },
        EmailTags: [{ Name: 'purpose', Value: 'newsletter' }],
        Content: { Raw: { Data: raw } },
      }),
    );
    await expect(send).rejects.toMatchObject({
      name: 'BadRequestException',
      message: expect.stringMatching(/display name/),
    });
    expect(await gw.sentEmails()).toHaveLength(before);
  });

  it.each([
    ['Demo Shop <news@shop.example>', 'Demo Shop'],
    ['news@shop.example <news@shop.example>', 'news@shop.example'],
    ['"Shop, Paris & Lyon" <news@shop.example>', 'Shop, Paris & Lyon'],
  ])('R10 still sends From %s (a plain name, or the address itself)', async (from, name) => {
    const r = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter('fay@example.org', { from }),
    });
    expect(r.status).toBe(202);
    const sent = (await gw.sentEmails()).at(-1);
    expect(JSON.stringify(sent)).toContain(name);
  });
});
