import {
  GetSendQuotaCommand,
  GetSendStatisticsCommand,
  ListIdentitiesCommand,
  MessageRejected,
  SESClient,
  type SESServiceException,
  SendEmailCommand,
  type SendEmailCommandInput,
  SendRawEmailCommand,
  VerifyEmailIdentityCommand,
} from '@aws-sdk/client-ses';
import { simpleParser } from 'mailparser';
import nodemailer6 from 'nodemailer6';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import type { OutboundEmail } from '../../shared/ports/email-sender';
import { type LocalGateway, provableConsent, startLocalGateway } from '../support/local-gateway';
import { signSesPost } from '../support/ses-signing';

/**
 * SES v1 (the Query API: `POST /`, form body, XML answers) with the real v1 client of the AWS
 * SDK (@aws-sdk/client-ses), only its endpoint and credentials pointed at the gateway.
 */
let gw: LocalGateway;
let ses: SESClient;
let credentials: { accessKeyId: string; secretAccessKey: string };
/** The raw messages the gateway handed to its SES adapter (the local SES keeps fewer headers of them). */
const rawHanded: Buffer[] = [];
const handed: OutboundEmail[] = [];

beforeAll(async () => {
  gw = await startLocalGateway();
  const r = await gw.call('POST', '/v1/credentials', { key: gw.adminKey, body: { label: 'v1 app' } });
  expect(r.status).toBe(201);
  credentials = { accessKeyId: r.body.accessKeyId, secretAccessKey: r.body.secretAccessKey };
  ses = new SESClient({ endpoint: gw.apiUrl, region: 'eu-west-3', credentials, maxAttempts: 1 });
  const deps = runtimeDependencies();
  setDependencies({
    ...deps,
    email: {
      send: (email) => {
        handed.push(email);
        return deps.email.send(email);
      },
      sendRaw: async (email) => {
        rawHanded.push(email.raw);
        return deps.email.sendRaw(email);
      },
    },
  });
});
afterAll(async () => {
  ses?.destroy();
  await gw?.stop();
});

async function consent(address: string) {
  const r = await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
  expect(r.status).toBe(201);
}

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as SESServiceException;
  }
  throw new Error('expected the call to fail');
}

/** A form POST to `/`, signed as the SDK signs it (for what the SDK would not send). */
async function post(form: string, signWith = credentials) {
  const url = new URL(`${gw.apiUrl}/`);
  const headers = await signSesPost(url, form, signWith, {
    'content-type': 'application/x-www-form-urlencoded',
  });
  const r = await fetch(url, { method: 'POST', headers, body: form });
  return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
}

function simple(to: string[], extra: Partial<SendEmailCommandInput> = {}): SendEmailCommandInput {
  return {
    Source: 'Demo Shop <news@shop.example>',
    Destination: { ToAddresses: to },
    Tags: [{ Name: 'purpose', Value: 'newsletter' }],
    Message: {
      Subject: { Data: 'Autumn books' },
      Body: { Html: { Data: '<p>Ten novels.</p>' }, Text: { Data: 'Ten novels.' } },
    },
    ...extra,
  };
}

describe('SES v1 SendEmail', () => {
  it('R1: refuses without consent; the v1 SDK raises MessageRejected naming the reason codes; nothing sent', async () => {
    const before = (await gw.sentEmails()).length;
    const error = await failure(ses.send(new SendEmailCommand(simple(['nobody-v1@example.org']))));
    expect(error).toBeInstanceOf(MessageRejected);
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toContain('nobody-v1@example.org: consent_missing (R1)');
    expect(await gw.sentEmails()).toHaveLength(before);
  });

  it('R10: sends with consent, with the unsubscribe link and headers; MessageId is SES’s own', async () => {
    await consent('reader-v1@example.org');
    const out = await ses.send(
      new SendEmailCommand(simple(['reader-v1@example.org'], { ReplyToAddresses: ['help@shop.example'] })),
    );
    const stored = (await gw.sentEmails()).at(-1)!;
    expect(out.MessageId).toBe(stored.messageId);
    expect(stored.destination.to).toEqual(['reader-v1@example.org']);
    const mail = await gw.deliveredMessage(stored.messageId);
    expect(mail.subject).toBe('Autumn books');
    expect(mail.headerLines.find((h) => h.key === 'list-unsubscribe')?.line).toMatch(
      new RegExp(`<${gw.apiUrl}/u/[\\w.-]+>`),
    );
    expect(mail.html).toContain(`${gw.apiUrl}/u/`);
    expect(mail.text).toContain(`${gw.apiUrl}/u/`);
    expect(mail.replyTo?.text).toBe('help@shop.example');
  });

  it('one refused recipient among several: MessageRejected for that one only, nothing sent to anyone', async () => {
    await consent('to-v1@example.org');
    const before = (await gw.sentEmails()).length;
    const error = await failure(
      ses.send(
        new SendEmailCommand(
          simple([], {
            Destination: { ToAddresses: ['to-v1@example.org'], BccAddresses: ['bcc-none-v1@example.org'] },
          }),
        ),
      ),
    );
    expect(error).toBeInstanceOf(MessageRejected);
    expect(error.message).toContain('1 of 2 recipient(s)');
    expect(error.message).toContain('bcc-none-v1@example.org: consent_missing');
    expect(error.message).not.toContain('to-v1@example.org:');
    expect(await gw.sentEmails()).toHaveLength(before);
  });

  it('without the purpose tag: InvalidParameterValue, nothing sent', async () => {
    await consent('untagged-v1@example.org');
    const before = (await gw.sentEmails()).length;
    const error = await failure(
      ses.send(new SendEmailCommand(simple(['untagged-v1@example.org'], { Tags: [] }))),
    );
    expect(error.name).toBe('InvalidParameterValue');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toContain('purpose');
    expect(await gw.sentEmails()).toHaveLength(before);
  });

  it('ReturnPath and every tag are forwarded to SES (v2 names: FeedbackForwardingEmailAddress, EmailTags)', async () => {
    await consent('fwd-v1@example.org');
    await ses.send(
      new SendEmailCommand(
        simple(['fwd-v1@example.org'], {
          ReturnPath: 'bounces@shop.example',
          Tags: [
            { Name: 'purpose', Value: 'newsletter' },
            { Name: 'campaign', Value: 'autumn' },
          ],
        }),
      ),
    );
    const email = handed.at(-1)!;
    expect(email.to).toBe('fwd-v1@example.org');
    expect(email.forwarded?.feedbackForwardingEmailAddress).toBe('bounces@shop.example');
    expect(email.forwarded?.senderTags).toContainEqual({ name: 'campaign', value: 'autumn' });
  });

  it('a configuration set the deployment does not allow is refused by name, nothing sent', async () => {
    const before = (await gw.sentEmails()).length;
    const error = await failure(
      ses.send(new SendEmailCommand(simple(['fwd-v1@example.org'], { ConfigurationSetName: 'their-own' }))),
    );
    expect(error.name).toBe('InvalidParameterValue');
    expect(error.message).toContain('ConfigurationSetName "their-own"');
    expect(await gw.sentEmails()).toHaveLength(before);
  });

  it('an address that does not parse is InvalidParameterValue naming the v1 field, before the identity is checked', async () => {
    const before = (await gw.sentEmails()).length;
    const source = await failure(
      ses.send(new SendEmailCommand(simple(['reader-v1@example.org'], { Source: 'invalid@invalid' }))),
    );
    expect(source.name).toBe('InvalidParameterValue');
    expect(source.message).toContain('Source: not a valid address (has an invalid domain)');
    const cc = await failure(
      ses.send(
        new SendEmailCommand(
          simple([], {
            Destination: {
              ToAddresses: ['reader-v1@example.org'],
              CcAddresses: ['a@b.example', 'not an address'],
            },
          }),
        ),
      ),
    );
    expect(cc.name).toBe('InvalidParameterValue');
    expect(cc.message).toContain('Destination.CcAddresses.member.2: not a valid address');
    const raw = await failure(
      ses.send(
        new SendRawEmailCommand({
          RawMessage: { Data: Buffer.from('From: news@shop.example\r\nTo: x@y.example\r\n\r\nHi') },
          Destinations: ['x@y.example', 'invalid@invalid'],
        }),
      ),
    );
    expect(raw.name).toBe('InvalidParameterValue');
    expect(raw.message).toContain('Destinations.member.2: not a valid address');
    expect(await gw.sentEmails()).toHaveLength(before);
  });

  it('R10: a well-formed From that is not an identity of the tenant is MessageRejected, as SES answers an unverified one', async () => {
    const error = await failure(
      ses.send(new SendEmailCommand(simple(['reader-v1@example.org'], { Source: 'news@other.example' }))),
    );
    expect(error).toBeInstanceOf(MessageRejected);
    expect(error.message).toContain('Email address is not verified');
    expect(error.message).toContain('news@other.example');
  });

  it('SourceArn is refused by name, never dropped', async () => {
    const error = await failure(
      ses.send(
        new SendEmailCommand(
          simple(['reader-v1@example.org'], {
            SourceArn: 'arn:aws:ses:eu-west-3:111122223333:identity/shop.example',
          }),
        ),
      ),
    );
    expect(error.name).toBe('InvalidParameterValue');
    expect(error.message).toContain('FromEmailAddressIdentityArn');
  });
});

describe('SES v1: replays', () => {
  it('the same signed SendEmail sent twice: delivered once, the first answer again', async () => {
    await consent('replay-v1@example.org');
    const form = new URLSearchParams({
      Action: 'SendEmail',
      Version: '2010-12-01',
      Source: 'news@shop.example',
      'Destination.ToAddresses.member.1': 'replay-v1@example.org',
      'Message.Subject.Data': 'Once',
      'Message.Body.Text.Data': 'Only once.',
      'Tags.member.1.Name': 'purpose',
      'Tags.member.1.Value': 'newsletter',
    }).toString();
    const url = new URL(`${gw.apiUrl}/`);
    const headers = await signSesPost(url, form, credentials, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    const before = (await gw.sentEmails()).length;
    const first = await (await fetch(url, { method: 'POST', headers, body: form })).text();
    const again = await (await fetch(url, { method: 'POST', headers, body: form })).text();
    const id = (text: string) => /<MessageId>([^<]+)<\/MessageId>/.exec(text)?.[1];
    expect(id(first)).toBeDefined();
    expect(id(again)).toBe(id(first));
    const sent = (await gw.sentEmails()).slice(before);
    expect(sent.map((e) => e.messageId)).toEqual([id(first)]);
  });
});

describe('SES v1 SendRawEmail', () => {
  const raw = (to: string) =>
    Buffer.from(
      [
        'From: Demo Shop <news@shop.example>',
        `To: ${to}`,
        'Subject: Raw autumn',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Ten raw novels.',
        '',
      ].join('\r\n'),
    );

  it('sends a consenting recipient the raw message with the link injected', async () => {
    await consent('raw-v1@example.org');
    const out = await ses.send(
      new SendRawEmailCommand({
        RawMessage: { Data: raw('raw-v1@example.org') },
        Tags: [{ Name: 'purpose', Value: 'newsletter' }],
      }),
    );
    const stored = (await gw.sentEmails()).at(-1)!;
    expect(out.MessageId).toBe(stored.messageId);
    expect(stored.destination.to).toEqual(['raw-v1@example.org']);
    // What SES received: the sender's message, link and headers added.
    const mail = await simpleParser(rawHanded.at(-1)!);
    expect(mail.subject).toBe('Raw autumn');
    expect(mail.text).toContain('Ten raw novels.');
    expect(mail.text).toContain(`${gw.apiUrl}/u/`);
    expect(mail.headerLines.find((h) => h.key === 'list-unsubscribe')?.line).toContain(`${gw.apiUrl}/u/`);
  });

  it('Destinations replace the headers’ recipients; a refused one is MessageRejected, nothing sent', async () => {
    const before = (await gw.sentEmails()).length;
    const error = await failure(
      ses.send(
        new SendRawEmailCommand({
          RawMessage: { Data: raw('raw-v1@example.org') },
          Destinations: ['raw-none-v1@example.org'],
          Tags: [{ Name: 'purpose', Value: 'newsletter' }],
        }),
      ),
    );
    expect(error).toBeInstanceOf(MessageRejected);
    expect(error.message).toContain('raw-none-v1@example.org: consent_missing (R1)');
    expect(await gw.sentEmails()).toHaveLength(before);
  });
});

describe("nodemailer 6's SES transport (SES v1's SendRawEmail)", () => {
  const transport = () => nodemailer6.createTransport({ SES: { ses, aws: { SendRawEmailCommand } } });

  it('verify() succeeds against the gateway, and its probe sends nothing', async () => {
    const before = (await gw.sentEmails()).length;
    await expect(transport().verify()).resolves.toBe(true);
    expect(await gw.sentEmails()).toHaveLength(before);
  });

  it("R10: sendMail with the purpose tag is delivered with the link and List-Unsubscribe; messageId is SES's own", async () => {
    await consent('nm6-reader@example.org');
    const info = await transport().sendMail({
      from: 'Demo Shop <news@shop.example>',
      to: 'nm6-reader@example.org',
      subject: 'Winter books',
      text: 'Five novels.',
      html: '<p>Five novels.</p>',
      ses: { Tags: [{ Name: 'purpose', Value: 'newsletter' }] },
    });
    const stored = (await gw.sentEmails()).at(-1)!;
    expect(stored.destination.to).toEqual(['nm6-reader@example.org']);
    expect(info.messageId).toBe(`<${stored.messageId}@eu-west-3.amazonses.com>`);
    // In the local SES: the message, the link in both parts.
    const mail = await gw.deliveredMessage(stored.messageId);
    expect(mail.subject).toBe('Winter books');
    expect(mail.html).toContain(`${gw.apiUrl}/u/`);
    expect(mail.text).toContain(`${gw.apiUrl}/u/`);
    // The one-click headers, in the local outbox (each email as handed to the local SES: the
    // mail viewer rebuilds a raw message from its parts and keeps none of its other headers).
    const outbox = (await (await fetch(`${gw.apiUrl}/local/outbox.json`)).json()) as {
      emails: { sesMessageId: string; headers: { name: string; value: string }[] }[];
    };
    const headers = outbox.emails.find((e) => e.sesMessageId === stored.messageId)?.headers ?? [];
    expect(headers.find((h) => h.name === 'List-Unsubscribe')?.value).toMatch(
      new RegExp(`^<${gw.apiUrl}/u/[\\w.-]+>$`),
    );
    expect(headers).toContainEqual({ name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' });
  });

  it('R1: a refused recipient raises MessageRejected with the reason codes; nothing sent to anyone', async () => {
    await consent('nm6-to@example.org');
    const before = (await gw.sentEmails()).length;
    const error = await failure(
      transport().sendMail({
        from: 'Demo Shop <news@shop.example>',
        to: 'nm6-to@example.org',
        cc: 'nm6-nobody@example.org',
        subject: 'Winter books',
        text: 'Five novels.',
        ses: { Tags: [{ Name: 'purpose', Value: 'newsletter' }] },
      }),
    );
    expect(error).toBeInstanceOf(MessageRejected);
    expect(error.message).toContain('1 of 2 recipient(s)');
    expect(error.message).toContain('nm6-nobody@example.org: consent_missing (R1)');
    expect(await gw.sentEmails()).toHaveLength(before);
  });
});

describe('SES v1: the read calls', () => {
  it('GetSendQuota: no daily cap at the gateway (-1), no per-key rate locally (-1)', async () => {
    const out = await ses.send(new GetSendQuotaCommand({}));
    expect(out.Max24HourSend).toBe(-1);
    expect(out.MaxSendRate).toBe(-1);
    expect(out.SentLast24Hours).toBeUndefined();
  });

  it("ListIdentities: the tenant's own identities, by type", async () => {
    const other = await gw.call('POST', '/v1/operator/tenants', {
      key: gw.operatorKey,
      body: { id: 'other-v1', name: 'Other', identities: ['other-v1.example'] },
    });
    expect(other.status).toBe(201);
    expect((await ses.send(new ListIdentitiesCommand({}))).Identities).toEqual(['shop.example']);
    expect((await ses.send(new ListIdentitiesCommand({ IdentityType: 'Domain' }))).Identities).toEqual([
      'shop.example',
    ]);
    expect((await ses.send(new ListIdentitiesCommand({ IdentityType: 'EmailAddress' }))).Identities).toEqual(
      [],
    );
  });

  it('GetSendStatistics: no data points (the gateway keeps no 15-minute counts)', async () => {
    const out = await ses.send(new GetSendStatisticsCommand({}));
    expect(out.SendDataPoints ?? []).toEqual([]);
  });
});

describe('SES v1: errors in its XML shape', () => {
  it('an action consent-gate does not serve: InvalidAction naming consent-gate', async () => {
    const error = await failure(ses.send(new VerifyEmailIdentityCommand({ EmailAddress: 'x@shop.example' })));
    expect(error.name).toBe('InvalidAction');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toContain('consent-gate');
    expect(error.message).toContain('VerifyEmailIdentity');
  });

  it('a missing or unknown field is InvalidParameterValue naming it, as the Query API spells it', async () => {
    const missing = await post(
      'Action=SendEmail&Version=2010-12-01&Destination.ToAddresses.member.1=a%40example.org',
    );
    expect(missing.status).toBe(400);
    expect(missing.type).toBe('text/xml');
    expect(missing.text).toContain('<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">');
    expect(missing.text).toContain('<Type>Sender</Type><Code>InvalidParameterValue</Code>');
    expect(missing.text).toContain('Source:');
    const unknown = await post(
      'Action=SendEmail&Source=news%40shop.example&Destination.ToAddresses.member.1=a%40example.org&Message.Subject.Data=s&Message.Body.Text.Data=t&Tags.member.1.Name=purpose&Tags.member.1.Value=newsletter&Message.Body.Amp.Data=x',
    );
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('InvalidParameterValue');
    expect(unknown.text).toContain('Message.Body');
    expect(unknown.text).toContain('Amp');
    const gap = await post('Action=ListIdentities&Foo.member.2=x');
    expect(gap.text).toContain('Foo.member.1');
    // An echoed name XML cannot carry is replaced: the answer stays a document the SDK can read.
    const control = await post('Action=Send%01Email');
    expect(control.text).toContain('<Code>InvalidAction</Code>');
    expect(control.text).toContain('Send\uFFFDEmail');
    expect(control.text).not.toContain('\u0001');
    const noAction = await post('Version=2010-12-01');
    expect(noAction.status).toBe(400);
    expect(noAction.text).toContain('Action: is required');
  });

  it('a wrong secret: SignatureDoesNotMatch (403) in XML, nothing sent', async () => {
    const before = (await gw.sentEmails()).length;
    const r = await post('Action=GetSendQuota', { ...credentials, secretAccessKey: 'not-the-secret' });
    expect(r.status).toBe(403);
    expect(r.text).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(await gw.sentEmails()).toHaveLength(before);
  });

  it('unsigned: MissingAuthenticationTokenException (403) in XML', async () => {
    const r = await fetch(`${gw.apiUrl}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetSendQuota',
    });
    expect(r.status).toBe(403);
    expect(r.headers.get('content-type')).toBe('text/xml');
    expect(await r.text()).toContain('<Code>MissingAuthenticationTokenException</Code>');
  });

  it('GET / still serves what it served (the local index page)', async () => {
    const r = await fetch(`${gw.apiUrl}/`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/html');
  });
});
