import type { FeedbackDestination, FeedbackSettings, SenderFeedback } from '../schemas/feedback';
import type { SesFeedbackEvent } from '../schemas/ses-feedback';
import type { Tenant } from '../schemas/tenant';
import { InvalidInputError } from '../schemas/validation';
import type { Caller, Dependencies } from './dependencies';

/** The deployment's own place: a destination elsewhere is refused (the IAM grant would refuse it too). */
export interface DeploymentLocation {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/** The partition of a region (arn:<partition>:…). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The gateway's own tags on every send (services/send-message.ts): not the sender's, not forwarded as its tags. */
const GATEWAY_TAGS = new Set(['tenant', 'messageId']);

/** PUT /v1/settings/feedback: where the tenant's own SES feedback goes, in this deployment's account and region. */
export async function putFeedbackSettings(
  deps: Dependencies,
  caller: Caller,
  settings: FeedbackSettings,
  deployment: DeploymentLocation,
): Promise<FeedbackSettings> {
  const destination = settings.destination;
  if (destination !== null && destination.type !== 'gateway_bus') {
    const field = destination.type === 'sns' ? 'destination.topicArn' : 'destination.busArn';
    const arn = destination.type === 'sns' ? destination.topicArn : destination.busArn;
    const [, partition, , region, account] = arn.split(':');
    const issues = [
      ...(partition !== deployment.partition
        ? [{ field, problem: `must be in partition ${deployment.partition}` }]
        : []),
      ...(region !== deployment.region ? [{ field, problem: `must be in region ${deployment.region}` }] : []),
      ...(account !== deployment.account
        ? [{ field, problem: `must be in this deployment's account ${deployment.account}` }]
        : []),
    ];
    if (issues.length > 0) throw new InvalidInputError(issues);
  }
  await deps.tenants.putFeedbackSettings(caller.tenantId, settings);
  return settings;
}

/**
 * The sender keeps its feedback: the SES notification of one of the tenant's messages, sent
 * on to the tenant's destination, after the gateway recorded what it records (R8 first: the
 * caller forwards only once recordFeedback returned). A failure throws: SNS redelivers the
 * notification (then its dead-letter queue, `npm run redrive`); the recording is idempotent
 * by the feedback id and the forwarded event carries that id, so a retry neither loses nor
 * doubles the gateway's record, and the receiver can drop a second copy.
 */
export async function forwardSenderFeedback(
  deps: Dependencies,
  tenant: Tenant,
  event: SesFeedbackEvent,
  /** The notification as SNS delivered it (the parsed event drops what the gateway does not read). */
  raw: Record<string, unknown> = event as Record<string, unknown>,
): Promise<FeedbackDestination | undefined> {
  const settings = tenant.settings.feedback;
  if (!('mail' in event) || settings === undefined || settings.destination === null) return undefined;
  const eventType = event.eventType;
  if (eventType !== 'Bounce' && eventType !== 'Complaint' && eventType !== 'Delivery') return undefined;
  if (!settings.eventTypes.includes(eventType)) return undefined;
  if (deps.feedback === undefined) throw new Error('no feedback forwarder is wired');
  const tags = Object.fromEntries(
    Object.entries(event.mail.tags).filter(([name]) => !GATEWAY_TAGS.has(name)),
  );
  const feedbackId =
    'bounce' in event
      ? event.bounce.feedbackId
      : 'complaint' in event
        ? event.complaint.feedbackId
        : `delivery-${event.mail.messageId}`;
  const messageId = event.mail.tags.messageId?.[0];
  const feedback: SenderFeedback = {
    tenantId: tenant.id,
    feedbackId,
    eventType,
    sesMessageId: event.mail.messageId,
    ...(messageId !== undefined ? { messageId } : {}),
    tags,
    ses: { ...raw, mail: { ...(raw.mail as Record<string, unknown>), tags } },
  };
  await deps.feedback.forward(settings.destination, feedback);
  deps.log.info('sender feedback forwarded', {
    tenantId: tenant.id,
    eventType,
    destination: settings.destination.type,
    feedbackId,
  });
  return settings.destination;
}
