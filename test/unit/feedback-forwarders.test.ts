import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { AwsFeedbackForwarder } from '../../shared/adapters/feedback-forwarders';
import { FeedbackForwardError } from '../../shared/ports/feedback-forwarder';
import type { SenderFeedback } from '../../shared/schemas/feedback';
import { feedbackSettingsSchema } from '../../shared/schemas/feedback';

/** The SNS and EventBridge forwarder against recording clients: what is sent where, and failures. */
function clients(eventBridgeAnswer: () => unknown = () => ({ FailedEntryCount: 0 }), snsFails = false) {
  const sent: { service: string; input: Record<string, unknown> }[] = [];
  const record = (service: string, fail: boolean, answer: () => unknown) =>
    ({
      send: async (command: { input: Record<string, unknown> }) => {
        sent.push({ service, input: command.input });
        if (fail) throw Object.assign(new Error('down'), { name: 'InternalErrorException' });
        return answer();
      },
    }) as unknown;
  const forwarder = new AwsFeedbackForwarder(
    record('sns', snsFails, () => ({ MessageId: 'm' })) as SNSClient,
    record('events', false, eventBridgeAnswer) as EventBridgeClient,
    'GatewayBus',
  );
  return { forwarder, sent };
}

const feedback: SenderFeedback = {
  tenantId: 'demo',
  feedbackId: '0100018c-fb-1',
  eventType: 'Bounce',
  sesMessageId: '0100018c-ses-1',
  tags: { campaign: ['spring'] },
  ses: { eventType: 'Bounce' },
};
const TOPIC = 'arn:aws:sns:eu-west-3:000000000000:crm';

describe('AwsFeedbackForwarder', () => {
  it('publishes to the tenant topic, with the event type and tenant as attributes', async () => {
    const { forwarder, sent } = clients();
    await forwarder.forward({ type: 'sns', topicArn: TOPIC }, feedback);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.service).toBe('sns');
    expect(sent[0]?.input).toMatchObject({
      TopicArn: TOPIC,
      MessageAttributes: { eventType: { StringValue: 'Bounce' }, tenantId: { StringValue: 'demo' } },
    });
    expect(JSON.parse(String(sent[0]?.input.Message))).toEqual(feedback);
    expect(sent[0]?.input.MessageDeduplicationId).toBeUndefined();
  });

  it('gives a FIFO topic the feedback id (hashed) as deduplication id: a redelivery is published once', async () => {
    const { forwarder, sent } = clients();
    await forwarder.forward({ type: 'sns', topicArn: `${TOPIC}.fifo` }, feedback);
    await forwarder.forward({ type: 'sns', topicArn: `${TOPIC}.fifo` }, feedback);
    expect(sent[0]?.input.MessageGroupId).toBe('demo');
    expect(sent[0]?.input.MessageDeduplicationId).toMatch(/^[0-9a-f]{64}$/);
    expect(sent[1]?.input.MessageDeduplicationId).toBe(sent[0]?.input.MessageDeduplicationId);
  });

  it('puts the event on the tenant bus or the gateway bus, detail-type Sender Feedback', async () => {
    const { forwarder, sent } = clients();
    const bus = 'arn:aws:events:eu-west-3:000000000000:event-bus/crm';
    await forwarder.forward({ type: 'eventbridge', busArn: bus }, feedback);
    await forwarder.forward({ type: 'gateway_bus' }, feedback);
    expect(sent.map((s) => (s.input.Entries as { EventBusName: string }[])[0]!.EventBusName)).toEqual([
      bus,
      'GatewayBus',
    ]);
    expect((sent[0]!.input.Entries as Record<string, string>[])[0]).toMatchObject({
      Source: 'consent-gate.feedback',
      DetailType: 'Sender Feedback',
    });
  });

  it('throws a FeedbackForwardError when SNS fails or EventBridge refuses the entry', async () => {
    await expect(
      clients(undefined, true).forwarder.forward({ type: 'sns', topicArn: TOPIC }, feedback),
    ).rejects.toThrow(FeedbackForwardError);
    const refused = clients(() => ({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException' }] }));
    await expect(refused.forwarder.forward({ type: 'gateway_bus' }, feedback)).rejects.toThrow(
      /ThrottlingException/,
    );
  });
});

describe('feedback settings', () => {
  it.each([
    [
      'an SNS ARN given as a bus',
      { destination: { type: 'eventbridge', busArn: TOPIC } },
      'destination.busArn',
    ],
    [
      'a topic name instead of an ARN',
      { destination: { type: 'sns', topicArn: 'crm' } },
      'destination.topicArn',
    ],
    ['an unknown event type', { destination: null, eventTypes: ['Open'] }, 'eventTypes.0'],
    ['an unknown field', { destination: null, extra: 1 }, ''],
  ])('refuses %s', (_, input, path) => {
    const result = feedbackSettingsSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('defaults to every event type', () => {
    expect(feedbackSettingsSchema.parse({ destination: { type: 'gateway_bus' } }).eventTypes).toEqual([
      'Bounce',
      'Complaint',
      'Delivery',
    ]);
  });
});
