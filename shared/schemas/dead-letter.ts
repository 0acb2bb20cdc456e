import type { SNSEvent, SNSEventRecord } from 'aws-lambda';
import * as z from 'zod';

/**
 * What the feedback functions' dead-letter queues hold (infra/gateway.ts), in two shapes:
 * - Lambda's on-failure destination record (the function failed after its retries, or the
 *   event grew too old): `requestPayload` is the SNS event the function was invoked with;
 * - SNS's subscription dead letter (SNS could not invoke the function): the notification
 *   itself, as SNS would have put it in `Records[0].Sns` (field names differ slightly).
 */
const snsRecordSchema = z.object({
  EventSource: z.string(),
  EventVersion: z.string(),
  EventSubscriptionArn: z.string(),
  Sns: z
    .object({
      MessageId: z.string().min(1),
      TopicArn: z.string(),
      Message: z.string(),
      Timestamp: z.string(),
    })
    .loose(),
});

export const onFailureRecordSchema = z.object({
  requestContext: z.object({ functionArn: z.string().optional(), condition: z.string().optional() }).loose(),
  requestPayload: z.object({ Records: z.array(snsRecordSchema).min(1) }),
  responsePayload: z.unknown().optional(),
});

export const snsDeadLetterSchema = z
  .object({
    Type: z.literal('Notification'),
    MessageId: z.string().min(1),
    TopicArn: z.string(),
    Subject: z.string().nullish(),
    Message: z.string(),
    Timestamp: z.string(),
    SignatureVersion: z.string().optional(),
    Signature: z.string().optional(),
    SigningCertURL: z.string().optional(),
    UnsubscribeURL: z.string().optional(),
  })
  .loose();

export class UnreadableDeadLetterError extends Error {
  override name = 'UnreadableDeadLetterError';
}

/** The SNS event to deliver again, whichever shape the dead letter has. */
export function snsEventOfDeadLetter(body: string): SNSEvent {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new UnreadableDeadLetterError('not JSON');
  }
  const onFailure = onFailureRecordSchema.safeParse(json);
  // The payload exactly as the function was invoked with it (checked above, not rebuilt).
  if (onFailure.success) return (json as { requestPayload: SNSEvent }).requestPayload;
  const sns = snsDeadLetterSchema.safeParse(json);
  if (sns.success) {
    const n = sns.data;
    const record: SNSEventRecord = {
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: `${n.TopicArn}:redrive`,
      Sns: {
        Type: n.Type,
        MessageId: n.MessageId,
        TopicArn: n.TopicArn,
        Subject: n.Subject ?? '',
        Message: n.Message,
        Timestamp: n.Timestamp,
        SignatureVersion: n.SignatureVersion ?? '',
        Signature: n.Signature ?? '',
        SigningCertUrl: n.SigningCertURL ?? '',
        UnsubscribeUrl: n.UnsubscribeURL ?? '',
        MessageAttributes: {},
      },
    };
    return { Records: [record] };
  }
  throw new UnreadableDeadLetterError(
    'neither a Lambda on-failure record (requestPayload.Records) nor an SNS notification',
  );
}
