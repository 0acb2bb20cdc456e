import * as z from 'zod';

/**
 * Where a tenant's own SES feedback goes (the bounces, complaints and deliveries of the
 * messages it sent through the gateway): its SNS topic, its EventBridge bus, or the gateway's
 * bus (detail-type `Sender Feedback`, matched by a rule on the tenant id). The ARNs' form is
 * checked here; that they are in the deployment's own partition, region and account is
 * checked by services/feedback-forwarding.ts, which knows the deployment.
 */
const PARTITION = '(aws|aws-cn|aws-us-gov)';
const REGION = '[a-z]{2}(-[a-z]+)+-\\d';
const ACCOUNT = '\\d{12}';

export const snsTopicArnSchema = z
  .string()
  .max(300)
  .regex(
    new RegExp(`^arn:${PARTITION}:sns:${REGION}:${ACCOUNT}:[A-Za-z0-9_-]{1,251}(\\.fifo)?$`),
    'must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)',
  )
  .meta({ description: 'SNS topic ARN, in the deployment’s account and region' });

export const eventBusArnSchema = z
  .string()
  .max(300)
  .regex(
    new RegExp(`^arn:${PARTITION}:events:${REGION}:${ACCOUNT}:event-bus/[A-Za-z0-9._/-]{1,256}$`),
    'must be an EventBridge bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>)',
  )
  .meta({ description: 'EventBridge event bus ARN, in the deployment’s account and region' });

export const feedbackDestinationSchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('sns'), topicArn: snsTopicArnSchema }).strict(),
    z.object({ type: z.literal('eventbridge'), busArn: eventBusArnSchema }).strict(),
    z
      .object({ type: z.literal('gateway_bus') })
      .strict()
      .meta({
        description:
          'The gateway’s own bus: detail-type `Sender Feedback`, `detail.tenantId` the tenant (a rule of yours routes it)',
      }),
  ])
  .meta({ id: 'FeedbackDestination' });
export type FeedbackDestination = z.infer<typeof feedbackDestinationSchema>;

export const FEEDBACK_EVENT_TYPES = ['Bounce', 'Complaint', 'Delivery'] as const;
export type FeedbackEventType = (typeof FEEDBACK_EVENT_TYPES)[number];

export const feedbackSettingsSchema = z
  .object({
    destination: feedbackDestinationSchema
      .nullable()
      .meta({ description: 'Where the feedback goes; null: nowhere (the default)' }),
    eventTypes: z
      .array(z.enum(FEEDBACK_EVENT_TYPES))
      .min(1)
      .default([...FEEDBACK_EVENT_TYPES])
      .meta({ description: 'Which SES events are forwarded; default all three' }),
  })
  .strict()
  .meta({ id: 'FeedbackSettings' });
export type FeedbackSettings = z.infer<typeof feedbackSettingsSchema>;

/** The event forwarded: SES's own notification, with the gateway's ids beside it. */
export interface SenderFeedback {
  readonly tenantId: string;
  /** SES's feedback id (bounces, complaints) or `delivery-<SES message id>`: the receiver's dedup key. */
  readonly feedbackId: string;
  readonly eventType: FeedbackEventType;
  /** SES's MessageId, as the sender got it back from the send. */
  readonly sesMessageId: string;
  /** The gateway's message id, when the send's tags carried it. */
  readonly messageId?: string;
  /** The send's tags without the gateway's own `tenant` and `messageId` tags. */
  readonly tags: Record<string, string[]>;
  /** The SES event-publishing notification as SES published it, `mail.tags` as in `tags`. */
  readonly ses: Record<string, unknown>;
}
