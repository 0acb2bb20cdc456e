import * as z from 'zod';
import { type AddressError, normalizeEmail, parseMailbox } from '../domain/address';
import {
  collectionSchema,
  consentProofInputSchema,
  objectionSchema,
  purchaseSchema,
  recipientKeySchema,
  withdrawalProofInputSchema,
} from './recipient';
import { purposeIdSchema, smsSenderSchema, smsSenderTypeSchema, tenantIdSchema } from './tenant';
import {
  audienceSchema,
  basisSchema,
  channelSchema,
  isoDateTimeSchema,
  objectionMethodSchema,
  purposeCategorySchema,
  reasonCodeSchema,
  ruleIdSchema,
} from './vocabulary';

export const NO_LINE_BREAKS = /^[^\r\n]*$/;

/** Lets an object-level check run even when some fields failed, but never on a non-object. */
export const isObjectPayload = (payload: { value: unknown }) =>
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
    description:
      "`address@domain` or `Display Name <address@domain>`; the display name holds no `<`, `>` or address other than the mailbox's own (R10: the sender must be clear)",
    example: 'Acme News <news@acme.example>',
  });

/** An instant with its offset ("2026-12-05T10:00:00+01:00" or "…Z"); the limits are checked by the service against its clock. */
export const instantSchema = z.iso.datetime({ offset: true });

/** POST /v1/decisions: the decision at another time, on today's state. */
const atField = {
  at: instantSchema.optional().meta({
    description:
      "Decide as at this instant (at most one year ahead, not more than 5 minutes past) on today's state: time rules (R14 SMS hours, retention R9, soft opt-in age R2) read this instant. Default: now.",
    example: '2026-12-05T10:00:00+01:00',
  }),
};

export const emailBase = {
  channel: z.literal('email'),
  purpose: purposeIdSchema,
  to: emailAddressSchema,
  from: mailboxSchema,
};

/** National numbers are read in the tenant's default region, so SMS numbers are normalised by the service. */
export const phoneInputSchema = z
  .string()
  .min(3)
  .max(40)
  .regex(NO_LINE_BREAKS, 'must not contain line breaks')
  .meta({
    description: 'E.164 (+33612345678) or national (06 12 34 56 78, read in the tenant default region)',
  });

export const smsBase = {
  channel: z.literal('sms'),
  purpose: purposeIdSchema,
  to: phoneInputSchema,
  from: z
    .string()
    .min(1)
    .max(20)
    .meta({ description: 'A declared SMS sender: short code, alphanumeric id or number' }),
};

export const MAX_RECIPIENTS_PER_DECISION = 1000;

const oneOrMany = {
  message: 'give either to (one recipient) or recipients (up to 1,000), not both',
  path: ['to'],
  when: isObjectPayload,
};
const eitherToOrRecipients = (r: { to?: unknown; recipients?: unknown }) =>
  (r.to === undefined) !== (r.recipients === undefined);

export const decisionRequestSchema = z
  .discriminatedUnion('channel', [
    z
      .object({
        ...emailBase,
        to: emailAddressSchema.optional(),
        recipients: z.array(emailAddressSchema).min(1).max(MAX_RECIPIENTS_PER_DECISION).optional(),
        ...atField,
      })
      .strict()
      .refine(eitherToOrRecipients, oneOrMany),
    z
      .object({
        ...smsBase,
        to: phoneInputSchema.optional(),
        recipients: z.array(phoneInputSchema).min(1).max(MAX_RECIPIENTS_PER_DECISION).optional(),
        ...atField,
      })
      .strict()
      .refine(eitherToOrRecipients, oneOrMany),
  ])
  .meta({ id: 'DecisionRequest', description: 'One recipient in `to`, or up to 1,000 in `recipients`' });
export type DecisionRequest = z.output<typeof decisionRequestSchema>;

export const failureSchema = z.object({
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
  .object({
    decision: z.literal('sent'),
    messageId: z.string(),
    basis: basisSchema,
    proof: proofRefSchema,
    encoding: z
      .enum(['GSM-7', 'UCS-2'])
      .optional()
      .meta({ description: 'SMS only, opt-out mention included' }),
    segments: z.number().optional().meta({ description: 'SMS only, opt-out mention included' }),
  })
  .meta({ id: 'SentResponse' });
export const deferredResponseSchema = z
  .object({
    decision: z.literal('deferred'),
    messageId: z.string(),
    notBefore: z.string().meta({ description: 'When the message will be decided again and sent (R14)' }),
    reasons: z.array(reasonCodeSchema),
    rules: z.array(ruleIdSchema),
    encoding: z.enum(['GSM-7', 'UCS-2']),
    segments: z.number(),
  })
  .meta({ id: 'DeferredResponse' });
export const scheduledResponseSchema = z
  .object({
    decision: z.literal('scheduled'),
    messageId: z
      .string()
      .meta({ description: 'DELETE /v1/messages/{messageId} cancels it until it is sent' }),
    sendAt: z.string().meta({ description: 'When it will be decided again and, if still allowed, sent' }),
    encoding: z
      .enum(['GSM-7', 'UCS-2'])
      .optional()
      .meta({ description: 'SMS only, opt-out mention included' }),
    segments: z.number().optional().meta({ description: 'SMS only, opt-out mention included' }),
  })
  .meta({ id: 'ScheduledResponse' });
export const cancelledResponseSchema = z
  .object({ decision: z.literal('cancelled'), messageId: z.string() })
  .meta({ id: 'CancelledResponse' });
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
    summary: z.object({ allowed: z.number(), deferred: z.number(), rejected: z.number() }),
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

/** A recipient by channel and address; the service normalises the address for its channel. */
export const recipientRefSchema = {
  channel: channelSchema,
  address: z.string().min(3).max(320).meta({
    description: 'An email address, or a phone number (E.164 or national in the tenant default region)',
  }),
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

/** `POST /v1/imports` takes small files only (a Lambda's time); larger ones go through `npm run import`, which streams. */
export const MAX_API_IMPORT_ROWS = 1_000;

/** R16 over the API: a small legacy CSV, with an optional column mapping (`text/csv` bodies take the default header). */
export const importRequestSchema = z
  .object({
    csv: z
      .string()
      .min(1)
      .max(2_000_000)
      .meta({ description: 'The CSV, header first (docs/import.md: "Outcomes")' }),
    mapping: z
      .record(z.string().max(200), z.string().max(100))
      .optional()
      .meta({ description: 'Column names of the file to the default header\'s: {"E-mail": "address"}' }),
  })
  .strict()
  .meta({ id: 'ImportRequest' });

const expiresAtSchema = z.iso
  .datetime({ offset: true })
  .transform((v) => new Date(v).toISOString())
  .optional()
  .meta({ description: 'Refused from this instant on (ISO 8601); default: never expires' });

/** Each list given bounds what the key may send (domain/key-scope.ts); an absent list bounds nothing. */
const scopeList = <T extends z.ZodType>(item: T, description: string) =>
  z
    .array(item)
    .min(1, 'must name at least one (leave the list out for no bound)')
    .max(100)
    .transform((values) => [...new Set(values)])
    .optional()
    .meta({ description });

export const keyScopesSchema = z
  .object({
    purposes: scopeList(purposeIdSchema, 'Purpose ids this key may send for'),
    channels: scopeList(channelSchema, 'Channels this key may send on'),
    categories: scopeList(
      purposeCategorySchema,
      'Purpose categories this key may send (as the tenant declares each purpose): ["marketing"] keeps a campaign tool from sending as transactional',
    ),
  })
  .strict()
  .meta({
    id: 'KeyScopes',
    description:
      'What a sender key may send; a send outside it is a 403 `out_of_scope` naming the scope, and nothing is sent. Kept by a rotation.',
  });

/** SES credentials send email only: no channel to bound. */
export const credentialScopesSchema = keyScopesSchema
  .omit({ channels: true })
  .strict()
  .meta({ id: 'CredentialScopes' });

export const createKeySchema = z
  .object({
    role: z.enum(['sender', 'admin', 'compliance']).default('sender').meta({
      description:
        '`sender`: sends only; `admin`: everything about the tenant, and sends; `compliance`: reads only (the GET routes of the state API, the console), never changes nor sends',
    }),
    label: z.string().max(200).optional(),
    expiresAt: expiresAtSchema,
    scopes: keyScopesSchema.optional(),
  })
  .strict()
  // An admin key creates keys and changes the tenant's purposes: a scope would bound nothing.
  .refine((k) => k.role === 'sender' || k.scopes === undefined, {
    message: 'only sender keys take scopes',
    path: ['scopes'],
  })
  .meta({ id: 'CreateKeyRequest' });

export const createCredentialSchema = z
  .object({
    label: z.string().max(200).optional(),
    expiresAt: expiresAtSchema,
    scopes: credentialScopesSchema.optional(),
  })
  .strict()
  .meta({ id: 'CreateCredentialRequest' });

export const keyIdParamSchema = z.string().uuid('must be a key id (a UUID, from GET /v1/keys)');

/** Rotation; the old key keeps working `graceSeconds` (default until revoked). */
export const rotateKeySchema = z
  .object({
    graceSeconds: z
      .number()
      .int()
      .min(0)
      .max(30 * 86_400)
      .optional()
      .meta({
        description: 'The old key is refused this many seconds after the rotation; default: until revoked',
      }),
    expiresAt: expiresAtSchema,
  })
  .strict()
  .meta({ id: 'RotateKeyRequest' });

/** What a key list shows: never the secret nor its hash. */
export const keyMetadataSchema = z
  .object({
    keyId: z.string(),
    kind: z.enum(['api_key', 'ses_credential']),
    role: z.enum(['sender', 'admin', 'operator', 'compliance']),
    label: z.string().optional(),
    accessKeyId: z
      .string()
      .optional()
      .meta({ description: 'SES credentials only: the access key id (not secret)' }),
    createdAt: z.string(),
    expiresAt: z.string().optional(),
    revokedAt: z
      .string()
      .optional()
      .meta({ description: 'Refused from this instant on (a future one: a rotation grace)' }),
    lastUsedDay: z
      .string()
      .optional()
      .meta({ description: 'UTC day (YYYY-MM-DD) of the last use, written at most once a day' }),
    scopes: keyScopesSchema.optional().meta({ description: 'Sender keys and credentials: what it may send' }),
  })
  .meta({ id: 'KeyMetadata' });

export const credentialResponseSchema = z
  .object({
    keyId: z.string(),
    accessKeyId: z.string().meta({ description: 'AWS-style access key id for the SES v2 endpoint' }),
    secretAccessKey: z.string().meta({ description: 'Shown once; stored encrypted' }),
    label: z.string().optional(),
    scopes: credentialScopesSchema.optional(),
  })
  .meta({ id: 'CredentialResponse' });

/** The version id of PUT /v1/wordings/{versionId}. */
export const wordingVersionIdSchema = z.string().min(1).max(100);

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

/** R10: a short code (36123), an alphanumeric sender id (ACME, 3–11 characters) or a number (+33…). */
export const smsSenderIdSchema = z
  .string()
  .regex(
    /^(\d{3,8}|[A-Za-z0-9][A-Za-z0-9 .-]{2,10}|\+\d{6,15})$/,
    'must be a short code, an alphanumeric sender id (3-11 characters) or an E.164 number',
  );

export const putSmsSenderSchema = z
  .object({
    type: smsSenderTypeSchema,
    originationIdentity: z
      .string()
      .min(1)
      .max(256)
      .meta({ description: 'End User Messaging phone number id, sender id or pool id (or its ARN)' }),
  })
  .strict()
  .meta({ id: 'PutSmsSenderRequest' });
export const createLinkSchema = z
  .object({
    // The recipient pages are email pages for now: an SMS recipient gets no link yet.
    channel: z.literal('email'),
    address: emailAddressSchema,
    kind: z.enum(['preferences', 'consent']).meta({
      description:
        "`preferences`: a FRESH preference-centre link (R15): it opens the person's data, export, erasure, and records consents with `proof.link: tenant_link`; valid `settings.confirmation.freshLinkHours` (24 h by default). Give it only to the person (behind their login, or mailed to the address): never put it in a newsletter. `consent`: the consent page for sign-up or repermission (R3, R13), 30 days",
    }),
    purposes: z
      .array(purposeIdSchema)
      .min(1)
      .max(20)
      .optional()
      .meta({ description: 'Consent page only: the purposes offered (default: every marketing purpose)' }),
  })
  .strict()
  .meta({ id: 'CreateLinkRequest' });

export const erasureRequestSchema = z
  .object({
    source: z
      .string()
      .min(1)
      .max(500)
      .default('request to the controller')
      .meta({ description: 'How the request came (kept as the proof of the objection, R11)' }),
  })
  .strict()
  .meta({ id: 'ErasureRequest' });
export { objectionSchema };

/** The operator assigns an SMS sender: the origination identity it sends through, and its type (R10). */
export const assignSmsSenderSchema = z
  .object({
    originationIdentity: z
      .string()
      .trim()
      .min(1)
      .max(256)
      .meta({ description: 'End User Messaging phone number id, sender id or pool id (or its ARN)' }),
    type: smsSenderTypeSchema
      .optional()
      .meta({ description: 'R10: default what the id is (short code, alphanumeric), else long_code' }),
  })
  .strict()
  .meta({ id: 'AssignSmsSenderRequest' });

export const createTenantSchema = z
  .object({
    id: tenantIdSchema,
    name: z.string().trim().min(1).max(200).meta({ description: 'Brand shown to recipients' }),
    identities: z
      .array(identityParamSchema)
      .max(50)
      .default([])
      .meta({ description: 'R10: email identities (domains or addresses) assigned to it at once' }),
  })
  .strict()
  .meta({ id: 'CreateTenantRequest' });

export const operatorTenantCreatedSchema = z
  .object({
    tenant: z.string(),
    emailIdentities: z.array(z.string()),
    smsSenders: z.array(smsSenderSchema),
    adminKeyId: z.string(),
    adminKey: z.string().meta({ description: 'The first admin key: shown once' }),
  })
  .meta({ id: 'OperatorTenantCreated' });
