import type { SNSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { handler as sesFeedbackHandler } from '../../functions/ses-feedback';
import { handler as smsInboundHandler } from '../../functions/sms-inbound';
import { lambdaContext } from '../../infra/local/lambda-context';
import { redrive } from '../../scripts/redrive';
import { MemoryDeadLetterQueue } from '../../shared/adapters/memory-dead-letter-queue';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import { type GatewayStore, StoreUnavailableError } from '../../shared/ports/gateway-store';
import type { Dependencies } from '../../shared/services/dependencies';
import { type LocalGateway, smsConsent, smsPromo, startLocalGateway } from '../support/local-gateway';

/**
 * The redrive of the feedback functions' dead-letter queues. The queue is
 * the in-memory adapter of the port (a real SQS is out of reach offline); the dead letters
 * are in the two shapes AWS writes (Lambda's on-failure record, SNS's subscription dead
 * letter); the delivery is the real handler against the local store; the result is checked
 * where it matters: the next marketing SMS or email is refused and nothing is sent.
 */
let gw: LocalGateway;
let real: Dependencies;
let failAudits = 0;

beforeAll(async () => {
  gw = await startLocalGateway();
  real = runtimeDependencies();
  const store = new Proxy(real.store, {
    get(target, property, receiver) {
      if (property === 'commitChanges') {
        return (...args: Parameters<GatewayStore['commitChanges']>) => {
          if (failAudits > 0) {
            failAudits--;
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
  failAudits = 0;
});
afterAll(async () => {
  setDependencies(real);
  await gw?.stop();
});

const smsTopic = 'arn:aws:sns:eu-west-3:111122223333:InboundSms';
const sesTopic = 'arn:aws:sns:eu-west-3:111122223333:SesFeedbackTopic';

function notification(topicArn: string, messageId: string, message: unknown) {
  return {
    Type: 'Notification',
    MessageId: messageId,
    TopicArn: topicArn,
    Subject: null,
    Message: JSON.stringify(message),
    Timestamp: '2026-11-30T10:00:00.000Z',
    SignatureVersion: '1',
    Signature: 'c2lnbmF0dXJl',
    SigningCertURL: 'https://sns.eu-west-3.amazonaws.com/cert.pem',
    UnsubscribeURL: 'https://sns.eu-west-3.amazonaws.com/?Action=Unsubscribe',
  };
}

/** What Lambda writes to an SQS on-failure destination after the last retry. */
function onFailureRecord(topicArn: string, messageId: string, message: unknown) {
  const n = notification(topicArn, messageId, message);
  const event: SNSEvent = {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:0d1e2f`,
        Sns: {
          Type: n.Type,
          MessageId: n.MessageId,
          TopicArn: n.TopicArn,
          Subject: '',
          Message: n.Message,
          Timestamp: n.Timestamp,
          SignatureVersion: n.SignatureVersion,
          Signature: n.Signature,
          SigningCertUrl: n.SigningCertURL,
          UnsubscribeUrl: n.UnsubscribeURL,
          MessageAttributes: {},
        },
      },
    ],
  };
  return {
    version: '1.0',
    timestamp: '2026-11-30T10:03:10.000Z',
    requestContext: {
      requestId: 'e4b46cbf-b738-xmpl-8880-a18cdf61200e',
      functionArn: 'arn:aws:lambda:eu-west-3:111122223333:function:Gateway-SmsInbound:$LATEST',
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
    },
    requestPayload: event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { errorType: 'StoreUnavailableError', errorMessage: 'The store cannot be reached' },
  };
}

const stop = (from: string, id: string, body = 'STOP') => ({
  originationNumber: from,
  destinationNumber: '36123',
  messageBody: body,
  inboundMessageId: id,
});

const deliverTo =
  (handler: typeof smsInboundHandler, id: 'SmsInbound' | 'SesFeedback') => async (event: SNSEvent) => {
    await handler(event, lambdaContext(id));
  };

async function auditCount(channel: 'sms' | 'email', address: string, type: string): Promise<number> {
  const key = (
    await gw.call('PUT', '/v1/recipients', {
      key: gw.adminKey,
      body: { channel, address, audience: 'consumer' },
    })
  ).body.recipientKey;
  const trail = await gw.call('GET', `/v1/recipients/${key}/audit`, { key: gw.adminKey });
  return trail.body.events.filter((e: { type: string }) => e.type === type).length;
}

describe('npm run redrive: the dead letters of the inbound SMS function', () => {
  it('R7: a STOP in either dead-letter shape is recorded, deleted from the queue, and the next marketing SMS is refused', async () => {
    for (const n of ['+33612000400', '+33612000401']) {
      await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: smsConsent(n) });
    }
    const queue = new MemoryDeadLetterQueue();
    queue.send(JSON.stringify(onFailureRecord(smsTopic, 'sns-1', stop('+33612000400', 'in-400', 'Stop!'))));
    queue.send(JSON.stringify(notification(smsTopic, 'sns-2', stop('+33612000401', 'in-401', 'ARRÊT'))));
    const report = await redrive({ queue, deliver: deliverTo(smsInboundHandler, 'SmsInbound') });
    expect(report).toMatchObject({ received: 2, redriven: 2, failed: 0, unreadable: 0 });
    expect(queue.bodies).toEqual([]);
    const before = gw.sms.outbox.length;
    for (const n of ['+33612000400', '+33612000401']) {
      const r = await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: smsPromo(n) });
      expect(r.status).toBe(403);
      expect(r.body.reasons).toEqual(['objection']);
    }
    expect(gw.sms.outbox.length).toBe(before);
  });

  it('keeps a message whose delivery fails again, and an unreadable one; the next run records it once', async () => {
    const queue = new MemoryDeadLetterQueue();
    queue.send(JSON.stringify(onFailureRecord(smsTopic, 'sns-3', stop('+33612000402', 'in-402'))));
    queue.send('{"not":"a dead letter"}');
    failAudits = 1; // the objection is written, its audit event is not: the store fails in between
    const first = await redrive({ queue, deliver: deliverTo(smsInboundHandler, 'SmsInbound') });
    expect(first).toMatchObject({ received: 2, redriven: 0, failed: 1, unreadable: 1 });
    expect(first.problems.map((p) => p.error)).toEqual([
      expect.stringMatching(/StoreUnavailableError/),
      expect.stringMatching(/unreadable/),
    ]);
    expect(queue.bodies).toHaveLength(2);

    queue.release(); // SQS: the visibility timeout passed
    const second = await redrive({ queue, deliver: deliverTo(smsInboundHandler, 'SmsInbound') });
    expect(second).toMatchObject({ received: 2, redriven: 1, failed: 0, unreadable: 1 });
    expect(queue.bodies).toEqual(['{"not":"a dead letter"}']);
    expect(await auditCount('sms', '+33612000402', 'objection.recorded')).toBe(1);

    // Redriving the same event once more (a copy left in another queue, a second operator) changes nothing.
    queue.send(JSON.stringify(onFailureRecord(smsTopic, 'sns-3', stop('+33612000402', 'in-402'))));
    expect((await redrive({ queue, deliver: deliverTo(smsInboundHandler, 'SmsInbound') })).redriven).toBe(1);
    expect(await auditCount('sms', '+33612000402', 'objection.recorded')).toBe(1);
  });

  it('stops after maxMessages', async () => {
    const queue = new MemoryDeadLetterQueue();
    for (let i = 0; i < 3; i++) {
      queue.send(
        JSON.stringify(notification(smsTopic, `sns-max-${i}`, stop(`+3361200050${i}`, `in-max-${i}`))),
      );
    }
    const report = await redrive({
      queue,
      deliver: deliverTo(smsInboundHandler, 'SmsInbound'),
      maxMessages: 2,
    });
    expect(report).toMatchObject({ received: 2, redriven: 2 });
    expect(queue.bodies).toHaveLength(1);
  });
});

describe('npm run redrive: the dead letters of the SES feedback function', () => {
  it('R7/R8: a complaint is recorded once (objection, suppression, one audit event each), and the next newsletter is refused', async () => {
    const complaint = {
      eventType: 'Complaint',
      mail: { messageId: 'ses-redrive', timestamp: '2026-11-30T09:59:00Z', tags: { tenant: ['demo'] } },
      complaint: {
        complainedRecipients: [{ emailAddress: 'redriven@example.org' }],
        timestamp: '2026-11-30T10:00:00Z',
        feedbackId: 'fb-redrive',
      },
    };
    const queue = new MemoryDeadLetterQueue();
    queue.send(JSON.stringify(onFailureRecord(sesTopic, 'sns-ses-1', complaint)));
    queue.send(JSON.stringify(notification(sesTopic, 'sns-ses-1', complaint))); // the same, by SNS's DLQ too
    const report = await redrive({ queue, deliver: deliverTo(sesFeedbackHandler, 'SesFeedback') });
    expect(report).toMatchObject({ received: 2, redriven: 2, failed: 0 });
    expect(await auditCount('email', 'redriven@example.org', 'objection.recorded')).toBe(1);
    expect(await auditCount('email', 'redriven@example.org', 'suppression.recorded')).toBe(1);
    const sent = (await gw.sentEmails()).length;
    const r = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: {
        channel: 'email',
        purpose: 'newsletter',
        to: 'redriven@example.org',
        from: 'Demo Shop <news@shop.example>',
        subject: 'Autumn',
        html: '<p>Books</p>',
        text: 'Books',
      },
    });
    expect(r.status).toBe(403);
    expect(r.body.reasons).toEqual(expect.arrayContaining(['suppressed_complaint', 'objection']));
    expect((await gw.sentEmails()).length).toBe(sent);
  });
});
