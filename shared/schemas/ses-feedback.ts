import * as z from 'zod';

/**
 * SES event publishing (configuration set event destination → SNS), as found in the SNS
 * message body. Only what the gateway reads is checked; other fields pass. `mail.tags`
 * carries the EmailTags of the send (tenant, purpose, messageId: services/send-message.ts).
 */
const mailSchema = z.object({
  messageId: z.string().min(1).max(200),
  timestamp: z.string(),
  tags: z.record(z.string(), z.array(z.string())).default({}),
});

const recipientSchema = z.object({ emailAddress: z.string().min(3).max(320) });

export const sesBounceEventSchema = z.object({
  eventType: z.literal('Bounce'),
  mail: mailSchema,
  bounce: z.object({
    bounceType: z.enum(['Permanent', 'Transient', 'Undetermined']),
    bounceSubType: z.string().optional(),
    bouncedRecipients: z.array(recipientSchema).min(1),
    timestamp: z.string(),
    feedbackId: z.string().min(1).max(300),
  }),
});

export const sesComplaintEventSchema = z.object({
  eventType: z.literal('Complaint'),
  mail: mailSchema,
  complaint: z.object({
    complainedRecipients: z.array(recipientSchema).min(1),
    timestamp: z.string(),
    feedbackId: z.string().min(1).max(300),
    complaintFeedbackType: z.string().optional(),
  }),
});

/**
 * Deliveries are the complaint rate's denominator (mailbox providers divide complaints by
 * the mail they accepted; a bounced message can never be complained about). One event per
 * message, naming the recipients it reached (the gateway sends one copy per recipient).
 */
export const sesDeliveryEventSchema = z.object({
  eventType: z.literal('Delivery'),
  mail: mailSchema,
  delivery: z
    .object({
      timestamp: z.string().optional(),
      recipients: z.array(z.string()).default([]),
    })
    .default({ recipients: [] }),
});

/** Sends are acknowledged and not counted: deliveries are (see sesDeliveryEventSchema). */
export const sesSendEventSchema = z.object({
  eventType: z.literal('Send'),
  mail: mailSchema,
});

/** Any other event type (Open, Click, Reject, DeliveryDelay…) is acknowledged and ignored. */
export const sesOtherEventSchema = z.object({
  eventType: z.string().refine((t) => !['Bounce', 'Complaint', 'Send', 'Delivery'].includes(t)),
});

export const sesFeedbackEventSchema = z.union([
  sesBounceEventSchema,
  sesComplaintEventSchema,
  sesDeliveryEventSchema,
  sesSendEventSchema,
  sesOtherEventSchema,
]);
export type SesFeedbackEvent = z.infer<typeof sesFeedbackEventSchema>;
