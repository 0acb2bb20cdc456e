import * as z from 'zod';

/**
 * The audit trail (R15, R3 accountability): every change to a recipient's state and
 * every sending decision, as an append-only event with who, what, when and why. Events
 * are written once with a conditional put and never updated. They carry the recipient
 * key, never the address (minimisation; "logs never contain an address in clear").
 */
export const auditEventTypeSchema = z
  .enum([
    'profile.updated',
    'consent.given',
    'consent.requested',
    'consent.withdrawn',
    'objection.recorded',
    'suppression.recorded',
    'decision.sent',
    /** The provider failed after an allowed decision: that decision's message never went out. */
    'send.failed',
    'decision.deferred',
    /** Scheduled by `sendAt`: stored, decided again when due. */
    'decision.scheduled',
    /** A scheduled or deferred message cancelled by its sender before it was due. */
    'message.cancelled',
    'decision.rejected',
    'data.exported',
    'recipient.erased',
    /** R7: an SMS reply with no keyword, kept (with its text) for a person to review. */
    'sms_reply.unrecognised',
    // Tenant events (no recipient): the complaint-rate hold (mailbox provider thresholds).
    'complaint_hold.set',
    'complaint_hold.lifted',
    /** An API key or SES credential revoked, by whom (tenant event). */
    'key.revoked',
    // Tenant events: its configuration changed by an admin (the API, or the console).
    'purpose.declared',
    'wording.stored',
    'email_identity.used',
    'email_identity.released',
    'sms_sender.declared',
    'sms_sender.released',
    'sms_settings.changed',
  ])
  .meta({ id: 'AuditEventType' });
export type AuditEventType = z.infer<typeof auditEventTypeSchema>;

export const actorSchema = z
  .object({
    type: z.enum(['admin_key', 'sender_key', 'compliance_key', 'console_user', 'recipient', 'system']).meta({
      description:
        "`console_user`: a user of the console's user pool (Cognito), in its `admin` group; `id` is their sub.",
    }),
    /** API key id for keys; a console user's sub; for a recipient, the page they acted on. */
    id: z.string().optional(),
    /** Where a key acted when not through the API: `console`, a session signed in with it. */
    via: z.enum(['console']).optional(),
  })
  .meta({ id: 'AuditActor' });
export type Actor = z.infer<typeof actorSchema>;

/** A credential replaced by the first 16 hex digits of its SHA-256, as the trail keeps it. */
const FINGERPRINT = /\{sha256:[0-9a-f]{16}\}/;

/**
 * R10: what a sent message carried to unsubscribe, recorded in its `decision.sent` (`data.unsubscribe`,
 * in the same write: shared/domain/sent-unsubscribe.ts builds it). A working link or mailto address
 * is never kept: clicking one in an evidence pack would unsubscribe the person. Each is written with
 * its credential (the token of the `/u/` link, the id of the `u+<id>@` address) replaced by
 * `{sha256:<first 16 hex digits of its SHA-256>}`, which anyone holding the mail as received can
 * compute again. The token's claims that are not secret are kept: the key id it was signed with,
 * its purpose and its channel (the recipient and the message it names are the event's own, checked
 * when the record is built).
 */
export const sentUnsubscribeSchema = z
  .discriminatedUnion('kind', [
    z
      .object({
        kind: z.literal('email'),
        listUnsubscribe: z.string().regex(FINGERPRINT).meta({
          description:
            'The List-Unsubscribe header as sent, each credential fingerprinted; its https URI is the link of the footers',
        }),
        oneClick: z.boolean().meta({
          description:
            'RFC 8058: the message carried List-Unsubscribe-Post: List-Unsubscribe=One-Click (a mailto: address beside the link shows in listUnsubscribe)',
        }),
        keyId: z.string().meta({
          description:
            "The id of the key that signed the link's token; the token names the message's own recipient, purpose and channel (checked before the record is written)",
        }),
        placed: z
          .object({
            in: z.enum(['parts', 'mime']),
            html: z.number().int().min(0),
            text: z.number().int().min(0),
          })
          .strict()
          .meta({
            description:
              'Where the footer link went: the HTML and text parts given to the provider (`parts`), or the body parts of a raw MIME message (`mime`), with how many of each',
          }),
      })
      .strict(),
    z
      .object({
        kind: z.literal('sms'),
        mention: z.string().meta({ description: 'R10: the opt-out mention the SMS ended with' }),
      })
      .strict(),
    z
      .object({
        kind: z.literal('none'),
        why: z.literal('transactional').meta({ description: 'R6: no opt-out is due' }),
      })
      .strict(),
  ])
  .meta({
    id: 'SentUnsubscribe',
    description:
      'In a decision.sent only (data.unsubscribe): what the message carried to unsubscribe (R10), each link and mailto address with its credential replaced by {sha256:<first 16 hex digits of its SHA-256>}; absent from messages sent before it was recorded',
  });
export type SentUnsubscribe = z.infer<typeof sentUnsubscribeSchema>;

export const auditEventSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    type: auditEventTypeSchema,
    actor: actorSchema,
    why: z
      .string()
      .meta({ description: 'The rule or request behind the change (e.g. "R7: unsubscribe link")' }),
    data: z
      .looseObject({
        /** decision.sent only. */
        unsubscribe: sentUnsubscribeSchema.optional(),
      })
      .meta({ description: 'What changed; never the address' }),
  })
  .meta({ id: 'AuditEvent' });
export type AuditEvent = z.infer<typeof auditEventSchema>;

/** After an erasure (R11, R15) only these remain: the proof of the objections and suppressions, and of the erasure. */
export const AUDIT_TYPES_KEPT_AFTER_ERASURE: readonly AuditEventType[] = [
  'objection.recorded',
  'suppression.recorded',
  'recipient.erased',
];

/** `GET /v1/audit`'s query: a page of the tenant's own trail, newest first. */
export const tenantAuditQuerySchema = z
  .object({
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(100)
      .default(50)
      .meta({ description: 'Events per page, 1 to 100 (default 50)' }),
    after: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,300}$/, 'is not a cursor: give the `next` of the page before, as it came')
      .optional()
      .meta({ description: 'The `next` of the page before: continues after its last event' }),
  })
  .strict();
export type TenantAuditQuery = z.output<typeof tenantAuditQuerySchema>;

export const tenantAuditPageSchema = z
  .object({
    events: z.array(auditEventSchema).meta({ description: 'Newest first' }),
    next: z
      .string()
      .optional()
      .meta({ description: 'Absent on the last page; else the `after` of the next one' }),
  })
  .meta({ id: 'TenantAuditPage' });
