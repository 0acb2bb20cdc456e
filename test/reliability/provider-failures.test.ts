import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EndUserMessagingSmsSender } from '../../shared/adapters/end-user-messaging-sms-sender';
import { SesEmailSender } from '../../shared/adapters/ses-email-sender';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import type { Dependencies } from '../../shared/services/dependencies';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';
import { auditOf, recipientKeyOf, sentRecords } from './faults';

/**
 * Provider failures after an allowed decision: SES or SMS fails (a 500 injected into the
 * client, or a connection refused). The sender gets a 503, the gateway keeps no message
 * record and its audit trail says the send failed; a retry with the same idempotency key
 * sends exactly once.
 */
let gw: LocalGateway;
let real: Dependencies;
const PHONE = '+33612340002';

beforeAll(async () => {
  gw = await startLocalGateway();
  real = runtimeDependencies();
});
afterEach(() => setDependencies(real));
afterAll(async () => {
  await gw?.stop();
});

type ProviderFault = 'InternalFailure' | 'connection-refused';
function failing<C extends SESv2Client | PinpointSMSVoiceV2Client>(
  client: C,
  kind: ProviderFault,
  counter: { n: number },
): C {
  client.middlewareStack.add(
    (next) => async (args) => {
      counter.n++;
      if (kind === 'connection-refused') {
        const request = args.request as { hostname: string; port?: number };
        request.hostname = '127.0.0.1';
        request.port = 9;
        return next(args);
      }
      throw Object.assign(new Error('injected'), {
        name: kind,
        $fault: 'server',
        $metadata: { httpStatusCode: 500 },
      });
    },
    { step: 'finalizeRequest', name: 'injectProviderFault' },
  );
  return client;
}

describe('reliability: provider failures', () => {
  for (const kind of ['InternalFailure', 'connection-refused'] as const) {
    it(`SES ${kind}: 503, no sent record, then one retry with the same key sends once`, async () => {
      const address = `ses-${kind.toLowerCase()}@example.org`;
      await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
      const key = await recipientKeyOf(gw, address);
      const counter = { n: 0 };
      setDependencies({
        ...real,
        email: new SesEmailSender(failing(new SESv2Client({ maxAttempts: 1 }), kind, counter)),
      });
      const body = newsletter(address, { idempotencyKey: `provider-${kind}` });
      const first = await gw.call('POST', '/v1/messages', { key: gw.senderKey, body });
      expect(first.status).toBe(503);
      expect(first.body.error).toBe('provider_unavailable');
      expect(await sentRecords(gw, key)).toHaveLength(0);
      const audit = await auditOf(gw, key);
      const decided = audit.filter((e) => e.type === 'decision.sent');
      const failed = audit.filter((e) => e.type === 'send.failed');
      expect(failed.map((e) => e.data.messageId)).toEqual(decided.map((e) => e.data.messageId));

      setDependencies(real);
      const retries = await Promise.all(
        [1, 2, 3].map(() => gw.call('POST', '/v1/messages', { key: gw.senderKey, body })),
      );
      const delivered = (await gw.sentEmails()).filter((m) => m.destination.to.includes(address)).length;
      const records = (await sentRecords(gw, key)).length;
      console.log(
        `provider failures (SES ${kind}): faults injected ${counter.n}, first answer ${first.status}, retries ${retries.map((r) => r.status).join('/')}, sent ${delivered}, message records ${records}, duplicated ${Math.max(0, delivered - 1)}`,
      );
      expect(retries.some((r) => r.status === 202)).toBe(true);
      expect(delivered).toBe(1);
      expect(records).toBe(1);
    });
  }

  it('SMS provider failing: 503, no sent record, then one retry with the same key sends once', async () => {
    const key = await recipientKeyOf(gw, PHONE, 'sms');
    const counter = { n: 0 };
    setDependencies({
      ...real,
      sms: new EndUserMessagingSmsSender(
        failing(new PinpointSMSVoiceV2Client({ maxAttempts: 1 }), 'InternalFailure', counter),
      ),
    });
    const body = {
      channel: 'sms',
      purpose: 'order-updates',
      to: PHONE,
      from: '36123',
      body: 'Your order has shipped',
      idempotencyKey: 'provider-sms',
    };
    const outboxBefore = gw.sms.outbox.length;
    const first = await gw.call('POST', '/v1/messages', { key: gw.senderKey, body });
    expect(first.status).toBe(503);
    expect(gw.sms.outbox.length).toBe(outboxBefore);
    expect(await sentRecords(gw, key)).toHaveLength(0);
    expect((await auditOf(gw, key)).map((e) => e.type)).toEqual(
      expect.arrayContaining(['decision.sent', 'send.failed']),
    );

    setDependencies(real);
    const retry = await gw.call('POST', '/v1/messages', { key: gw.senderKey, body });
    const again = await gw.call('POST', '/v1/messages', { key: gw.senderKey, body });
    const sent = gw.sms.outbox.length - outboxBefore;
    console.log(
      `provider failures (SMS): faults injected ${counter.n}, first answer ${first.status}, retries ${retry.status}/${again.status}, sent ${sent}, duplicated ${Math.max(0, sent - 1)}`,
    );
    expect(retry.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(sent).toBe(1);
    expect(await sentRecords(gw, key)).toHaveLength(1);
  });
});
