import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import { FeedbackForwardError } from '../../shared/ports/feedback-forwarder';
import type { Dependencies } from '../../shared/services/dependencies';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * The sender keeps its feedback: a tenant sets where its own SES feedback goes
 * (PUT /v1/settings/feedback), and the SesFeedback handler forwards each bounce, complaint
 * and delivery of its messages there, after recording the gateway's own (R8). Locally the
 * forwarded copy shows at /local/events as `Sender Feedback`.
 */
let gw: LocalGateway;
let real: Dependencies;

beforeAll(async () => {
  gw = await startLocalGateway();
  real = runtimeDependencies();
});
afterEach(() => setDependencies(real));
afterAll(async () => {
  setDependencies(real);
  await gw?.stop();
});

const ACCOUNT = '000000000000';
const REGION = process.env.GATEWAY_REGION ?? 'eu-west-3';
const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:sender-feedback`;

const putFeedback = (body: unknown) => gw.call('PUT', '/v1/settings/feedback', { key: gw.adminKey, body });
const send = (body: unknown) => gw.call('POST', '/v1/messages', { key: gw.senderKey, body });
const deliver = (notification: unknown) =>
  gw.call('POST', '/local/ses-feedback', { body: notification as Record<string, unknown> });

interface Published {
  detailType: string;
  detail: Record<string, unknown>;
}
const events = async () => (await gw.call('GET', '/local/events')).body.events as Published[];
const forwarded = async (from: number) =>
  (await events()).slice(from).filter((e) => e.detailType === 'Sender Feedback');

/** A permanent bounce as SES event publishing sends it, with the sender's own tag beside the gateway's. */
function bounce(to: string) {
  const now = new Date().toISOString();
  return {
    eventType: 'Bounce',
    mail: {
      messageId: `0100018c-${randomUUID()}-000000`,
      timestamp: now,
      destination: [to],
      tags: {
        tenant: ['demo'],
        messageId: [randomUUID()],
        purpose: ['newsletter'],
        campaign: ['spring-sale'],
      },
    },
    bounce: {
      bounceType: 'Permanent',
      bounceSubType: 'General',
      bouncedRecipients: [{ emailAddress: to, diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
      timestamp: now,
      feedbackId: `0100018c-fb-${randomUUID()}`,
    },
  };
}

async function consented(address: string) {
  const r = await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
  expect(r.status, r.text).toBeLessThan(300);
  expect((await send(newsletter(address))).status).toBe(202);
}

describe('the sender keeps its feedback', () => {
  it('forwards nothing while the tenant has set no destination, and still suppresses (R8)', async () => {
    await consented('nodest@example.org');
    const before = (await events()).length;
    expect((await deliver(bounce('nodest@example.org'))).status).toBe(202);
    expect(await forwarded(before)).toEqual([]);
    expect((await send(newsletter('nodest@example.org'))).body.reasons).toContain('suppressed_bounce');
  });

  it.each([
    ['another account', `arn:aws:sns:${REGION}:123456789012:theirs`, /account/],
    ['another region', `arn:aws:sns:us-east-1:${ACCOUNT}:theirs`, /region/],
    ['another partition', `arn:aws-cn:sns:${REGION}:${ACCOUNT}:theirs`, /partition/],
  ])('refuses a topic in %s with a 400 naming the field', async (_, topicArn, problem) => {
    const r = await putFeedback({ destination: { type: 'sns', topicArn } });
    expect(r.status, r.text).toBe(400);
    expect(r.body.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'destination.topicArn', problem: expect.stringMatching(problem) }),
      ]),
    );
    const tenant = (await gw.call('GET', '/v1/tenant', { key: gw.adminKey })).body;
    expect(tenant.settings.feedback).toBeUndefined();
  });

  it('refuses a bus ARN of another account, and a malformed ARN, naming the field', async () => {
    const foreign = await putFeedback({
      destination: { type: 'eventbridge', busArn: `arn:aws:events:${REGION}:123456789012:event-bus/x` },
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body.issues).toEqual([expect.objectContaining({ field: 'destination.busArn' })]);
    const malformed = await putFeedback({ destination: { type: 'sns', topicArn: 'my-topic' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.issues).toEqual([expect.objectContaining({ field: 'destination.topicArn' })]);
  });

  it("forwards a bounce to the tenant's topic with SES's MessageId and the sender's tags, after suppressing", async () => {
    const set = await putFeedback({ destination: { type: 'sns', topicArn: TOPIC } });
    expect(set.status, set.text).toBe(200);
    expect(set.body).toEqual({
      destination: { type: 'sns', topicArn: TOPIC },
      eventTypes: ['Bounce', 'Complaint', 'Delivery'],
    });
    await consented('bounced@example.org');
    const notification = bounce('bounced@example.org');
    const before = (await events()).length;
    expect((await deliver(notification)).status).toBe(202);

    const refused = await send(newsletter('bounced@example.org'));
    expect(refused.status).toBe(403);
    expect(refused.body.reasons).toContain('suppressed_bounce');

    const copies = await forwarded(before);
    expect(copies).toHaveLength(1);
    expect(copies[0]?.detail).toMatchObject({
      destination: { type: 'sns', topicArn: TOPIC },
      tenantId: 'demo',
      eventType: 'Bounce',
      feedbackId: notification.bounce.feedbackId,
      sesMessageId: notification.mail.messageId,
      messageId: notification.mail.tags.messageId[0],
      tags: { purpose: ['newsletter'], campaign: ['spring-sale'] },
    });
    // SES's notification as it came, fields the gateway does not read included.
    const ses = copies[0]?.detail.ses as typeof notification;
    expect(ses.bounce.bouncedRecipients[0]?.diagnosticCode).toBe('smtp; 550 5.1.1 user unknown');
    expect(ses.mail.destination).toEqual(['bounced@example.org']);
    expect(Object.keys(ses.mail.tags).sort()).toEqual(['campaign', 'purpose']);
  });

  it('forwards deliveries and complaints too, and only the event types asked for', async () => {
    const bus = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/crm`;
    expect(
      (await putFeedback({ destination: { type: 'eventbridge', busArn: bus }, eventTypes: ['Complaint'] }))
        .status,
    ).toBe(200);
    const before = (await events()).length;
    expect((await deliver({ type: 'delivery', tenant: 'demo', to: 'reader@example.org' })).status).toBe(202);
    expect(await forwarded(before)).toEqual([]);
    expect((await deliver({ type: 'complaint', tenant: 'demo', to: 'angry-fwd@example.org' })).status).toBe(
      202,
    );
    const copies = await forwarded(before);
    expect(copies.map((c) => [c.detail.eventType, (c.detail.destination as { type: string }).type])).toEqual([
      ['Complaint', 'eventbridge'],
    ]);
    expect((await putFeedback({ destination: { type: 'gateway_bus' } })).status).toBe(200);
    const later = (await events()).length;
    const delivery = await deliver({
      type: 'delivery',
      tenant: 'demo',
      to: 'reader@example.org',
      messageId: 'ses-d1',
    });
    expect(delivery.status).toBe(202);
    expect((await forwarded(later)).map((c) => c.detail)).toEqual([
      expect.objectContaining({
        eventType: 'Delivery',
        feedbackId: 'delivery-ses-d1',
        sesMessageId: 'ses-d1',
      }),
    ]);
  });

  it('a forwarding failure keeps the suppression and fails the notification; the redelivery forwards it once', async () => {
    expect((await putFeedback({ destination: { type: 'sns', topicArn: TOPIC } })).status).toBe(200);
    await consented('retry@example.org');
    let failures = 1;
    const feedback = real.feedback!;
    setDependencies({
      ...real,
      feedback: {
        forward: (destination, copy) => {
          if (failures-- > 0) return Promise.reject(new FeedbackForwardError('injected: SNS unavailable'));
          return feedback.forward(destination, copy);
        },
      },
    });
    const notification = bounce('retry@example.org');
    const before = (await events()).length;
    const first = await deliver(notification);
    // In AWS: Lambda fails, SNS redelivers (then the dead-letter queue, npm run redrive).
    expect(first.status).toBe(500);
    expect(first.body.error).toBe('FeedbackForwardError');
    expect(await forwarded(before)).toEqual([]);
    // R8 first: the suppression was recorded before forwarding was tried.
    expect((await send(newsletter('retry@example.org'))).body.reasons).toContain('suppressed_bounce');

    expect((await deliver(notification)).status).toBe(202);
    const copies = await forwarded(before);
    expect(copies).toHaveLength(1);
    expect(copies[0]?.detail.feedbackId).toBe(notification.bounce.feedbackId);
    // One suppression event, whatever the retries (idempotent by the feedback id).
    const suppressions = (await events())
      .slice(before)
      .filter((e) => e.detailType === 'Suppression Recorded');
    expect(suppressions).toHaveLength(1);
  });

  it('destination null stops forwarding', async () => {
    expect((await putFeedback({ destination: null })).status).toBe(200);
    const before = (await events()).length;
    expect((await deliver({ type: 'complaint', tenant: 'demo', to: 'quiet@example.org' })).status).toBe(202);
    expect(await forwarded(before)).toEqual([]);
  });
});
