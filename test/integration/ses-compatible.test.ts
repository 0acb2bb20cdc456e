import { randomUUID } from 'node:crypto';
import { SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import { EmailProviderError } from '../../shared/ports/email-sender';
import { dkimResults, signDkim } from '../support/dkim';
import { type LocalGateway, provableConsent, startLocalGateway } from '../support/local-gateway';
import {
  ATTACHMENT,
  attachmentSection,
  bareLineBreaks,
  buildMime,
  crlfFixtures,
  decodedParts,
  INLINE_NAMED_PARTS,
  leavesOf,
  NESTED_PARTS,
  rawWithAttachment,
  TWO_HTML_ALTERNATIVES,
} from '../support/mime-fixtures';
import { signSesPost } from '../support/ses-signing';

/**
 * The SES v2 endpoint with the real, unmodified @aws-sdk/client-sesv2: only its endpoint
 * and credentials point at the gateway.
 */
let gw: LocalGateway;
let credentials: { accessKeyId: string; secretAccessKey: string };
let ses: SESv2Client;

const sesClient = (creds: { accessKeyId: string; secretAccessKey: string }) =>
  new SESv2Client({ endpoint: gw.apiUrl, region: 'eu-west-3', credentials: creds, maxAttempts: 1 });

beforeAll(async () => {
  gw = await startLocalGateway();
  const r = await gw.call('POST', '/v1/credentials', { key: gw.adminKey, body: { label: 'legacy app' } });
  expect(r.status).toBe(201);
  credentials = { accessKeyId: r.body.accessKeyId, secretAccessKey: r.body.secretAccessKey };
  ses = sesClient(credentials);
  // Keep a copy of every raw message handed to SES (the local SES stores them parsed, not as sent).
  const deps = runtimeDependencies();
  const sendRaw = deps.email.sendRaw.bind(deps.email);
  setDependencies({
    ...deps,
    email: {
      send: async (email) => {
        if (failOnce.delete(email.to)) throw new EmailProviderError('SES unavailable (test, once)');
        return deps.email.send(email);
      },
      sendRaw: async (email) => {
        rawSent.push(email.raw);
        return sendRaw(email);
      },
    },
  });
});
const rawSent: Buffer[] = [];
/** Recipients whose next send fails once (SES unavailable), to make the SDK retry. */
const failOnce = new Set<string>();
afterAll(async () => {
  ses?.destroy();
  await gw?.stop();
});

async function consent(address: string) {
  const r = await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
  expect(r.status).toBe(201);
}

function simple(to: string[], extra: Partial<SendEmailCommandInput> = {}): SendEmailCommandInput {
  return {
    FromEmailAddress: 'Demo Shop <news@shop.example>',
    Destination: { ToAddresses: to },
    EmailTags: [{ Name: 'purpose', Value: 'newsletter' }],
    Content: {
      Simple: {
        Subject: { Data: 'Autumn books' },
        Body: { Html: { Data: '<p>Ten novels.</p>' }, Text: { Data: 'Ten novels.' } },
      },
    },
    ...extra,
  };
}

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as Error & { $metadata: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail');
}

describe('SES v2 SendEmail through the gateway', () => {
  it('R1: refuses without consent; the SDK raises MessageRejected naming reasons and rules', async () => {
    const before = (await gw.sentEmails()).length;
    const error = await failure(ses.send(new SendEmailCommand(simple(['nobody@example.org']))));
    expect(error.name).toBe('MessageRejected');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toContain('nobody@example.org: consent_missing (R1)');
    expect(await gw.sentEmails()).toHaveLength(before);
  });

  it('R10: sends with consent, with the unsubscribe link and both headers', async () => {
    await consent('reader@example.org');
    const out = await ses.send(new SendEmailCommand(simple(['reader@example.org'])));
    const stored = (await gw.sentEmails()).at(-1)!;
    // SES's own MessageId, as SES answers it.
    expect(out.MessageId).toBe(stored.messageId);
    expect(stored.destination.to).toEqual(['reader@example.org']);
    const mail = await gw.deliveredMessage(stored.messageId);
    const unsubscribe = mail.headerLines.find((h) => h.key === 'list-unsubscribe')?.line ?? '';
    expect(unsubscribe).toMatch(new RegExp(`<${gw.apiUrl}/u/[\\w.-]+>`));
    expect(mail.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe(
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    );
    expect(mail.html).toContain(`${gw.apiUrl}/u/`);
    expect(mail.text).toContain(`${gw.apiUrl}/u/`);

    // The decision is in the recipient's audit trail, like every decision of the gateway.
    const key = (
      await gw.call('PUT', '/v1/recipients', {
        key: gw.adminKey,
        body: { channel: 'email', address: 'reader@example.org', audience: 'consumer' },
      })
    ).body.recipientKey;
    const trail = await gw.call('GET', `/v1/recipients/${key}/audit`, { key: gw.adminKey });
    expect(trail.body.events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'decision.sent',
          data: expect.objectContaining({
            messageId: expect.stringMatching(/^[0-9a-f-]{36}$/),
            via: 'ses-v2-endpoint',
          }),
        }),
      ]),
    );
  });

  it('refuses a wrong secret (InvalidSignatureException) and an unknown key (UnrecognizedClientException)', async () => {
    const before = (await gw.sentEmails()).length;
    // Another last character than the secret's own (a fixed 'x' was the right one 1 time in 64).
    const last = credentials.secretAccessKey.slice(-1) === 'x' ? 'y' : 'x';
    const wrong = sesClient({
      ...credentials,
      secretAccessKey: `${credentials.secretAccessKey.slice(0, -1)}${last}`,
    });
    const error = await failure(wrong.send(new SendEmailCommand(simple(['reader@example.org']))));
    expect(error.name).toBe('InvalidSignatureException');
    expect(error.$metadata.httpStatusCode).toBe(403);
    const unknown = sesClient({ accessKeyId: 'CGAKAAAAAAAAAAAAAAAA', secretAccessKey: 'x' });
    expect((await failure(unknown.send(new SendEmailCommand(simple(['reader@example.org']))))).name).toBe(
      'UnrecognizedClientException',
    );
    expect(await gw.sentEmails()).toHaveLength(before);
  });

  it('refuses an unsigned request with MissingAuthenticationTokenException', async () => {
    const r = await fetch(`${gw.apiUrl}/v2/email/outbound-emails`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(simple(['reader@example.org'])),
    });
    expect(r.status).toBe(403);
    expect(r.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });

  it('needs the purpose tag: BadRequestException says which tag', async () => {
    const error = await failure(
      ses.send(new SendEmailCommand(simple(['reader@example.org'], { EmailTags: [] }))),
    );
    expect(error.name).toBe('BadRequestException');
    expect(error.message).toContain('tag named "purpose"');
  });

  it('an unknown template is a NotFoundException naming it (nothing sent)', async () => {
    const before = (await gw.sentEmails()).length;
    const error = await failure(
      ses.send(
        new SendEmailCommand(
          simple(['reader@example.org'], {
            Content: { Template: { TemplateName: 'welcome', TemplateData: '{}' } },
          }),
        ),
      ),
    );
    expect(error.name).toBe('NotFoundException');
    expect(error.message).toContain('Template welcome does not exist');
    expect(await gw.sentEmails()).toHaveLength(before);
  });

  it('R1: decides every recipient (To, Cc, Bcc): one refused recipient refuses the message, named', async () => {
    await consent('to-ok@example.org');
    await consent('bcc-ok@example.org');
    const before = (await gw.sentEmails()).length;
    const error = await failure(
      ses.send(
        new SendEmailCommand(
          simple([], {
            Destination: {
              ToAddresses: ['to-ok@example.org'],
              CcAddresses: ['cc-none@example.org'],
              BccAddresses: ['bcc-ok@example.org'],
            },
          }),
        ),
      ),
    );
    expect(error.name).toBe('MessageRejected');
    expect(error.message).toContain('1 of 3 recipient(s)');
    expect(error.message).toContain('cc-none@example.org: consent_missing');
    expect(error.message).not.toContain('to-ok@example.org:');
    expect(await gw.sentEmails()).toHaveLength(before);

    await consent('cc-none@example.org');
    const out = await ses.send(
      new SendEmailCommand(
        simple([], {
          Destination: {
            ToAddresses: ['to-ok@example.org'],
            CcAddresses: ['cc-none@example.org'],
            BccAddresses: ['bcc-ok@example.org'],
          },
        }),
      ),
    );
    expect(out.MessageId).toBeDefined();
    const sent = (await gw.sentEmails()).slice(before);
    // One copy per recipient, each with its own unsubscribe link.
    expect(sent.map((e) => e.destination.to[0]).sort()).toEqual([
      'bcc-ok@example.org',
      'cc-none@example.org',
      'to-ok@example.org',
    ]);
    const links = sent.map((e) => e.headers?.find((h) => h.name === 'List-Unsubscribe')?.value);
    expect(new Set(links).size).toBe(3);
  });

  it('R10: passes a raw MIME message with its attachment intact, link and headers added', async () => {
    await consent('raw@example.org');
    const raw = rawWithAttachment({ from: 'Demo Shop <news@shop.example>', to: 'raw@example.org' });
    const out = await ses.send(
      new SendEmailCommand({
        EmailTags: [{ Name: 'purpose', Value: 'newsletter' }],
        Content: { Raw: { Data: raw } },
      }),
    );
    expect(out.MessageId).toBeDefined();
    // What SES received: the attachment's encoded section byte for byte, link and headers added.
    const sent = rawSent.at(-1)!;
    expect(sent.toString('latin1')).toContain(attachmentSection());
    const mail = await simpleParser(sent);
    expect(Buffer.compare(mail.attachments[0]!.content, ATTACHMENT)).toBe(0);
    expect(mail.text).toContain(`${gw.apiUrl}/u/`);
    expect(mail.html).toContain(`${gw.apiUrl}/u/`);
    expect(mail.headerLines.find((h) => h.key === 'list-unsubscribe')?.line).toContain(`${gw.apiUrl}/u/`);
    // And what the local SES made of it.
    const stored = (await gw.sentEmails()).at(-1) as unknown as {
      destination: { to: string[] };
      attachments: { filename: string; content: string }[];
    };
    expect(stored.destination.to).toEqual(['raw@example.org']);
    expect(stored.attachments.map((a) => a.filename)).toEqual(['catalogue.pdf']);
    expect(stored.attachments[0]!.content).toBe(ATTACHMENT.toString('base64'));
  });

  it('R1: refuses a raw message whose header recipients lack consent', async () => {
    const raw = rawWithAttachment({
      from: 'news@shop.example',
      to: 'raw@example.org',
      cc: 'stranger@example.org',
    });
    const error = await failure(
      ses.send(
        new SendEmailCommand({
          EmailTags: [{ Name: 'purpose', Value: 'newsletter' }],
          Content: { Raw: { Data: raw } },
        }),
      ),
    );
    expect(error.name).toBe('MessageRejected');
    expect(error.message).toContain('stranger@example.org');
  });
});

describe('no double sends on the SES endpoint', () => {
  it("the SDK's own retry after one copy failed sends each recipient exactly one copy", async () => {
    await consent('first@example.org');
    await consent('second@example.org');
    const before = (await gw.sentEmails()).length;
    failOnce.add('second@example.org');
    const retrying = new SESv2Client({
      endpoint: gw.apiUrl,
      region: 'eu-west-3',
      credentials,
      maxAttempts: 3,
    });
    const out = await retrying.send(
      new SendEmailCommand(simple(['first@example.org', 'second@example.org'])),
    );
    retrying.destroy();
    expect(out.$metadata.attempts).toBe(2);
    expect(failOnce.size).toBe(0);
    const sent = (await gw.sentEmails()).slice(before).map((e) => e.destination.to[0]);
    expect(sent.sort()).toEqual(['first@example.org', 'second@example.org']);
  });

  /** A signed SendEmail request with a fixed amz-sdk-invocation-id, as the SDK sends on every retry of one call. */
  async function signedRequest(invocationId: string, body: unknown) {
    const url = new URL(`${gw.apiUrl}/v2/email/outbound-emails`);
    const payload = JSON.stringify(body);
    const headers = await signSesPost(url, payload, credentials, { 'amz-sdk-invocation-id': invocationId });
    return () =>
      fetch(url, { method: 'POST', headers, body: payload }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { MessageId?: string },
      }));
  }

  it('a concurrent duplicate (same invocation id) sends once and answers the first MessageId', async () => {
    await consent('retry@example.org');
    const before = (await gw.sentEmails()).length;
    const send = await signedRequest(randomUUID(), simple(['retry@example.org']));
    const answers = await Promise.all(Array.from({ length: 5 }, () => send()));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(answers.map((a) => a.body.MessageId)).size).toBe(1);
    expect((await gw.sentEmails()).length - before).toBe(1);
    // A later retry too.
    expect((await send()).body.MessageId).toBe(answers[0]!.body.MessageId);
    expect((await gw.sentEmails()).length - before).toBe(1);
  });
});

/** A raw message through the real SDK, with the purpose tag. */
function sendRawMessage(raw: Buffer, extra: Partial<SendEmailCommandInput> = {}) {
  return ses.send(
    new SendEmailCommand({
      EmailTags: [{ Name: 'purpose', Value: 'newsletter' }],
      Content: { Raw: { Data: raw } },
      ...extra,
    }),
  );
}

describe('Raw messages, every body part (R10)', () => {
  for (const [name, tree] of Object.entries({ TWO_HTML_ALTERNATIVES, INLINE_NAMED_PARTS, NESTED_PARTS })) {
    it(`${name}: every non-attachment text part SES receives carries the link; other parts unchanged`, async () => {
      const to = `parts-${name.toLowerCase().replace(/_/g, '-')}@example.org`;
      await consent(to);
      const raw = buildMime(tree, { from: 'Demo Shop <news@shop.example>', to });
      await sendRawMessage(raw);
      const sent = rawSent.at(-1)!;
      const before = await decodedParts(raw);
      const after = await decodedParts(sent);
      const leaves = leavesOf(tree);
      expect(after).toHaveLength(leaves.length);
      for (const [i, leaf] of leaves.entries()) {
        const isBody =
          (leaf.type === 'text/plain' || leaf.type === 'text/html') && leaf.disposition !== 'attachment';
        if (isBody) expect(after[i]!.text, `part ${i} (${leaf.type})`).toContain(`${gw.apiUrl}/u/`);
        else expect(after[i]!.text, `part ${i} (${leaf.type})`).toBe(before[i]!.text);
      }
      // As a mailbox parses the delivered message: the HTML it shows has the link.
      const mail = await simpleParser(sent);
      expect(mail.html).toContain(`${gw.apiUrl}/u/`);
      const stored = (await gw.sentEmails()).at(-1)!;
      expect(stored.destination.to).toEqual([to]);
      expect((await gw.deliveredMessage(stored.messageId)).html).toContain(`${gw.apiUrl}/u/`);
    });
  }
});

describe('Broken messages on the SES endpoint', () => {
  it('refuses a raw message of more body parts than it rewrites (BadRequestException), before any send', async () => {
    await consent('many-parts@example.org');
    const before = (await gw.sentEmails()).length;
    const raw = buildMime(
      {
        kind: 'multipart',
        subtype: 'alternative',
        parts: Array.from({ length: 200 }, () => ({
          kind: 'leaf' as const,
          type: 'text/html' as const,
          encoding: '7bit' as const,
          body: '<p>x</p>',
        })),
      },
      { from: 'Demo Shop <news@shop.example>', to: 'many-parts@example.org' },
    );
    const error = await failure(sendRawMessage(raw));
    expect(error.name).toBe('BadRequestException');
    expect(error.message).toContain('200 text or HTML body parts');
    expect(await gw.sentEmails()).toHaveLength(before);
  });

  it('CRLF only: no bare LF or CR in any message handed to SES, over every fixture', async () => {
    await consent('crlf@example.org');
    const found: Record<string, number> = {};
    for (const [name, raw] of Object.entries(
      crlfFixtures({ from: 'Demo Shop <news@shop.example>', to: 'crlf@example.org' }),
    )) {
      await sendRawMessage(raw);
      found[name] = bareLineBreaks(rawSent.at(-1)!).length;
    }
    expect(Object.values(found).filter((n) => n > 0)).toEqual([]);
    expect(Object.keys(found).length).toBeGreaterThanOrEqual(9);
  });

  it("removes the sender's DKIM-Signature the rewrite invalidates: it verified before, no failing one is delivered", async () => {
    await consent('dkim@example.org');
    const signed = await signDkim(
      rawWithAttachment({ from: 'Demo Shop <news@shop.example>', to: 'dkim@example.org' }),
    );
    expect(await dkimResults(signed)).toEqual(['pass']);
    await sendRawMessage(signed);
    const sent = rawSent.at(-1)!;
    expect(await dkimResults(sent)).toEqual([]);
    const mail = await simpleParser(sent);
    expect(mail.headerLines.filter((h) => h.key === 'dkim-signature')).toEqual([]);
    expect(mail.text).toContain(`${gw.apiUrl}/u/`);
  });

  it('forwards Content.Simple.Attachments byte for byte (they were dropped)', async () => {
    await consent('attach@example.org');
    const out = await ses.send(
      new SendEmailCommand(
        simple(['attach@example.org'], {
          Content: {
            Simple: {
              Subject: { Data: 'Catalogue' },
              Body: { Html: { Data: '<p>Attached.</p>' }, Text: { Data: 'Attached.' } },
              Attachments: [
                { FileName: 'catalogue.pdf', RawContent: ATTACHMENT, ContentType: 'application/pdf' },
                {
                  FileName: 'logo.png',
                  RawContent: Buffer.from('PNG'),
                  ContentType: 'image/png',
                  ContentDisposition: 'INLINE',
                  ContentId: 'logo',
                },
              ],
            },
          },
        }),
      ),
    );
    expect(out.MessageId).toBeDefined();
    const stored = (await gw.sentEmails()).at(-1) as unknown as {
      destination: { to: string[] };
      attachments: { filename: string; content: string; contentType: string; contentId?: string }[];
    };
    expect(stored.destination.to).toEqual(['attach@example.org']);
    expect(stored.attachments.map((a) => [a.filename, a.contentType, a.contentId])).toEqual([
      ['catalogue.pdf', 'application/pdf', undefined],
      ['logo.png', 'image/png', 'logo'],
    ]);
    expect(stored.attachments[0]!.content).toBe(ATTACHMENT.toString('base64'));
    expect(stored.attachments[1]!.content).toBe(Buffer.from('PNG').toString('base64'));
  });

  it('refuses a raw message with two From headers, or a From naming two mailboxes (BadRequestException)', async () => {
    await consent('from@example.org');
    const before = (await gw.sentEmails()).length;
    const single = rawWithAttachment({ from: 'Demo Shop <news@shop.example>', to: 'from@example.org' });
    // The allowed From first (the one decided on before), an unchecked one after it.
    const twoHeaders = Buffer.from(
      single.toString('latin1').replace('\r\nTo:', '\r\nFrom: other@elsewhere.example\r\nTo:'),
      'latin1',
    );
    const twoMailboxes = rawWithAttachment({
      from: 'Demo Shop <news@shop.example>, other@elsewhere.example',
      to: 'from@example.org',
    });
    for (const raw of [twoHeaders, twoMailboxes]) {
      const error = await failure(sendRawMessage(raw));
      expect(error.name).toBe('BadRequestException');
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(error.message).toMatch(/From/);
    }
    expect(await gw.sentEmails()).toHaveLength(before);
  });

  it("caps the recipients at SES's 50: raw header recipients and Destination totals beyond are refused", async () => {
    const many = Array.from({ length: 51 }, (_, i) => `r${i}@example.org`);
    // Every one may receive it: the only reason to refuse is the count.
    for (let i = 0; i < many.length; i += 10) await Promise.all(many.slice(i, i + 10).map(consent));
    const before = (await gw.sentEmails()).length;
    const raw = rawWithAttachment({
      from: 'Demo Shop <news@shop.example>',
      to: many.slice(0, 30).join(', '),
      cc: many.slice(30).join(', '),
    });
    const error = await failure(sendRawMessage(raw));
    expect(error.name).toBe('BadRequestException');
    expect(error.message).toContain('50');
    const split = await failure(
      ses.send(
        new SendEmailCommand(
          simple([], {
            Destination: {
              ToAddresses: many.slice(0, 20),
              CcAddresses: many.slice(20, 40),
              BccAddresses: many.slice(40),
            },
          }),
        ),
      ),
    );
    expect(split.name).toBe('BadRequestException');
    expect(split.message).toContain('50');
    expect(await gw.sentEmails()).toHaveLength(before);
  });
});

describe('Replays on the SES endpoint', () => {
  /** One signed request (no invocation id), sent as many times as asked; unsigned headers may be added. */
  async function recorded(body: unknown, region = 'eu-west-3') {
    const url = new URL(`${gw.apiUrl}/v2/email/outbound-emails`);
    const payload = JSON.stringify(body);
    const headers = await signSesPost(url, payload, credentials, {}, region);
    expect(Object.keys(headers).map((h) => h.toLowerCase())).not.toContain('amz-sdk-invocation-id');
    return (unsigned: Record<string, string> = {}) =>
      fetch(url, { method: 'POST', headers: { ...headers, ...unsigned }, body: payload }).then(async (r) => ({
        status: r.status,
        type: r.headers.get('x-amzn-errortype'),
        body: (await r.json()) as { MessageId?: string; message?: string },
      }));
  }

  it('the same signed request replayed 3 times sends one email and answers the first MessageId', async () => {
    await consent('replay@example.org');
    const before = (await gw.sentEmails()).length;
    const replay = await recorded(simple(['replay@example.org']));
    const answers = [await replay(), await replay(), await replay()];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(new Set(answers.map((a) => a.body.MessageId)).size).toBe(1);
    expect((await gw.sentEmails()).length - before).toBe(1);
  });

  it('a replay with an invocation id of its own (an unsigned header) still sends once', async () => {
    await consent('replay-id@example.org');
    const before = (await gw.sentEmails()).length;
    const replay = await recorded(simple(['replay-id@example.org']));
    const answers = await Promise.all(
      Array.from({ length: 3 }, () => replay({ 'amz-sdk-invocation-id': randomUUID() })),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect((await gw.sentEmails()).length - before).toBe(1);
  });

  it("a replay past the first claim's lease, with an invocation id of its own, sends nothing and answers the first MessageId", async () => {
    await consent('replay-late@example.org');
    const before = (await gw.sentEmails()).length;
    const replay = await recorded(simple(['replay-late@example.org']));
    const first = await replay({ 'amz-sdk-invocation-id': randomUUID() });
    expect(first.status).toBe(200);
    // 60 s later: past the claim's 30 s lease, within the signature's 5 min skew.
    const deps = runtimeDependencies();
    const later = new Date(Date.now() + 60_000);
    setDependencies({ ...deps, clock: { now: () => later } });
    try {
      const again = await replay({ 'amz-sdk-invocation-id': randomUUID() });
      expect(again.status).toBe(200);
      expect(again.body.MessageId).toBe(first.body.MessageId);
    } finally {
      setDependencies(deps);
    }
    expect((await gw.sentEmails()).length - before).toBe(1);
  });

  it("refuses a request signed for another region than the deployment's, naming it; nothing is sent", async () => {
    await consent('region@example.org');
    const before = (await gw.sentEmails()).length;
    const answer = await (await recorded(simple(['region@example.org']), 'us-east-1'))();
    expect(answer.status).toBe(403);
    expect(answer.type).toBe('InvalidSignatureException');
    expect(answer.body.message).toContain("'us-east-1'");
    expect(answer.body.message).toContain('eu-west-3');
    // The unmodified SDK configured for another region gets the same answer.
    const elsewhere = new SESv2Client({
      endpoint: gw.apiUrl,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
    const error = await failure(elsewhere.send(new SendEmailCommand(simple(['region@example.org']))));
    elsewhere.destroy();
    expect(error.name).toBe('InvalidSignatureException');
    expect(await gw.sentEmails()).toHaveLength(before);
  });
});
