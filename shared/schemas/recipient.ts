import * as z from 'zod';
import {
  audienceSchema,
  channelSchema,
  consentMethodSchema,
  isoDateTimeSchema,
  objectionMethodSchema,
} from './vocabulary';

/** Recipient key: keyed hash of the normalised address (R11), base64url. */
export const recipientKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, 'must be a recipient key as returned by PUT /v1/recipients')
  .meta({ id: 'RecipientKey' });

export const purchaseSchema = z
  .object({
    productFamily: z.string().min(1).max(100),
    at: isoDateTimeSchema,
    ref: z.string().max(200).optional().meta({ description: 'Order reference, kept as proof for R2' }),
  })
  .strict()
  .meta({ id: 'Purchase' });
export type Purchase = z.infer<typeof purchaseSchema>;

export const collectionSchema = z
  .object({
    at: isoDateTimeSchema,
    source: z.string().max(500).optional().meta({ description: 'Form, page, shop or campaign' }),
    duringSale: z.boolean().default(false).meta({
      description: 'R2: the address was collected during a sale (an account without a purchase is not)',
    }),
    informed: z
      .boolean()
      .default(false)
      .meta({ description: 'R4/R5: the person was informed of the use at collection' }),
    optOutOffered: z
      .boolean()
      .default(false)
      .meta({ description: 'R2/R4: a free, simple way to refuse was offered at collection' }),
  })
  .strict()
  .meta({ id: 'Collection' });

export const recipientProfileSchema = z
  .object({
    channel: channelSchema,
    address: z.string(),
    audience: audienceSchema,
    collection: collectionSchema.optional(),
    purchases: z.array(purchaseSchema).default([]),
    professionalTopics: z.array(z.string()).default([]),
    lastActivityAt: isoDateTimeSchema.optional().meta({
      description: 'R9: last contact coming from the person (consent, click, reply, purchase; not an open)',
    }),
    needsRepermission: z.boolean().default(false),
    updatedAt: z.string(),
  })
  .meta({ id: 'RecipientProfile' });
export type RecipientProfile = z.infer<typeof recipientProfileSchema>;

/** R3: what proves a consent. Every field is optional at the edge so that incomplete proof is kept and named. */
export const consentProofInputSchema = z
  .object({
    givenAt: isoDateTimeSchema.optional(),
    method: consentMethodSchema.optional(),
    wording: z.string().max(10_000).optional().meta({ description: 'The exact text shown' }),
    wordingVersion: z
      .string()
      .max(100)
      .optional()
      .meta({ description: 'A version declared with PUT /v1/wordings' }),
    wordingSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional()
      .meta({ description: 'SHA-256 of the wording shown, as stored with its version' }),
    source: z.string().max(500).optional().meta({ description: 'Form, page or campaign' }),
    controllers: z
      .array(z.string().max(200))
      // R3: the controllers must be named; an empty list names none (an absent one is kept and named unproven).
      .min(1, 'must name at least one controller (R3)')
      .max(20)
      .optional()
      .meta({ description: "Controllers named to the person; must include the tenant's name" }),
    explicit: z
      .boolean()
      .default(false)
      .meta({ description: 'R12: explicit consent for a sensitive purpose' }),
    preTicked: z.boolean().default(false),
    ip: z.string().max(100).optional(),
    userAgent: z.string().max(1000).optional(),
    confirmedAt: isoDateTimeSchema.optional().meta({ description: 'Double opt-in confirmation time' }),
    confirmedIp: z
      .string()
      .max(100)
      .optional()
      .meta({ description: 'IP address the confirmation came from' }),
    confirmedUserAgent: z.string().max(1000).optional(),
  })
  .strict();

/**
 * R3: a consent given by a pre-ticked box is kept as such. The method says how the box
 * was shown, so it decides `preTicked` when the flag was left to its default: the proof
 * says what happened, and a reviewer reading it must not see "not pre-ticked".
 */
export function preTickedAsGiven(proof: { method?: string | undefined; preTicked: boolean }): boolean {
  return proof.preTicked || proof.method === 'pre_ticked_box';
}

/**
 * R15/R3: a consent recorded in the preference centre is the person's act only if the link
 * reached them: a fresh link mailed by the gateway to the address (`fresh_email_link`) or
 * minted by the tenant for a person it authenticated (`tenant_link`); `sentAt` is when the
 * link was minted (and mailed), `usedAt` when the box was ticked. Set by the gateway, never
 * taken from a tenant's input.
 */
export const linkProofSchema = z
  .object({
    link: z.enum(['fresh_email_link', 'tenant_link']),
    sentAt: z.string(),
    usedAt: z.string(),
  })
  .strict()
  .meta({ id: 'LinkProof' });
export const consentGrantSchema = consentProofInputSchema.extend({
  id: z.string(),
  recordedAt: z.string(),
  proof: linkProofSchema.optional(),
});
export type ConsentGrant = z.infer<typeof consentGrantSchema>;

export const withdrawalProofInputSchema = z
  .object({
    at: isoDateTimeSchema.optional(),
    method: z.string().max(100).default('request_to_controller'),
    source: z.string().max(500).optional(),
    ip: z.string().max(100).optional(),
    userAgent: z.string().max(1000).optional(),
  })
  .strict();
export const withdrawalSchema = withdrawalProofInputSchema.extend({
  id: z.string(),
  at: z.string(),
  recordedAt: z.string(),
});
export type Withdrawal = z.infer<typeof withdrawalSchema>;

export const consentRecordSchema = z
  .object({
    purpose: z.string(),
    grant: consentGrantSchema.optional(),
    withdrawal: withdrawalSchema.optional(),
  })
  .meta({ id: 'ConsentRecord' });
export type ConsentRecord = z.infer<typeof consentRecordSchema>;

export const objectionScopeSchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('purpose'), purpose: z.string() }).strict(),
    z.object({ type: z.literal('channel') }).strict(),
  ])
  .meta({
    id: 'ObjectionScope',
    description: "A purpose, or all marketing on the recipient's channel",
  });
export type ObjectionScope = z.infer<typeof objectionScopeSchema>;

const verdictSchema = z.enum(['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED', 'DISABLED']);
export const mailProofSchema = z
  .object({
    from: z.string().max(1000).optional(),
    date: z.string().max(200).optional(),
    messageId: z.string().max(1000).optional(),
    sesMessageId: z.string().max(200),
    spf: verdictSchema.optional(),
    dkim: verdictSchema.optional(),
    dmarc: verdictSchema.optional(),
  })
  .meta({ id: 'MailProof', description: 'The headers of an unsubscribe mail and SES receipt verdicts' });
export type MailProof = z.infer<typeof mailProofSchema>;

export const objectionSchema = z
  .object({
    id: z.string(),
    scope: objectionScopeSchema,
    at: z.string(),
    method: objectionMethodSchema,
    messageId: z.string().optional(),
    source: z.string().optional(),
    ip: z.string().optional(),
    userAgent: z.string().optional(),
    /** R10 / RFC 2369, method `mailto`: the unsubscribe mail's headers and SES's verdicts on it. */
    mail: mailProofSchema.optional(),
    recordedAt: z.string(),
  })
  .meta({ id: 'Objection' });
export type Objection = z.infer<typeof objectionSchema>;

export const suppressionReasonSchema = z.enum(['bounce', 'complaint']);
export const suppressionSchema = z
  .object({
    reason: suppressionReasonSchema,
    at: z.string(),
    source: z.string().optional(),
    recordedAt: z.string(),
  })
  .meta({ id: 'Suppression' });
export type Suppression = z.infer<typeof suppressionSchema>;

/** Everything the decision needs about one recipient, read in one strongly consistent query. */
export const recipientStateSchema = z
  .object({
    recipientKey: z.string(),
    profile: recipientProfileSchema.optional(),
    consents: z.record(z.string(), consentRecordSchema),
    objections: z.array(objectionSchema),
    suppressions: z.array(suppressionSchema),
    /** R13: repermission messages already sent, per purpose. */
    repermissions: z
      .record(z.string(), z.object({ purpose: z.string(), count: z.number(), lastAt: z.string() }))
      .optional(),
  })
  .meta({ id: 'RecipientState' });
export type RecipientState = z.infer<typeof recipientStateSchema>;

/**
 * R3, double opt-in: what the person ticked on the consent page, kept until they click
 * the confirmation link; the consent then records both times.
 */
export const pendingConsentSchema = z
  .object({
    id: z.string(),
    channel: channelSchema,
    purposes: z.array(
      z.object({ purpose: z.string(), wordingVersion: z.string(), wordingSha256: z.string() }),
    ),
    givenAt: z.string(),
    source: z.string(),
    ip: z.string().optional(),
    userAgent: z.string().optional(),
    expiresAt: z.string(),
  })
  .meta({ id: 'PendingConsent' });
export type PendingConsent = z.infer<typeof pendingConsentSchema>;
