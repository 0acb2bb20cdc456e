import { join } from 'node:path';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';

/** The local stack's own pages: GET / (where everything is) and /local/outbox (what SES was handed). */
let gw: LocalGateway;
beforeAll(async () => {
  gw = await startLocalGateway();
});
afterAll(async () => {
  await gw?.stop();
});

const page = async (path: string) => {
  const response = await fetch(`${gw.apiUrl}${path}`);
  return { status: response.status, type: response.headers.get('content-type'), html: await response.text() };
};
const hrefs = (html: string) => [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);

describe('GET / of the local API', () => {
  it('is an index page linking the mail viewer, outbox, SMS outbox, API reference, events, and naming the keys file', async () => {
    const { status, type, html } = await page('/');
    expect(status).toBe(200);
    expect(type).toContain('text/html');
    expect(hrefs(html)).toEqual(
      expect.arrayContaining([
        gw.sesUrl,
        '/local/outbox',
        gw.smsUrl,
        '/docs',
        '/openapi.json',
        '/local/events',
      ]),
    );
    expect(html).toContain(join(gw.dir, 'keys.json'));
    // Every local link it gives answers (the API reference /docs is built elsewhere).
    for (const href of ['/local/outbox', '/openapi.json', '/local/events'])
      expect((await page(href)).status).toBe(200);
  });
});

describe('GET /local/outbox', () => {
  it('shows a delivered email’s headers (List-Unsubscribe…), parts and the source handed to SES', async () => {
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent('outbox@example.org') });
    const sent = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter('outbox@example.org'),
    });
    expect(sent.status).toBe(202);
    const { emails } = (await (await fetch(`${gw.apiUrl}/local/outbox.json`)).json()) as {
      emails: {
        kind: string;
        headers: { name: string; value: string }[];
        parts: { contentType: string }[];
      }[];
    };
    const email = emails.at(-1)!;
    expect(email.kind).toBe('simple');
    expect(email.headers).toEqual(
      expect.arrayContaining([
        { name: 'To', value: 'outbox@example.org' },
        { name: 'List-Unsubscribe', value: expect.stringContaining(`${gw.apiUrl}/u/`) },
        { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
      ]),
    );
    expect(email.parts.map((p) => p.contentType)).toEqual(['text/plain', 'text/html']);
    const { html } = await page('/local/outbox');
    expect(html).toContain('<th scope="row">List-Unsubscribe</th>');
    expect(html).toContain('Our autumn reading list');
  });

  it('keeps the raw MIME of a raw send through the SES-compatible endpoint, headers included', async () => {
    await gw.call('POST', '/v1/consents', {
      key: gw.adminKey,
      body: provableConsent('outbox-raw@example.org'),
    });
    const r = await gw.call('POST', '/v1/credentials', { key: gw.adminKey, body: { label: 'outbox test' } });
    const ses = new SESv2Client({
      endpoint: gw.apiUrl,
      region: 'eu-west-3',
      credentials: { accessKeyId: r.body.accessKeyId, secretAccessKey: r.body.secretAccessKey },
      maxAttempts: 1,
    });
    const raw = [
      'From: Demo Shop <news@shop.example>',
      'To: outbox-raw@example.org',
      'Subject: Raw autumn list',
      'X-Campaign: autumn-2026',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Ten novels for long evenings.',
      '',
    ].join('\r\n');
    await ses.send(
      new SendEmailCommand({
        EmailTags: [{ Name: 'purpose', Value: 'newsletter' }],
        Content: { Raw: { Data: Buffer.from(raw) } },
      }),
    );
    const { emails } = (await (await fetch(`${gw.apiUrl}/local/outbox.json`)).json()) as {
      emails: { kind: string; headers: { name: string; value: string }[]; source: string }[];
    };
    const email = emails.at(-1)!;
    expect(email.kind).toBe('raw');
    const names = email.headers.map((h) => h.name);
    expect(names).toEqual(
      expect.arrayContaining(['X-Campaign', 'List-Unsubscribe', 'List-Unsubscribe-Post']),
    );
    expect(email.source).toContain('Ten novels for long evenings.');
    expect(email.source).toMatch(/^List-Unsubscribe:\s+<http/m);
    // The local SES's own store has no headers for it: the reason this page exists.
    const stored = (await gw.sentEmails()).at(-1)!;
    expect(stored.headers).toBeUndefined();
  });
});

describe('local servers and idle connections', () => {
  it('never close an idle keep-alive connection themselves (no Keep-Alive timeout: fetch reused sockets they were closing, ECONNRESET under load)', async () => {
    for (const url of [`${gw.apiUrl}/openapi.json`, `${gw.smsUrl}/messages`, `${gw.sesUrl}/store`]) {
      const response = await fetch(url);
      await response.text();
      expect(response.status, url).toBe(200);
      expect(response.headers.get('connection'), url).toBe('keep-alive');
      expect(response.headers.get('keep-alive'), url).toBeNull();
    }
  });
});
