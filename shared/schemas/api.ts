import { z } from 'zod';
import { type AddressError, normalizeEmail, parseMailbox } from '../domain/address';
import {
  collectionSchema,
  consentProofInputSchema,
  objectionSchema,
  purchaseSchema,
  recipientKeySchema,
  withdrawalProofInputSchema,
} from './recipient';
import { purposeIdSchema } from './tenant';
import {
  audienceSchema,
  basisSchema,
  isoDateTimeSchema,
  objectionMethodSchema,
  reasonCodeSchema,
  ruleIdSchema,
} from './vocabulary';

const NO_LINE_BREAKS = /^[^\r\n]*$/;

/** Lets an object-level check run even when some fields failed, but never on a non-object. */
const isObjectPayload = (payload: { value: unknown }) =>
  typeof payload.value === 'object' && payload.value !== null;

export const emailAddressSchema = z
  .string()
  .max(320)
  .transform((value, ctx) => {
    try {
      return normalizeEmail(value);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `not a valid email address: ${(error as AddressError).message}`,
      });
      return z.NEVER;
    }
  })
  .meta({
    description: 'An email address; normalised (trimmed, domain lower-cased and IDNA-encoded)',
    example: 'alice@example.org',
  });

export const mailboxSchema = z
  .string()
  .max(400)
  .transform((value, ctx) => {
    try {
      return parseMailbox(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `not a valid mailbox: ${(error as AddressError).message}` });
      return z.NEVER;
    }
  })
  .meta({
    description: '`address@domain` or `Display Name <address@domain>`',
    example: 'Acme News <news@acme.example>',
  });

/** Limits keep every message well under SES's 40 MB and API Gateway's 10 MB payload limits. */
export const MAX_HTML_LENGTH = 2_000_000;
export const MAX_TEXT_LENGTH = 500_000;

const messageBase = {
  channel: z.literal('email').meta({ description: '"email" (SMS comes later)' }),
  purpose: purposeIdSchema,
  to: emailAddressSchema,
  from: mailboxSchema,
};

export const sendMessageSchema = z
  .object({
    ...messageBase,
    subject: z.string().min(1).max(998).regex(NO_LINE_BREAKS, 'must not contain line breaks'),
    html: z.string().min(1).max(MAX_HTML_LENGTH).optional(),
    text: z.string().min(1).max(MAX_TEXT_LENGTH).optional(),
    replyTo: mailboxSchema.optional(),
    idempotencyKey: z.string().min(1).max(200).optional().meta({
      description:
        'Sends once per key (per tenant, kept 24 hours): a retry or a concurrent duplicate answers the first outcome',
      example: 'order-1234-shipped',
    }),
  })
  .strict()
  .refine((m) => m.html !== undefined || m.text !== undefined, {
    message: 'html or text is required',
    path: ['html'],
    // Report it alongside other problems, not only once the rest is valid.
    when: isObjectPayload,
  })
  .meta({ id: 'SendMessageRequest' });
export type SendMessageRequest = z.output<typeof sendMessageSchema>;

export const MAX_RECIPIENTS_PER_DECISION = 1000;

/** One object rather than a union, so that a 400 names the failing field instead of "no union member matched". */
export const decisionRequestSchema = z
  .object({
    ...messageBase,
    to: emailAddressSchema.optional(),
    recipients: z.array(emailAddressSchema).min(1).max(MAX_RECIPIENTS_PER_DECISION).optional(),
  })
  .strict()
  .refine((r) => (r.to === undefined) !== (r.recipients === undefined), {
    message: 'give either to (one recipient) or recipients (up to 1,000), not both',
    path: ['to'],
    when: isObjectPayload,
  })
  .meta({ id: 'DecisionRequest', description: 'One recipient in `to`, or up to 1,000 in `recipients`' });
export type DecisionRequest = z.output<typeof decisionRequestSchema>;

const failureSchema = z.object({
  reason: reasonCodeSchema,
  rule: ruleIdSchema.optional(),
  message: z.string(),
});
const proofRefSchema = z
  .object({
    type: z.enum(['consent', 'purchase', 'collection', 'role_address', 'purpose', 'repermission']),
    ref: z.string().optional(),
    at: z.string().optional(),
    detail: z.string().optional(),
  })
  .meta({
    id: 'ProofRef',
    description: 'What the basis rests on: a consent id, an order, the collection notice…',
  });

export const sentResponseSchema = z
  .object({ decision: z.literal('sent'), messageId: z.string(), basis: basisSchema, proof: proofRefSchema })
  .meta({ id: 'SentResponse' });
export const rejectedResponseSchema = z
  .object({
    decision: z.literal('rejected'),
    reasons: z.array(reasonCodeSchema),
    rules: z.array(ruleIdSchema),
    details: z.array(failureSchema),
  })
  .meta({ id: 'RejectedResponse' });
export const allowedDecisionSchema = z
  .object({ decision: z.literal('allowed'), basis: basisSchema, proof: proofRefSchema })
  .meta({ id: 'AllowedDecision' });
export const decisionResultSchema = z
  .union([allowedDecisionSchema, rejectedResponseSchema])
  .meta({ id: 'DecisionResult' });
export const decisionListResponseSchema = z
  .object({
    purpose: z.string(),
    channel: z.literal('email'),
    summary: z.object({ allowed: z.number(), rejected: z.number() }),
    results: z.array(z.object({ to: z.string() }).and(decisionResultSchema)),
  })
  .meta({ id: 'DecisionListResponse' });

export const errorResponseSchema = z
  .object({
    error: z.string(),
    message: z.string(),
    issues: z.array(z.object({ field: z.string(), problem: z.string() })).optional(),
  })
  .meta({ id: 'Error' });

// ---- State API (admin key) ----

export const recipientRefSchema = {
  channel: z.literal('email'),
  address: emailAddressSchema,
};

export const putRecipientSchema = z
  .object({
    ...recipientRefSchema,
    audience: audienceSchema,
    collection: collectionSchema.optional(),
    purchases: z.array(purchaseSchema).max(1000).default([]),
    professionalTopics: z.array(z.string().min(1).max(100)).max(50).default([]),
    lastActivityAt: isoDateTimeSchema.optional(),
    needsRepermission: z.boolean().default(false),
  })
  .strict()
  .meta({ id: 'PutRecipientRequest' });

export const recordConsentSchema = consentProofInputSchema
  .extend({ ...recipientRefSchema, purpose: purposeIdSchema })
  .meta({
    id: 'RecordConsentRequest',
    description: 'R3: time, method, wording, source and controllers prove a consent',
  });

export const recordWithdrawalSchema = withdrawalProofInputSchema
  .extend({ ...recipientRefSchema, purpose: purposeIdSchema })
  .meta({ id: 'RecordWithdrawalRequest' });

export const recordObjectionSchema = z
  .object({
    ...recipientRefSchema,
    scope: z.union([
      z.object({ type: z.literal('purpose'), purpose: purposeIdSchema }).strict(),
      z.object({ type: z.literal('channel') }).strict(),
    ]),
    at: isoDateTimeSchema.optional(),
    method: objectionMethodSchema.default('request_to_controller'),
    source: z.string().max(500).optional(),
    ip: z.string().max(100).optional(),
    userAgent: z.string().max(1000).optional(),
  })
  .strict()
  .meta({ id: 'RecordObjectionRequest' });

export const recordSuppressionSchema = z
  .object({
    ...recipientRefSchema,
    reason: z.enum(['bounce', 'complaint']),
    at: isoDateTimeSchema.optional(),
    source: z.string().max(500).optional(),
  })
  .strict()
  .meta({ id: 'RecordSuppressionRequest' });

export const createKeySchema = z
  .object({ role: z.enum(['sender', 'admin']).default('sender'), label: z.string().max(200).optional() })
  .strict()
  .meta({ id: 'CreateKeyRequest' });

export const createCredentialSchema = z
  .object({ label: z.string().max(200).optional() })
  .strict()
  .meta({ id: 'CreateCredentialRequest' });

export const credentialResponseSchema = z
  .object({
    keyId: z.string(),
    accessKeyId: z.string().meta({ description: 'AWS-style access key id for the SES v2 endpoint' }),
    secretAccessKey: z.string().meta({ description: 'Shown once; stored encrypted' }),
    label: z.string().optional(),
  })
  .meta({ id: 'CredentialResponse' });

export const putWordingSchema = z
  .object({ text: z.string().min(1).max(10_000) })
  .strict()
  .meta({ id: 'PutWordingRequest' });

export const identityParamSchema = z
  .string()
  .max(320)
  .transform((value, ctx) => {
    const v = value.trim().toLowerCase();
    if (v.includes('@')) {
      try {
        return normalizeEmail(v);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `not a valid address: ${(error as AddressError).message}` });
        return z.NEVER;
      }
    }
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(v)) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a domain (example.com) or an address (news@example.com)',
      });
      return z.NEVER;
    }
    return v;
  });

export const recipientKeyParamSchema = recipientKeySchema;
export { objectionSchema };
