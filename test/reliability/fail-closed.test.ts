import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import type { Dependencies } from '../../shared/services/dependencies';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';
import {
  FAULT_KINDS,
  type FaultSwitch,
  type FaultTarget,
  faultyStores,
  providerCounts,
  startBlackHole,
} from './faults';

/**
 * Fail closed, counted: the store fails during the decision (its state read, or the
 * writes that must precede a send) in every way DynamoDB fails, on every way in (email
 * and SMS over POST /v1/messages, the SES v2 endpoint, the bulk queue). Every answer is a
 * 503 (the bulk message is never acknowledged) and nothing reaches the local SES or SMS.
 */
let gw: LocalGateway;
let real: Dependencies;
let blackHole: Awaited<ReturnType<typeof startBlackHole>>;
let ses: SESv2Client;
const EMAIL = 'closed@example.org';
const PHONE = '+33612340001';
const ROUNDS = 5;

const smsBody = { channel: 'sms', purpose: 'order-updates', to: PHONE, from: '36123', body: 'Order shipped' };

beforeAll(async () => {
  gw = await startLocalGateway();
  real = runtimeDependencies();
  blackHole = await startBlackHole();
  await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(EMAIL) });
  const credentials = (await gw.call('POST', '/v1/credentials', { key: gw.adminKey, body: {} })).body;
  ses = new SESv2Client({
    endpoint: gw.apiUrl,
    region: 'eu-west-3',
    maxAttempts: 1,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
  });
});
afterEach(() => setDependencies(real));
afterAll(async () => {
  ses?.destroy();
  await blackHole?.close();
  await gw?.stop();
});

type Route = 'email' | 'sms' | 'ses' | 'bulk';
const ROUTES: readonly Route[] = ['email', 'sms', 'ses', 'bulk'];

/** One request through a route; the status the sender sees ('queued-failed' for a bulk message never acknowledged). */
async function attempt(route: Route, n: number): Promise<number | 'dead-lettered' | 'acknowledged'> {
  if (route === 'email') {
    return (await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(EMAIL) })).status;
  }
  if (route === 'sms')
    return (await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: smsBody })).status;
  if (route === 'ses') {
    try {
      await ses.send(
        new SendEmailCommand({
          FromEmailAddress: 'Demo Shop <news@shop.example>',
          Destination: { ToAddresses: [EMAIL] },
          EmailTags: [{ Name: 'purpose', Value: 'newsletter' }],
          Content: { Simple: { Subject: { Data: `Fail closed ${n}` }, Body: { Text: { Data: 'Hello' } } } },
        }),
      );
      return 200;
    } catch (error) {
      return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
    }
  }
  const dead = gw.queue.deadLetters.length;
  gw.queue.send(JSON.stringify(newsletter(EMAIL)), `Bearer ${gw.senderKey}`);
  await gw.queue.drain();
  return gw.queue.deadLetters.length === dead + 1 ? 'dead-lettered' : 'acknowledged';
}

describe('reliability: fail closed under store faults', () => {
  it('every route answers as sent while the store works (the baseline the faults are measured against)', async () => {
    const before = await providerCounts(gw);
    expect(await attempt('email', 0)).toBe(202);
    expect(await attempt('sms', 0)).toBe(202);
    expect(await attempt('ses', 0)).toBe(200);
    expect(await attempt('bulk', 0)).toBe('acknowledged');
    const after = await providerCounts(gw);
    expect(after.emails - before.emails).toBe(3);
    expect(after.sms - before.sms).toBe(1);
  });

  it('200 faults across kinds, targets and routes: every answer 503, zero sent', async () => {
    const before = await providerCounts(gw);
    const fault: FaultSwitch = { kind: undefined, target: 'read', injected: 0 };
    setDependencies({ ...real, ...faultyStores(gw, fault, blackHole.port) });
    const targets: FaultTarget[] = ['read', 'write'];
    const outcomes = new Map<string, number>();
    let requests = 0;
    for (const kind of FAULT_KINDS) {
      for (const target of targets) {
        for (const route of ROUTES) {
          for (let i = 0; i < ROUNDS; i++) {
            fault.kind = kind;
            fault.target = target;
            const injectedBefore = fault.injected;
            const status = await attempt(route, requests);
            fault.kind = undefined;
            requests++;
            const label = `${route} ${String(status)}`;
            outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
            expect(
              fault.injected,
              `${kind}/${target}/${route}: a fault was injected (${String(status)})`,
            ).toBeGreaterThan(injectedBefore);
            expect(status, `${kind}/${target}/${route}`).toBe(route === 'bulk' ? 'dead-lettered' : 503);
          }
        }
      }
    }
    const after = await providerCounts(gw);
    const sent = after.emails - before.emails + (after.sms - before.sms);
    console.log(
      `fail closed: ${requests} requests, ${fault.injected} faults injected (${FAULT_KINDS.length} kinds × read/write × ${ROUTES.join('/')}), sent ${sent}, outcomes ${JSON.stringify(Object.fromEntries(outcomes))}`,
    );
    expect(requests).toBe(200);
    expect(sent).toBe(0);
  }, 120_000);
});
