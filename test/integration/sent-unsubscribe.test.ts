import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../shared/domain/sent-unsubscribe';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import { sentUnsubscribeSchema } from '../../shared/schemas/audit';
import type { Dependencies } from '../../shared/services/dependencies';
import { recordChanges } from '../../shared/services/record-change';
import { recipientKeyOf } from '../reliability/faults';
import { consoleSession } from '../support/console-session';
import {
  type LocalGateway,
  newsletter,
  provableConsent,
  smsConsent,
  smsPromo,
  startLocalGateway,
} from '../support/local-gateway';
import { type SendPaths, sendPaths } from '../support/send-paths';

/**
 * R10: every path records, in the `decision.sent` it writes before the send, what the message
 * carried to unsubscribe: the List-Unsubscribe header as handed to SES with its token and mailto
 * id fingerprinted, List-Unsubscribe-Post, the mailto offer, where the footer went, and the token's
 * claims that are not secret. Each test sends through the real handler, reads the decision back
 * from the trail and compares it with what the outbox holds, and finds no working token in the trail.
 */
let gw: LocalGateway;
let paths: SendPaths;
let real: Dependencies;
let ses: SESv2Client;
let smtpAuth: { user: string; pass: string };
const DOMAIN = 'unsubscribe.shop.example';

beforeAll(async () => {
  gw = await startLocalGateway({ unsubscribeMailDomain: DOMAIN, smtp: true });
  real = runtimeDependencies();
  paths = await sendPaths(gw);
  const r = await gw.call('POST', '/v1/credentials', { key: gw.adminKey, body: { label: 'raw' } });
  expect(r.status).toBe(201);
  smtpAuth = { user: r.body.accessKeyId, pass: r.body.secretAccessKey };
  ses = new SESv2Client({
    endpoint: gw.apiUrl,
    region: 'eu-west-3',
    credentials: { accessKeyId: smtpAuth.user, secretAccessKey: smtpAuth.pass },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  setDependencies(real);
  ses?.destroy();
  paths?.close();
  await gw?.stop();
});

async function consented(address: string): Promise<string> {
  const r = await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
  expect(r.status).toBe(201);
  return recipientKeyOf(gw, address);
}

/** The recipient's trail, as the API answers it (what the console and the evidence pack read). */
async function trail(key: string) {
  const r = await gw.call('GET', `/v1/recipients/${key}/audit`, { key: gw.adminKey });
  expect(r.status).toBe(200);
  return r as { text: string; body: { events: { type: string; data: Record<string, unknown> }[] } };
}

async function sentRecord(key: string) {
  const t = await trail(key);
  const sent = t.body.events.filter((e) => e.type === 'decision.sent');
  expect(sent).toHaveLength(1);
  return { data: sent[0]!.data, text: t.text };
}

/** What the gateway handed to SES for `to`: the unsubscribe headers and the body parts. */
async function handedToSes(to: string) {
  const [email] = gw.outbox.emails.filter((e) => e.request.Destination?.ToAddresses?.includes(to));
  expect(email).toBeDefined();
  const { Raw, Simple } = email!.request.Content ?? {};
  if (Simple !== undefined) {
    const header = (name: string) => Simple.Headers?.find((h) => h.Name === name)?.Value;
    return {
      listUnsubscribe: header('List-Unsubscribe')!,
      post: header('List-Unsubscribe-Post'),
      html: Simple.Body?.Html?.Data,
      text: Simple.Body?.Text?.Data,
    };
  }
  const parsed = await simpleParser(Buffer.from(Raw?.Data ?? '', 'base64'));
  const header = (name: string) => {
    const line = parsed.headerLines.find((h) => h.key === name)?.line;
    return line
      ?.slice(line.indexOf(':') + 1)
      .replace(/\r?\n/g, '')
      .trim();
  };
  return {
    listUnsubscribe: header('list-unsubscribe')!,
    post: header('list-unsubscribe-post'),
    html: parsed.html || undefined,
    text: parsed.text,
  };
}

/** The record matches the message as handed to SES, and the trail holds neither its token nor its mailto id. */
async function expectRecorded(
  address: string,
  key: string,
  placed: { in: 'parts' | 'mime'; html: number; text: number },
  via?: string,
) {
  const { data, text } = await sentRecord(key);
  if (via !== undefined) expect(data.via).toBe(via);
  const record = sentUnsubscribeSchema.parse(data.unsubscribe);
  const mail = await handedToSes(address);
  const token = /\/u\/([A-Za-z0-9._-]+)>/.exec(mail.listUnsubscribe)![1]!;
  const id = /<mailto:u\+([0-9a-f]{32})@/.exec(mail.listUnsubscribe)![1]!;
  expect(record).toEqual({
    kind: 'email',
    listUnsubscribe: mail.listUnsubscribe
      .replace(token, fingerprintOf(token))
      .replace(id, fingerprintOf(id))
      .replace(/\s+/g, ' '),
    oneClick: true,
    keyId: token.split('.')[1],
    placed,
  });
  expect(mail.post).toBe('List-Unsubscribe=One-Click');
  // The footers carry the very link of the header.
  if (placed.html > 0) expect(mail.html).toContain(`/u/${token}`);
  if (placed.text > 0) expect(mail.text).toContain(`/u/${token}`);
  // Nothing in the trail would unsubscribe the person if clicked or mailed.
  expect(text).not.toContain(token);
  expect(text).not.toContain(token.split('.')[3]!);
  expect(text).not.toContain(id);
}

describe('the unsubscribe a message carried, recorded with its decision.sent (R10)', () => {
  it('POST /v1/messages', async () => {
    const address = 'carried-http@example.org';
    const key = await consented(address);
    await expect(paths.send('http', address)).resolves.toEqual({ outcome: 'sent', reasons: [] });
    await expectRecorded(address, key, { in: 'parts', html: 1, text: 1 });
  });

  it('the bulk queue', async () => {
    const address = 'carried-bulk@example.org';
    const key = await consented(address);
    await expect(paths.send('bulk', address)).resolves.toEqual({ outcome: 'sent', reasons: [] });
    await expectRecorded(address, key, { in: 'parts', html: 1, text: 1 });
  });

  it('the SES v2 endpoint, simple content', async () => {
    const address = 'carried-ses@example.org';
    const key = await consented(address);
    await expect(paths.send('ses', address)).resolves.toEqual({ outcome: 'sent', reasons: [] });
    await expectRecorded(address, key, { in: 'parts', html: 1, text: 1 }, 'ses-v2-endpoint');
  });

  it('the SES v2 endpoint, raw MIME: every body part counted', async () => {
    const address = 'carried-raw@example.org';
    const key = await consented(address);
    const raw = [
      'From: Demo Shop <news@shop.example>',
      `To: ${address}`,
      'Subject: Autumn books',
      'MIME-Version: 1.0',
      'Content-Type: multipart/alternative; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Ten novels.',
      '--b1',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>Ten novels.</p>',
      '--b1',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>Ten novels, again.</p>',
      '--b1--',
      '',
    ].join('\r\n');
    await ses.send(
      new SendEmailCommand({
        EmailTags: [{ Name: 'purpose', Value: 'newsletter' }],
        Content: { Raw: { Data: Buffer.from(raw) } },
      }),
    );
    await expectRecorded(address, key, { in: 'mime', html: 2, text: 1 }, 'ses-v2-endpoint');
  });

  it('the SMTP relay (nodemailer)', async () => {
    const address = 'carried-smtp@example.org';
    const key = await consented(address);
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: gw.smtp!.port,
      secure: false,
      requireTLS: true,
      auth: smtpAuth,
      tls: { ca: gw.smtp!.cert },
    });
    await transport.sendMail({
      from: 'Demo Shop <news@shop.example>',
      to: address,
      subject: 'Autumn books',
      text: 'Ten novels for long evenings.',
      html: '<html><body><p>Ten novels for long evenings.</p></body></html>',
      headers: { 'X-Consent-Gate-Purpose': 'newsletter' },
    });
    transport.close();
    await expectRecorded(address, key, { in: 'mime', html: 1, text: 1 }, 'smtp');
  });

  it('a transactional email records that it carried none (R6)', async () => {
    const address = 'carried-receipt@example.org';
    const key = await recipientKeyOf(gw, address);
    const r = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter(address, { purpose: 'order-updates', subject: 'Your order' }),
    });
    expect(r.status).toBe(202);
    expect((await sentRecord(key)).data.unsubscribe).toEqual({ kind: 'none', why: 'transactional' });
  });
});

describe('the opt-out mention an SMS carried (R10)', () => {
  let now = new Date('2026-06-16T08:00:00Z'); // a Tuesday, 10:00 in Paris
  beforeAll(() => setDependencies({ ...real, clock: { now: () => now } }));
  afterAll(() => setDependencies(real));

  it('sent at once, and sent later from the deferred queue (R14)', async () => {
    for (const [to, deferred] of [
      ['+33612340001', false],
      ['+33612340002', true],
    ] as const) {
      await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: smsConsent(to) });
      now = deferred ? new Date('2026-06-20T19:30:00Z') : new Date('2026-06-16T08:00:00Z');
      const r = await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: smsPromo(to) });
      expect(r.body.decision).toBe(deferred ? 'deferred' : 'sent');
      if (deferred) {
        now = new Date('2026-06-22T06:01:00Z'); // Monday 08:01 in Paris
        await gw.sms.runDeferred();
      }
      const [sms] = gw.sms.outbox.filter((m) => m.to === to);
      expect(sms?.body).toBe('Demo Shop: -20% on books this week\nSTOP au 36123');
      const key = await recipientKeyOf(gw, to, 'sms');
      expect((await sentRecord(key)).data.unsubscribe).toEqual({ kind: 'sms', mention: 'STOP au 36123' });
    }
  });
});

describe('on Justify, through the console', () => {
  const justify = async (form: Record<string, string>) => {
    const { post } = await consoleSession(gw.apiUrl, gw.complianceKey);
    const r = await post('/console/justify', { channel: 'email', ...form });
    expect(r.status).toBe(200);
    const html = await r.text();
    return /<section aria-labelledby="unsubscribe">[\s\S]*?<\/section>/.exec(html)![0];
  };

  it('shows the record of a message sent now, with no working token', async () => {
    const address = 'carried-justify@example.org';
    await consented(address);
    const sent = await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(address) });
    expect(sent.status).toBe(202);
    const section = await justify({ address, messageId: sent.body.messageId });
    const mail = await handedToSes(address);
    const token = /\/u\/([A-Za-z0-9._-]+)>/.exec(mail.listUnsubscribe)![1]!;
    expect(section).toContain(`/u/${fingerprintOf(token)}`);
    expect(section).toContain(`mailto:u+{sha256:`);
    expect(section).not.toContain(token);
    expect(section).not.toContain('<a ');
  });

  it('says plainly that a message sent before the record existed has none', async () => {
    const address = 'carried-before@example.org';
    const key = await consented(address);
    // A decision.sent as the gateway wrote it before it recorded the unsubscribe.
    const messageId = '11111111-2222-4333-8444-555555555555';
    await recordChanges(real, { tenantId: 'demo', recipientKey: key, channel: 'email' }, [
      {
        type: 'decision.sent',
        actor: { type: 'sender_key', id: 'k-before' },
        why: 'basis consent',
        data: {
          messageId,
          channel: 'email',
          purpose: 'newsletter',
          basis: 'consent',
          proof: { type: 'consent' },
        },
      },
    ]);
    const section = await justify({ address, messageId });
    expect(section).toContain('Not recorded: this message was sent before the gateway recorded');
  });
});
