import { randomUUID } from 'node:crypto';
import { SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import { EmailProviderError } from '../../shared/ports/email-sender';
import { type LocalGateway, provableConsent, startLocalGateway } from '../support/local-gateway';
import { ATTACHMENT, attachmentSection, rawWithAttachment } from '../support/mime-fixtures';
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
    expect(out.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    const stored = (await gw.sentEmails()).at(-1)!;
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
          data: expect.objectContaining({ messageId: out.MessageId, via: 'ses-v2-endpoint' }),
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

  it('says plainly that templates are not supported', async () => {
    const error = await failure(
      ses.send(
        new SendEmailCommand(
          simple(['reader@example.org'], {
            Content: { Template: { TemplateName: 'welcome', TemplateData: '{}' } },
          }),
        ),
      ),
    );
    expect(error.name).toBe('BadRequestException');
    expect(error.message).toContain('Content.Template is not supported');
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
