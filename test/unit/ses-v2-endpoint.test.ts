import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { describe, expect, it } from 'vitest';
import { SesEmailSender } from '../../shared/adapters/ses-email-sender';
import type { Dependencies } from '../../shared/services/dependencies';
import { getSesAccount } from '../../shared/services/ses-v2-account';
import { newTenant } from '../../shared/services/state';

/** A client that records each command's input and answers a MessageId. */
function recordingClient() {
  const inputs: Record<string, unknown>[] = [];
  const client = {
    send: async (command: { input: Record<string, unknown> }) => {
      inputs.push(command.input);
      return { MessageId: 'ses-1' };
    },
  } as unknown as SESv2Client;
  return { client, inputs };
}

describe('SesEmailSender: what the SES v2 endpoint forwards reaches SES', () => {
  const email = {
    from: 'news@shop.example',
    to: 'bob@example.org',
    subject: 'Hi',
    text: 'Hello',
    headers: [],
    tags: [
      { name: 'tenant', value: 'demo' },
      { name: 'purpose', value: 'newsletter' },
      { name: 'messageId', value: 'm-1' },
    ],
  };

  it("sends every Reply-To, the sender's tags beside the gateway's (one of each name), its set and feedback address", async () => {
    const { client, inputs } = recordingClient();
    await new SesEmailSender(client, 'gateway-set').send({
      ...email,
      replyTo: 'a@shop.example',
      replyToAddresses: ['a@shop.example', 'b@shop.example'],
      forwarded: {
        senderTags: [
          { name: 'purpose', value: 'newsletter' },
          { name: 'campaign', value: 'autumn' },
        ],
        configurationSetName: 'app-events',
        feedbackForwardingEmailAddress: 'bounces@shop.example',
      },
    });
    expect(inputs[0]).toMatchObject({
      ReplyToAddresses: ['a@shop.example', 'b@shop.example'],
      ConfigurationSetName: 'app-events',
      FeedbackForwardingEmailAddress: 'bounces@shop.example',
      EmailTags: [
        { Name: 'tenant', Value: 'demo' },
        { Name: 'purpose', Value: 'newsletter' },
        { Name: 'messageId', Value: 'm-1' },
        { Name: 'campaign', Value: 'autumn' },
      ],
    });
  });

  it("keeps the deployment's set and the single Reply-To when nothing is forwarded (raw too)", async () => {
    const { client, inputs } = recordingClient();
    const sender = new SesEmailSender(client, 'gateway-set');
    await sender.send({ ...email, replyTo: 'a@shop.example' });
    await sender.sendRaw({ raw: Buffer.from('x'), to: 'bob@example.org', tags: email.tags });
    expect(inputs[0]).toMatchObject({
      ReplyToAddresses: ['a@shop.example'],
      ConfigurationSetName: 'gateway-set',
    });
    expect(inputs[0]!.FeedbackForwardingEmailAddress).toBeUndefined();
    expect(inputs[1]).toMatchObject({ ConfigurationSetName: 'gateway-set' });
    expect((inputs[1]!.EmailTags as unknown[]).length).toBe(3);
  });
});

describe('GetAccount from the tenant', () => {
  const caller = { tenantId: 'demo', keyId: 'k', role: 'sender' as const };
  const deps = (tenant: ReturnType<typeof newTenant>) =>
    ({ tenants: { getTenant: async () => tenant } }) as unknown as Pick<Dependencies, 'tenants'>;

  it('gives the per-credential rate as MaxSendRate when the deployment sets one', async () => {
    const out = await getSesAccount(deps(newTenant('demo', 'Demo', ['shop.example'])), caller, {
      perKey: { rateLimit: 14, burstLimit: 20 },
    });
    expect(out.SendQuota).toEqual({ Max24HourSend: -1, MaxSendRate: 14 });
    expect(out.SendingEnabled).toBe(true);
  });

  it('says sending is paused while the tenant is under the complaint-rate hold', async () => {
    const tenant = {
      ...newTenant('demo', 'Demo', ['shop.example']),
      hold: { since: '2026-01-01T00:00:00Z', rate: 0.01, sends: 1000, complaints: 10, windowDays: 7 },
    };
    const out = await getSesAccount(deps(tenant), caller, {});
    expect(out.SendingEnabled).toBe(false);
    expect(out.EnforcementStatus).toBe('PROBATION');
  });
});
