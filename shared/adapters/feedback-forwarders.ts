import { createHash } from 'node:crypto';
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { FeedbackForwardError, type FeedbackForwarder } from '../ports/feedback-forwarder';
import type { FeedbackDestination, SenderFeedback } from '../schemas/feedback';
import { SENDER_FEEDBACK_DETAIL_TYPE, SENDER_FEEDBACK_SOURCE } from './local-feedback-forwarder';

/**
 * SNS and EventBridge, as the tenant set: a topic or bus ARN of the deployment's account and
 * region (checked when set, and again by the IAM grant's resource pattern), or the gateway's
 * own bus. A FIFO topic gets the feedback id (hashed to fit) as its deduplication id, so a
 * redelivered notification is published once; a standard topic or a bus carries `feedbackId`
 * for the receiver to deduplicate on.
 */
export class AwsFeedbackForwarder implements FeedbackForwarder {
  constructor(
    private readonly sns: SNSClient,
    private readonly eventBridge: EventBridgeClient,
    private readonly gatewayBusName: string | undefined,
  ) {}

  async forward(destination: FeedbackDestination, feedback: SenderFeedback): Promise<void> {
    try {
      if (destination.type === 'sns') {
        const fifo = destination.topicArn.endsWith('.fifo');
        await this.sns.send(
          new PublishCommand({
            TopicArn: destination.topicArn,
            Message: JSON.stringify(feedback),
            MessageAttributes: {
              eventType: { DataType: 'String', StringValue: feedback.eventType },
              tenantId: { DataType: 'String', StringValue: feedback.tenantId },
            },
            ...(fifo
              ? {
                  MessageGroupId: feedback.tenantId,
                  MessageDeduplicationId: createHash('sha256').update(feedback.feedbackId).digest('hex'),
                }
              : {}),
          }),
        );
        return;
      }
      const bus = destination.type === 'eventbridge' ? destination.busArn : this.gatewayBusName;
      if (bus === undefined) throw new FeedbackForwardError('the gateway bus is not configured');
      const result = await this.eventBridge.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: bus,
              Source: SENDER_FEEDBACK_SOURCE,
              DetailType: SENDER_FEEDBACK_DETAIL_TYPE,
              Detail: JSON.stringify(feedback),
            },
          ],
        }),
      );
      if ((result.FailedEntryCount ?? 0) > 0) {
        throw new FeedbackForwardError(
          `EventBridge refused the feedback (${result.Entries?.[0]?.ErrorCode ?? 'unknown error'})`,
        );
      }
    } catch (error) {
      if (error instanceof FeedbackForwardError) throw error;
      throw new FeedbackForwardError(`forwarding to ${destination.type} failed (${(error as Error).name})`, {
        cause: error,
      });
    }
  }
}
