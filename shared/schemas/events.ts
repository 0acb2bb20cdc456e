import * as z from 'zod';
import { objectionScopeSchema, suppressionReasonSchema } from './recipient';
import { channelSchema, consentMethodSchema, objectionMethodSchema } from './vocabulary';

/**
 * Events out: every consent, withdrawal, objection, suppression and erasure is
 * published (EventBridge in AWS, an in-memory list locally) so that CRMs stay in sync.
 * `source` is `consent-gate`; `detail-type` names the change; `detail` follows the schema
 * below, version 1. Recipients are named by their recipient key (the keyed hash returned
 * by PUT /v1/recipients), never by address: the CRM keeps the key next to its contact.
 */
export const EVENT_SOURCE = 'consent-gate';

const envelope = {
  version: z.literal(1),
  eventId: z.string().meta({ description: 'Unique; the same id as the audit event' }),
  tenant: z.string(),
  channel: channelSchema,
  recipientKey: z.string(),
  at: z.string().meta({ description: 'When the change took effect (ISO 8601)' }),
};

export const consentGivenDetailSchema = z
  .object({
    ...envelope,
    purpose: z.string(),
    consentId: z.string(),
    method: consentMethodSchema.optional(),
    wordingVersion: z.string().optional(),
    confirmedAt: z.string().optional().meta({ description: 'Double opt-in confirmation time' }),
    valid: z.boolean().meta({ description: 'R3: whether the consent counts (proof complete, valid method)' }),
  })
  .strict()
  .meta({ id: 'ConsentGivenDetail' });

export const consentWithdrawnDetailSchema = z
  .object({ ...envelope, purpose: z.string(), method: z.string() })
  .strict()
  .meta({ id: 'ConsentWithdrawnDetail' });

export const objectionRecordedDetailSchema = z
  .object({
    ...envelope,
    objectionId: z.string(),
    scope: objectionScopeSchema,
    method: objectionMethodSchema,
  })
  .strict()
  .meta({ id: 'ObjectionRecordedDetail' });

export const suppressionRecordedDetailSchema = z
  .object({ ...envelope, reason: suppressionReasonSchema })
  .strict()
  .meta({ id: 'SuppressionRecordedDetail' });

/** R7: an SMS reply that is neither a stop word nor START, kept for a person to read (in doubt, ask). */
export const smsReplyUnrecognisedDetailSchema = z
  .object({
    ...envelope,
    inboundMessageId: z.string(),
    destination: z.string().meta({ description: "The tenant's number or short code replied to" }),
    text: z.string().meta({ description: 'The reply as received' }),
  })
  .strict()
  .meta({ id: 'SmsReplyUnrecognisedDetail' });

export const recipientErasedDetailSchema = z
  .object({ ...envelope })
  .strict()
  .meta({ id: 'RecipientErasedDetail' });

/**
 * Tenant events (mailbox provider thresholds): the complaint-rate hold was set, or lifted by
 * an admin. No recipient: `tenant` and the figures only.
 */
const tenantEnvelope = {
  version: z.literal(1),
  eventId: z.string().meta({ description: 'Unique; the same id as the tenant audit event' }),
  tenant: z.string(),
  at: z.string().meta({ description: 'When the hold was set or lifted (ISO 8601)' }),
};
const holdFigures = {
  rate: z.number().meta({ description: 'Complaint rate over the window when the hold was set' }),
  sends: z.number().int(),
  complaints: z.number().int(),
  windowDays: z.number().int(),
};

export const complaintHoldSetDetailSchema = z
  .object({ ...tenantEnvelope, ...holdFigures, holdRate: z.number() })
  .strict()
  .meta({ id: 'ComplaintHoldSetDetail' });

export const complaintHoldLiftedDetailSchema = z
  .object({
    ...tenantEnvelope,
    ...holdFigures,
    since: z.string().meta({ description: 'When the lifted hold had been set' }),
    liftedBy: z
      .string()
      .meta({ description: 'Id of the admin key that lifted it, or the sub of the console user' }),
  })
  .strict()
  .meta({ id: 'ComplaintHoldLiftedDetail' });

/** detail-type → detail schema: the documented contract (docs/recipients.md, "Events out"). */
export const eventSchemas = {
  'Consent Given': consentGivenDetailSchema,
  'Consent Withdrawn': consentWithdrawnDetailSchema,
  'Objection Recorded': objectionRecordedDetailSchema,
  'Suppression Recorded': suppressionRecordedDetailSchema,
  'Recipient Erased': recipientErasedDetailSchema,
  'SMS Reply Unrecognised': smsReplyUnrecognisedDetailSchema,
  'Complaint Hold Set': complaintHoldSetDetailSchema,
  'Complaint Hold Lifted': complaintHoldLiftedDetailSchema,
} as const;
export type GatewayDetailType = keyof typeof eventSchemas;
export type GatewayEvent = {
  [T in GatewayDetailType]: { detailType: T; detail: z.infer<(typeof eventSchemas)[T]> };
}[GatewayDetailType];

/**
 * A bulk-queue message's outcome (docs/senders.md, "Bulk queue"): the decision with its
 * answer's fields (`messageId`, `basis`, `proof`; `reasons`, `rules`…), or `outcome:
 * "invalid"` with the problem. Published from the outcome item the consumer stores (one per
 * SQS message id), so `eventId` is `sqs:<sqsMessageId>`: a redelivered message publishes no
 * second outcome. The answer's fields are those of POST /v1/messages, hence a loose object.
 */
export const messageOutcomeDetailSchema = z
  .looseObject({
    version: z.literal(1),
    eventId: z.string().meta({ description: 'Unique per queued message: `sqs:<sqsMessageId>`' }),
    sqsMessageId: z.string(),
    tenantId: z.string().optional(),
    outcome: z.literal('invalid').optional(),
    problem: z.string().optional(),
    decision: z.enum(['sent', 'deferred', 'scheduled', 'rejected']).optional(),
    recipientKey: z.string().optional(),
    replayed: z.boolean().optional(),
  })
  .meta({ id: 'MessageOutcomeDetail' });

/** Everything the gateway publishes: the recipient and tenant events, and bulk outcomes. */
export const outboundSchemas = { ...eventSchemas, 'Message Outcome': messageOutcomeDetailSchema } as const;
export type OutboundDetailType = keyof typeof outboundSchemas;

/** Builds an event and checks it against its schema: an event that breaks the contract is a bug, not a message. */
export function gatewayEvent<T extends GatewayDetailType>(
  detailType: T,
  detail: z.input<(typeof eventSchemas)[T]>,
): GatewayEvent {
  return { detailType, detail: eventSchemas[detailType].parse(detail) } as GatewayEvent;
}
