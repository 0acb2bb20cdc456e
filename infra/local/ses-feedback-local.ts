import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context, SNSEvent } from 'aws-lambda';
import { entryPoints } from '../entry-points';
import { lambdaContext } from './lambda-context';

type Handler = (event: SNSEvent, context: Context) => Promise<unknown>;

/**
 * SES feedback, locally: `POST /local/ses-feedback` with either an SES event-publishing
 * notification (it has `eventType`) or a shorthand `{type: 'bounce' | 'transient' |
 * 'complaint' | 'delivery', to, tenant, messageId?, tags?}` that builds one. Either goes to the real
 * SesFeedback handler wrapped in an SNS event, as the configuration set's destination would
 * deliver it. A delivery may carry `count` (at most 10,000): one Delivery event naming that
 * many recipients, counted as that many deliveries, so that the complaint rate can be tried
 * locally without thousands of calls.
 */
const MAX_COUNT = 10_000;

export function sesNotification(body: Record<string, unknown>): Record<string, unknown> {
  if (typeof body.eventType === 'string') return body;
  const now = new Date().toISOString();
  const feedbackId = `local-${randomUUID()}`;
  const mail = {
    messageId: typeof body.messageId === 'string' ? body.messageId : `local-${randomUUID()}`,
    timestamp: now,
    // `tags`: the sender's own EmailTags, as SES publishes them beside the gateway's.
    tags: {
      ...(typeof body.tags === 'object' && body.tags !== null ? (body.tags as Record<string, string[]>) : {}),
      tenant: [String(body.tenant ?? '')],
    },
  };
  const recipients = [{ emailAddress: String(body.to ?? '') }];
  if (body.type === 'delivery') {
    return {
      eventType: 'Delivery',
      mail,
      delivery: {
        timestamp: now,
        recipients:
          typeof body.to === 'string'
            ? [body.to]
            : Array.from(
                { length: typeof body.count === 'number' ? body.count : 1 },
                (_, i) => `reader-${i}@example.org`,
              ),
        smtpResponse: '250 OK',
      },
    };
  }
  if (body.type === 'complaint') {
    return {
      eventType: 'Complaint',
      mail,
      complaint: {
        complainedRecipients: recipients,
        timestamp: now,
        feedbackId,
        complaintFeedbackType: 'abuse',
      },
    };
  }
  return {
    eventType: 'Bounce',
    mail,
    bounce: {
      bounceType: body.type === 'transient' ? 'Transient' : 'Permanent',
      bounceSubType: 'General',
      bouncedRecipients: recipients,
      timestamp: now,
      feedbackId,
    },
  };
}

export async function replaySesFeedback(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  } catch {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'body must be JSON' }));
    return;
  }
  const entry = entryPoints.find((e) => e.trigger?.type === 'sesFeedback')!;
  const { handler } = (await import(new URL(`../../${entry.entry}`, import.meta.url).href)) as {
    handler: Handler;
  };
  if (
    body.count !== undefined &&
    !(Number.isInteger(body.count) && Number(body.count) >= 1 && Number(body.count) <= MAX_COUNT)
  ) {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: `count must be an integer from 1 to ${MAX_COUNT}` }));
    return;
  }
  const notification = sesNotification(body);
  try {
    await handler(
      {
        Records: [
          {
            EventSource: 'aws:sns',
            EventVersion: '1.0',
            EventSubscriptionArn: 'arn:aws:sns:local:000000000000:ses-feedback:local',
            Sns: {
              Type: 'Notification',
              MessageId: randomUUID(),
              TopicArn: 'arn:aws:sns:local:000000000000:ses-feedback',
              Subject: '',
              Message: JSON.stringify(notification),
              Timestamp: new Date().toISOString(),
              SignatureVersion: '1',
              Signature: '',
              SigningCertUrl: '',
              UnsubscribeUrl: '',
              MessageAttributes: {},
            },
          },
        ],
      },
      lambdaContext(entry.id),
    );
  } catch (error) {
    // In AWS, Lambda would retry twice, then the dead-letter queue (npm run redrive); here the caller sees the failure.
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: (error as Error).name, message: (error as Error).message }));
    return;
  }
  res.writeHead(202, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ delivered: notification.eventType }));
}
