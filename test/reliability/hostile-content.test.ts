import { SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';
import { recipientKeyOf, sentRecords } from './faults';

/**
 * Item 7 of Bodies built to break
 * the injection itself (deep nesting, huge attribute lists, thousands of placeholders)
 * go through every send path. Each gets a 4xx naming its field, the stack still answers
 * a normal send afterwards, and no audit line claims a send that neither happened nor
 * was recorded as failed.
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
});
afterAll(async () => {
  ses?.destroy();
  await gw?.stop();
});

const deep = (levels: number) => `<html><body>${'<div>'.repeat(levels)}deep</body></html>`;
const manyAttributes = (count: number) =>
  `<p ${Array.from({ length: count }, (_, i) => `a${i}="1"`).join(' ')}>attributes</p>`;
const manyPlaceholders = (count: number) => `<p>${'<a href="{{unsubscribe_url}}">x</a>'.repeat(count)}</p>`;

/** The worst HTML bodies: each must be refused (4xx), never crash the process or answer 5xx. */
const HOSTILE_HTML: [string, string][] = [
  ['6,000 nested divs', deep(6_000)],
  ['50,000 nested divs', deep(50_000)],
  ['200,000 nested divs', deep(200_000)],
  ['nested tables 5,000 deep', `${'<table><tr><td>'.repeat(5_000)}x`],
  ['nested inline elements 20,000 deep', `${'<b><i>'.repeat(10_000)}x`],
  ['20,000 placeholders', manyPlaceholders(20_000)],
];
/** Bodies that are large but harmless: they may be sent (2xx) or refused (4xx), never 5xx. */
const LARGE_HTML: [string, string][] = [['one element with 100,000 attributes', manyAttributes(100_000)]];

const b64lines = (s: string) =>
  (
    Buffer.from(s, 'utf8')
      .toString('base64')
      .match(/.{1,76}/g) ?? []
  ).join('\r\n');

function rawWithHtml(to: string, html: string): Uint8Array {
  return Buffer.from(
    [
      'From: Demo Shop <news@shop.example>',
      `To: ${to}`,
      'Subject: Deep',
      'MIME-Version: 1.0',
      'Content-Type: multipart/alternative; boundary="b-1"',
      '',
      '--b-1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Plain part.',
      '--b-1',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      b64lines(html),
      '--b-1--',
      '',
    ].join('\r\n'),
  );
}

/** A raw message whose multipart structure itself nests `levels` deep. */
function rawNestedMultipart(to: string, levels: number): Uint8Array {
  const lines = ['From: Demo Shop <news@shop.example>', `To: ${to}`, 'Subject: Nested', 'MIME-Version: 1.0'];
  for (let i = 0; i < levels; i++)
    lines.push(`Content-Type: multipart/mixed; boundary="n${i}"`, '', `--n${i}`);
  lines.push('Content-Type: text/html; charset=utf-8', '', '<p>inner</p>');
  for (let i = levels - 1; i >= 0; i--) lines.push(`--n${i}--`);
  lines.push('');
  return Buffer.from(lines.join('\r\n'));
}

async function consent(address: string) {
  const r = await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
  expect(r.status).toBe(201);
}

async function sesStatus(
  input: SendEmailCommandInput,
): Promise<{ status: number; name?: string; message?: string }> {
  try {
    await ses.send(new SendEmailCommand(input));
    return { status: 200 };
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { status: e.$metadata?.httpStatusCode ?? 0, name: e.name, message: e.message };
  }
}

/** The stack still decides and sends: a normal newsletter goes out and is delivered. */
async function stillAnswers(address: string) {
  const before = (await gw.sentEmails()).length;
  const r = await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(address) });
  expect(r.status, r.text).toBe(202);
  expect((await gw.sentEmails()).length).toBe(before + 1);
}

/**
 * No `decision.sent` without the message delivered (it went out) or a `send.failed` (it did
 * not): the messages the trail holds as sent are the mails the local SES received.
 */
async function auditConsistent(address: string) {
  const key = await recipientKeyOf(gw, address);
  const delivered = (await gw.sentEmails()).filter((m) => m.destination.to.includes(address)).length;
  expect((await sentRecords(gw, key)).length, `messages held as sent to ${address}`).toBe(delivered);
}

const tally: string[] = [];
afterAll(() => {
  console.log(
    `[hostile] content worst cases: ${tally.length} sent, every one 4xx or harmless\n  ${tally.join('\n  ')}`,
  );
});

describe('R10 content: worst-case bodies never crash the stack', () => {
  let n = 0;
  const next = async () => {
    const address = `worst-${++n}@example.org`;
    await consent(address);
    return address;
  };

  for (const [label, html] of HOSTILE_HTML) {
    it(`POST /v1/messages: ${label} is a 400 naming html, nothing is sent`, async () => {
      const address = await next();
      const before = (await gw.sentEmails()).length;
      const r = await gw.call('POST', '/v1/messages', {
        key: gw.senderKey,
        body: newsletter(address, { html }),
      });
      tally.push(`POST /v1/messages, ${label}: ${r.status}`);
      expect(r.status, r.text).toBe(400);
      expect(r.body.error).toBe('invalid_request');
      expect(JSON.stringify(r.body.details ?? r.body)).toContain('html');
      expect((await gw.sentEmails()).length).toBe(before);
      await auditConsistent(address);
      await stillAnswers(await next());
    });

    it(`SES Content.Simple: ${label} is a BadRequestException, nothing is sent`, async () => {
      const address = await next();
      const before = (await gw.sentEmails()).length;
      const r = await sesStatus({
        FromEmailAddress: 'Demo Shop <news@shop.example>',
        Destination: { ToAddresses: [address] },
        EmailTags: [{ Name: 'purpose', Value: 'newsletter' }],
        Content: { Simple: { Subject: { Data: 'Deep' }, Body: { Html: { Data: html } } } },
      });
      tally.push(`SES simple, ${label}: ${r.status} ${r.name}`);
      expect(r.status, r.message).toBe(400);
      expect(r.name).toBe('BadRequestException');
      expect(r.message).toContain('Html');
      expect((await gw.sentEmails()).length).toBe(before);
      await auditConsistent(address);
      await stillAnswers(await next());
    });

    it(`SES Content.Raw: ${label} in the HTML part is a BadRequestException, nothing is sent`, async () => {
      const address = await next();
      const before = (await gw.sentEmails()).length;
      const r = await sesStatus({
        EmailTags: [{ Name: 'purpose', Value: 'newsletter' }],
        Content: { Raw: { Data: rawWithHtml(address, html) } },
      });
      tally.push(`SES raw, ${label}: ${r.status} ${r.name}`);
      expect(r.status, r.message).toBe(400);
      expect(r.name).toBe('BadRequestException');
      expect(r.message).toMatch(/html/i);
      expect((await gw.sentEmails()).length).toBe(before);
      await auditConsistent(address);
      await stillAnswers(await next());
    });
  }

  for (const [label, html] of LARGE_HTML) {
    it(`every path: ${label} is answered without a 5xx`, async () => {
      const a = await next();
      const r = await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(a, { html }) });
      const b = await next();
      const simple = await sesStatus({
        FromEmailAddress: 'Demo Shop <news@shop.example>',
        Destination: { ToAddresses: [b] },
        EmailTags: [{ Name: 'purpose', Value: 'newsletter' }],
        Content: { Simple: { Subject: { Data: 'Big' }, Body: { Html: { Data: html } } } },
      });
      const c = await next();
      const raw = await sesStatus({
        EmailTags: [{ Name: 'purpose', Value: 'newsletter' }],
        Content: { Raw: { Data: rawWithHtml(c, html) } },
      });
      tally.push(`${label}: messages ${r.status}, SES simple ${simple.status}, SES raw ${raw.status}`);
      for (const status of [r.status, simple.status, raw.status]) expect(status).toBeLessThan(500);
      for (const address of [a, b, c]) await auditConsistent(address);
      await stillAnswers(await next());
    });
  }

  it('POST /v1/messages: 20,000 placeholders in the text part is a 400 naming text', async () => {
    const address = await next();
    const text = 'Stop: {{unsubscribe_url}}\n'.repeat(20_000);
    const r = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter(address, { text }),
    });
    tally.push(`POST /v1/messages, 20,000 text placeholders: ${r.status}`);
    expect(r.status, r.text).toBe(400);
    expect(JSON.stringify(r.body.details ?? r.body)).toContain('text');
    await auditConsistent(address);
    await stillAnswers(await next());
  });

  it('bulk queue: 6,000 nested divs is an invalid outcome, not retried nor dead-lettered, nothing sent', async () => {
    const address = await next();
    const before = (await gw.sentEmails()).length;
    const r = await gw.call('POST', '/local/bulk-queue/messages', {
      key: gw.senderKey,
      body: [newsletter(address, { html: deep(6_000) })],
    });
    expect(r.status).toBe(202);
    const id = (r.body.messageIds as string[])[0];
    const s = (await gw.call('GET', '/local/bulk-queue?wait')).body as {
      deadLetters: { messageId: string }[];
      events: { detail: Record<string, unknown> }[];
    };
    const outcomes = s.events.filter((e) => e.detail.sqsMessageId === id).map((e) => e.detail);
    tally.push(`bulk queue, 6,000 nested divs: ${outcomes.map((o) => o.outcome).join(', ')}`);
    expect(outcomes.map((o) => o.outcome)).toEqual(['invalid']);
    expect(String(outcomes[0]?.problem)).toContain('html: nests elements more than 512 levels deep');
    expect(s.deadLetters.map((d) => d.messageId)).not.toContain(id);
    expect((await gw.sentEmails()).length).toBe(before);
    await auditConsistent(address);
    await stillAnswers(await next());
  });

  it('SES Content.Raw: a multipart structure nested 2,000 deep is a 4xx, never a crash', async () => {
    const address = await next();
    const r = await sesStatus({
      EmailTags: [{ Name: 'purpose', Value: 'newsletter' }],
      Content: { Raw: { Data: rawNestedMultipart(address, 2_000) } },
    });
    tally.push(`SES raw, multipart nested 2,000 deep: ${r.status} ${r.name}`);
    expect(r.status, r.message).toBeGreaterThanOrEqual(400);
    expect(r.status, r.message).toBeLessThan(500);
    await auditConsistent(address);
    await stillAnswers(await next());
  });
});
