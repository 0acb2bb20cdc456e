import {
  CreateContactListCommand,
  CreateEmailTemplateCommand,
  DeleteEmailTemplateCommand,
  GetAccountCommand,
  GetDedicatedIpsCommand,
  GetEmailIdentityCommand,
  GetEmailTemplateCommand,
  ListEmailIdentitiesCommand,
  ListEmailTemplatesCommand,
  SESv2Client,
  SendBulkEmailCommand,
  SendEmailCommand,
  type SendEmailCommandInput,
  UpdateEmailTemplateCommand,
} from '@aws-sdk/client-sesv2';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import type { OutboundEmail } from '../../shared/ports/email-sender';
import { type LocalGateway, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * The SES v2 operations senders call besides SendEmail, each with the real client library
 * (@aws-sdk/client-sesv2, nodemailer's SES transport), only its endpoint and credentials
 * pointed at the gateway.
 */
let gw: LocalGateway;
let ses: SESv2Client;
/** What the gateway handed to its SES adapter (the local SES keeps fewer fields). */
const handed: OutboundEmail[] = [];
const rawHanded: Buffer[] = [];

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
  const deps = runtimeDependencies();
  setDependencies({
    ...deps,
    email: {
      send: async (email) => {
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
    return error as Error & { $metadata: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail');
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

describe('SES v2: every other operation', () => {
  it('answers an operation consent-gate does not serve with NotFoundException naming consent-gate', async () => {
    const error = await failure(ses.send(new GetDedicatedIpsCommand({})));
    expect(error.name).toBe('NotFoundException');
    expect(error.$metadata.httpStatusCode).toBe(404);
    expect(error.message).toContain('consent-gate');
    expect(error.message).toContain('GET /v2/email/dedicated-ips');
    const create = await failure(ses.send(new CreateContactListCommand({ ContactListName: 'all' })));
    expect(create.name).toBe('NotFoundException');
    expect(create.message).toContain('consent-gate');
  });

  it('asks for a signature there too (MissingAuthenticationTokenException)', async () => {
    const r = await fetch(`${gw.apiUrl}/v2/email/contact-lists`, { method: 'GET' });
    expect(r.status).toBe(403);
    expect(r.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });
});

describe('SES v2: the read calls apps make at start-up', () => {
  it("GetAccount: the tenant's sending state and limits", async () => {
    const out = await ses.send(new GetAccountCommand({}));
    expect(out.SendingEnabled).toBe(true);
    expect(out.ProductionAccessEnabled).toBe(true);
    expect(out.EnforcementStatus).toBe('HEALTHY');
    // No daily cap at the gateway: -1 is SES's "unlimited".
    expect(out.SendQuota?.Max24HourSend).toBe(-1);
    // The per-credential limit when the deployment sets one; the local gateway sets none.
    expect(out.SendQuota?.MaxSendRate).toBeUndefined();
  });

  it("ListEmailIdentities: the tenant's own identities, nobody else's", async () => {
    const other = await gw.call('POST', '/v1/operator/tenants', {
      key: gw.operatorKey,
      body: { id: 'other-shop', name: 'Other Shop', identities: ['other.example'] },
    });
    expect(other.status).toBe(201);
    const out = await ses.send(new ListEmailIdentitiesCommand({}));
    expect(out.EmailIdentities).toEqual([
      {
        IdentityName: 'shop.example',
        IdentityType: 'DOMAIN',
        SendingEnabled: true,
        VerificationStatus: 'SUCCESS',
      },
    ]);
  });

  it('GetEmailIdentity: an own identity in SES shape; another one is NotFoundException', async () => {
    const out = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: 'shop.example' }));
    expect(out.IdentityType).toBe('DOMAIN');
    expect(out.VerifiedForSendingStatus).toBe(true);
    expect(out.VerificationStatus).toBe('SUCCESS');
    const error = await failure(ses.send(new GetEmailIdentityCommand({ EmailIdentity: 'other.example' })));
    expect(error.name).toBe('NotFoundException');
    expect(error.message).toContain('other.example');
  });
});

describe("nodemailer's SES transport", () => {
  const transport = () => nodemailer.createTransport({ SES: { sesClient: ses, SendEmailCommand } });

  it('verify() succeeds (the gateway answers its probe as SES does: MessageRejected)', async () => {
    const before = (await gw.sentEmails()).length;
    await expect(transport().verify()).resolves.toBe(true);
    expect(await gw.sentEmails()).toHaveLength(before);
  });

  it("sendMail is delivered with the link; its messageId is SES's own", async () => {
    await consent('nm-reader@example.org');
    const info = await transport().sendMail({
      from: 'Demo Shop <news@shop.example>',
      to: 'nm-reader@example.org',
      subject: 'Winter books',
      text: 'Five novels.',
      html: '<p>Five novels.</p>',
      ses: { EmailTags: [{ Name: 'purpose', Value: 'newsletter' }] },
    });
    const stored = (await gw.sentEmails()).at(-1)!;
    expect(stored.destination.to).toEqual(['nm-reader@example.org']);
    // nodemailer's correlation id is built from SES's MessageId.
    expect(info.messageId).toBe(`<${stored.messageId}@eu-west-3.amazonses.com>`);
    // nodemailer sends raw MIME: what SES received carries the link and the headers.
    const mail = await simpleParser(rawHanded.at(-1)!);
    expect(mail.text).toContain(`${gw.apiUrl}/u/`);
    expect(mail.headerLines.find((h) => h.key === 'list-unsubscribe')?.line).toContain(`${gw.apiUrl}/u/`);
  });
});

describe('SES v2: the MessageId is SES’s own', () => {
  it("answers SES's MessageId; the gateway's id stays in its records beside it", async () => {
    await consent('id-reader@example.org');
    const out = await ses.send(new SendEmailCommand(simple(['id-reader@example.org'])));
    const stored = (await gw.sentEmails()).at(-1)!;
    expect(out.MessageId).toBe(stored.messageId);
    const key = (
      await gw.call('PUT', '/v1/recipients', {
        key: gw.adminKey,
        body: { channel: 'email', address: 'id-reader@example.org', audience: 'consumer' },
      })
    ).body.recipientKey;
    const exported = await gw.call('GET', `/v1/recipients/${key}/export`, { key: gw.adminKey });
    expect(exported.status).toBe(200);
    const record = exported.body.messages.at(-1);
    expect(record.providerMessageId).toBe(out.MessageId);
    expect(record.messageId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('SES v2 templates', () => {
  it('Create, Get, List, Update and Delete a template of the tenant', async () => {
    await ses.send(
      new CreateEmailTemplateCommand({
        TemplateName: 'welcome',
        TemplateContent: { Subject: 'Hello {{name}}', Html: '<p>Hi {{name}}</p>', Text: 'Hi {{name}}' },
      }),
    );
    const again = await failure(
      ses.send(
        new CreateEmailTemplateCommand({
          TemplateName: 'welcome',
          TemplateContent: { Subject: 'x', Text: 'x' },
        }),
      ),
    );
    expect(again.name).toBe('AlreadyExistsException');
    const got = await ses.send(new GetEmailTemplateCommand({ TemplateName: 'welcome' }));
    expect(got.TemplateContent).toEqual({
      Subject: 'Hello {{name}}',
      Html: '<p>Hi {{name}}</p>',
      Text: 'Hi {{name}}',
    });
    await ses.send(
      new UpdateEmailTemplateCommand({
        TemplateName: 'welcome',
        TemplateContent: {
          Subject: 'Welcome {{name}}',
          Html: '<p>Welcome {{name}}</p>',
          Text: 'Welcome {{name}}',
        },
      }),
    );
    expect(
      (await ses.send(new GetEmailTemplateCommand({ TemplateName: 'welcome' }))).TemplateContent?.Subject,
    ).toBe('Welcome {{name}}');
    const list = await ses.send(new ListEmailTemplatesCommand({}));
    expect(list.TemplatesMetadata?.map((t) => t.TemplateName)).toContain('welcome');
    expect(list.TemplatesMetadata?.[0]?.CreatedTimestamp).toBeInstanceOf(Date);
    await ses.send(
      new CreateEmailTemplateCommand({ TemplateName: 'gone', TemplateContent: { Subject: 's', Text: 't' } }),
    );
    await ses.send(new DeleteEmailTemplateCommand({ TemplateName: 'gone' }));
    const missing = await failure(ses.send(new GetEmailTemplateCommand({ TemplateName: 'gone' })));
    expect(missing.name).toBe('NotFoundException');
  });

  it('SendEmail with Content.Template: rendered, then the link injected into the rendered parts', async () => {
    await consent('tpl-reader@example.org');
    await ses.send(
      new CreateEmailTemplateCommand({
        TemplateName: 'offer',
        TemplateContent: { Subject: 'For {{name}}', Html: '<p>Dear {{name}}</p>', Text: 'Dear {{name}}' },
      }),
    );
    const out = await ses.send(
      new SendEmailCommand(
        simple(['tpl-reader@example.org'], {
          Content: { Template: { TemplateName: 'offer', TemplateData: '{"name":"Ada"}' } },
        }),
      ),
    );
    const stored = (await gw.sentEmails()).at(-1)!;
    expect(stored.messageId).toBe(out.MessageId);
    expect(stored.subject).toBe('For Ada');
    const mail = await gw.deliveredMessage(stored.messageId);
    expect(mail.html).toContain('Dear Ada');
    expect(mail.html).toContain(`${gw.apiUrl}/u/`);
    expect(mail.text).toContain('Dear Ada');
    expect(mail.text).toContain(`${gw.apiUrl}/u/`);
  });

  it('TemplateData that is not JSON is a BadRequestException naming it; an unknown template NotFoundException', async () => {
    const before = (await gw.sentEmails()).length;
    const bad = await failure(
      ses.send(
        new SendEmailCommand(
          simple(['tpl-reader@example.org'], {
            Content: { Template: { TemplateName: 'offer', TemplateData: '{name: Ada' } },
          }),
        ),
      ),
    );
    expect(bad.name).toBe('BadRequestException');
    expect(bad.message).toContain('TemplateData');
    const unknown = await failure(
      ses.send(
        new SendEmailCommand(
          simple(['tpl-reader@example.org'], {
            Content: { Template: { TemplateName: 'nope', TemplateData: '{}' } },
          }),
        ),
      ),
    );
    expect(unknown.name).toBe('NotFoundException');
    expect(unknown.message).toContain('nope');
    expect(await gw.sentEmails()).toHaveLength(before);
  });
});

describe('SES v2 SendBulkEmail', () => {
  it('decides each entry on its own: a refused entry gets its Status and Error, the others are sent', async () => {
    await consent('bulk-ok@example.org');
    await ses.send(
      new CreateEmailTemplateCommand({
        TemplateName: 'bulk',
        TemplateContent: {
          Subject: 'News for {{name}}',
          Text: 'Hello {{name}}',
          Html: '<p>Hello {{name}}</p>',
        },
      }),
    );
    const before = (await gw.sentEmails()).length;
    const out = await ses.send(
      new SendBulkEmailCommand({
        FromEmailAddress: 'news@shop.example',
        DefaultEmailTags: [{ Name: 'purpose', Value: 'newsletter' }],
        DefaultContent: { Template: { TemplateName: 'bulk', TemplateData: '{"name":"friend"}' } },
        BulkEmailEntries: [
          {
            Destination: { ToAddresses: ['bulk-ok@example.org'] },
            ReplacementEmailContent: { ReplacementTemplate: { ReplacementTemplateData: '{"name":"Grace"}' } },
          },
          { Destination: { ToAddresses: ['bulk-none@example.org'] } },
        ],
      }),
    );
    expect(out.BulkEmailEntryResults).toHaveLength(2);
    const [sent, refused] = out.BulkEmailEntryResults!;
    expect(refused!.Status).toBe('MESSAGE_REJECTED');
    expect(refused!.Error).toContain('consent_missing (R1)');
    expect(refused!.MessageId).toBeUndefined();
    expect(sent!.Status).toBe('SUCCESS');
    const delivered = (await gw.sentEmails()).slice(before);
    expect(delivered.map((e) => e.destination.to)).toEqual([['bulk-ok@example.org']]);
    expect(sent!.MessageId).toBe(delivered[0]!.messageId);
    expect(delivered[0]!.subject).toBe('News for Grace');
    const mail = await gw.deliveredMessage(delivered[0]!.messageId);
    expect(mail.text).toContain('Hello Grace');
    expect(mail.text).toContain(`${gw.apiUrl}/u/`);
  });

  it('an entry without the purpose tag is refused on its own (INVALID_PARAMETER)', async () => {
    const out = await ses.send(
      new SendBulkEmailCommand({
        FromEmailAddress: 'news@shop.example',
        DefaultContent: { Template: { TemplateName: 'bulk', TemplateData: '{}' } },
        BulkEmailEntries: [
          {
            Destination: { ToAddresses: ['bulk-ok@example.org'] },
            ReplacementTags: [{ Name: 'purpose', Value: 'newsletter' }],
          },
          { Destination: { ToAddresses: ['bulk-ok@example.org'] } },
        ],
      }),
    );
    expect(out.BulkEmailEntryResults?.map((r) => r.Status)).toEqual(['SUCCESS', 'INVALID_PARAMETER']);
    expect(out.BulkEmailEntryResults?.[1]?.Error).toContain('tag named "purpose"');
  });
});

describe('SES v2: fields forwarded or refused, never dropped', () => {
  it('forwards every ReplyTo address, every tag beside the gateway’s, and the feedback address', async () => {
    await consent('fields@example.org');
    handed.length = 0;
    await ses.send(
      new SendEmailCommand(
        simple(['fields@example.org'], {
          ReplyToAddresses: ['help@shop.example', 'sales@shop.example'],
          EmailTags: [
            { Name: 'purpose', Value: 'newsletter' },
            { Name: 'campaign', Value: 'autumn' },
          ],
          FeedbackForwardingEmailAddress: 'bounces@shop.example',
        }),
      ),
    );
    const stored = (await gw.sentEmails()).at(-1) as unknown as { replyTo: string[] };
    expect(stored.replyTo).toEqual(['help@shop.example', 'sales@shop.example']);
    const email = handed.at(-1)!;
    expect(email.forwarded?.senderTags).toEqual([
      { name: 'purpose', value: 'newsletter' },
      { name: 'campaign', value: 'autumn' },
    ]);
    expect(email.forwarded?.feedbackForwardingEmailAddress).toBe('bounces@shop.example');
  });

  it('refuses ListManagementOptions and a configuration set the deployment does not allow, by name', async () => {
    const before = (await gw.sentEmails()).length;
    const list = await failure(
      ses.send(
        new SendEmailCommand(
          simple(['fields@example.org'], { ListManagementOptions: { ContactListName: 'all' } }),
        ),
      ),
    );
    expect(list.name).toBe('BadRequestException');
    expect(list.message).toContain('ListManagementOptions');
    const set = await failure(
      ses.send(new SendEmailCommand(simple(['fields@example.org'], { ConfigurationSetName: 'app-events' }))),
    );
    expect(set.name).toBe('BadRequestException');
    expect(set.message).toContain('ConfigurationSetName "app-events"');
    expect(await gw.sentEmails()).toHaveLength(before);
  });

  it('forwards a configuration set the deployment allows', async () => {
    process.env.SES_SENDER_CONFIGURATION_SETS = JSON.stringify(['app-events']);
    try {
      handed.length = 0;
      await ses.send(
        new SendEmailCommand(simple(['fields@example.org'], { ConfigurationSetName: 'app-events' })),
      );
      expect(handed.at(-1)?.forwarded?.configurationSetName).toBe('app-events');
    } finally {
      delete process.env.SES_SENDER_CONFIGURATION_SETS;
    }
  });
});
