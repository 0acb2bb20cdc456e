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

export const auditEventSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    type: auditEventTypeSchema,
    actor: actorSchema,
    why: z
      .string()
      .meta({ description: 'The rule or request behind the change (e.g. "R7: unsubscribe link")' }),
    data: z.record(z.string(), z.unknown()).meta({ description: 'What changed; never the address' }),
  })
  .meta({ id: 'AuditEvent' });
export type AuditEvent = z.infer<typeof auditEventSchema>;

/** After an erasure (R11, R15) only these remain: the proof of the objections and suppressions, and of the erasure. */
export const AUDIT_TYPES_KEPT_AFTER_ERASURE: readonly AuditEventType[] = [
  'objection.recorded',
  'suppression.recorded',
  'recipient.erased',
];
