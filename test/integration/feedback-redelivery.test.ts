import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import { type GatewayStore, StoreUnavailableError } from '../../shared/ports/gateway-store';
import type { Dependencies } from '../../shared/services/dependencies';
import { type LocalGateway, startLocalGateway } from '../support/local-gateway';

/**
 * SNS delivers at least once and Lambda retries a failed invocation (then
 * the dead-letter queue and `npm run redrive` deliver it once more). The same notification
 * delivered twice, and after a failure between the state write and the audit write, must
 * leave exactly one objection or suppression and one audit event of each kind.
 */
let gw: LocalGateway;
let real: Dependencies;
let failAuditOnce = false;

beforeAll(async () => {
  gw = await startLocalGateway();
  real = runtimeDependencies();
  // The store as it is, except that the next audit write fails once when asked (after the
  // objection or suppression write it follows: the half-done attempt a retry must complete).
  const store = new Proxy(real.store, {
    get(target, property, receiver) {
      if (property === 'commitChanges') {
        return (...args: Parameters<GatewayStore['commitChanges']>) => {
          if (failAuditOnce) {
            failAuditOnce = false;
            return Promise.reject(new StoreUnavailableError('injected: audit write failed'));
          }
          return target.commitChanges(...args);
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  setDependencies({ ...real, store });
});
afterEach(() => {
  failAuditOnce = false;
});
afterAll(async () => {
  setDependencies(real);
  await gw?.stop();
});

async function recipient(channel: 'email' | 'sms', address: string) {
  const key = (
    await gw.call('PUT', '/v1/recipients', {
      key: gw.adminKey,
      body: { channel, address, audience: 'consumer' },
    })
  ).body.recipientKey as string;
  const state = (await gw.call('GET', `/v1/recipients/${key}`, { key: gw.adminKey })).body;
  const audit = (await gw.call('GET', `/v1/recipients/${key}/audit`, { key: gw.adminKey })).body.events as {
    type: string;
    id: string;
  }[];
  const count = (type: string) => audit.filter((e) => e.type === type).length;
  return { key, state, count };
}

const feedback = (notification: unknown) => gw.call('POST', '/local/ses-feedback', { body: notification });

describe('the same feedback delivered again (Lambda retries, SNS redelivery, redrive)', () => {
  it('a spam complaint: failure, then two deliveries, leave one objection, one suppression and one audit event of each', async () => {
    const at = new Date().toISOString();
    const notification = {
      eventType: 'Complaint',
      mail: { messageId: 'ses-redelivered', timestamp: at, tags: { tenant: ['demo'] } },
      complaint: {
        complainedRecipients: [{ emailAddress: 'again@example.org' }],
        timestamp: at,
        feedbackId: 'fb-redelivered',
      },
    };
    failAuditOnce = true;
    expect((await feedback(notification)).status).toBe(500);
    expect((await feedback(notification)).status).toBe(202);
    expect((await feedback(notification)).status).toBe(202);
    const r = await recipient('email', 'again@example.org');
    expect(r.state.objections).toHaveLength(1);
    expect(r.state.suppressions).toHaveLength(1);
    expect(r.count('objection.recorded')).toBe(1);
    expect(r.count('suppression.recorded')).toBe(1);
  });

  it('a permanent bounce: failure, then two deliveries, leave one suppression and one audit event', async () => {
    const at = new Date().toISOString();
    const notification = {
      eventType: 'Bounce',
      mail: { messageId: 'ses-bounced-again', timestamp: at, tags: { tenant: ['demo'] } },
      bounce: {
        bounceType: 'Permanent',
        bouncedRecipients: [{ emailAddress: 'gone-again@example.org' }],
        timestamp: at,
        feedbackId: 'fb-bounced-again',
      },
    };
    failAuditOnce = true;
    expect((await feedback(notification)).status).toBe(500);
    expect((await feedback(notification)).status).toBe(202);
    expect((await feedback(notification)).status).toBe(202);
    const r = await recipient('email', 'gone-again@example.org');
    expect(r.state.suppressions).toHaveLength(1);
    expect(r.count('suppression.recorded')).toBe(1);
  });

  it('R7: an SMS STOP: failure, then two deliveries, leave one objection and one audit event', async () => {
    const again = { inboundMessageId: 'sms-in-redelivered', receivedAt: new Date().toISOString() };
    const deliver = () =>
      fetch(`${gw.smsUrl}/inbound`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: '+33612000300', to: '36123', body: 'STOP', ...again }),
      });
    failAuditOnce = true;
    expect((await deliver()).status).toBe(500);
    expect((await deliver()).status).toBe(202);
    expect((await deliver()).status).toBe(202);
    const r = await recipient('sms', '+33612000300');
    expect(r.state.objections).toHaveLength(1);
    expect(r.count('objection.recorded')).toBe(1);
  });

  it('R7: an SMS reply kept for review, delivered twice, is one audit event', async () => {
    const again = { inboundMessageId: 'sms-in-review-twice', receivedAt: new Date().toISOString() };
    await gw.sms.reply('+33612000301', '36123', 'Qui êtes-vous ?', again);
    await gw.sms.reply('+33612000301', '36123', 'Qui êtes-vous ?', again);
    expect((await recipient('sms', '+33612000301')).count('sms_reply.unrecognised')).toBe(1);
  });

  it('START delivered twice is one consent and one audit event per keyword purpose', async () => {
    const again = { inboundMessageId: 'sms-in-start-twice', receivedAt: new Date().toISOString() };
    await gw.sms.reply('+33612000302', '36123', 'START', again);
    const first = await recipient('sms', '+33612000302');
    await gw.sms.reply('+33612000302', '36123', 'START', again);
    const second = await recipient('sms', '+33612000302');
    expect(first.count('consent.given')).toBeGreaterThan(0);
    expect(second.count('consent.given')).toBe(first.count('consent.given'));
  });
});
