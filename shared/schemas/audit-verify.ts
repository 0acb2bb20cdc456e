import * as z from 'zod';

/** A chain's summary: verified (its events, tombstones and last link) or broken (how many passed before the break). */
const chainSummarySchema = z.union([
  z.object({
    ok: z.literal(true),
    events: z.number().int().meta({ description: 'Events whose content gives their hash' }),
    tombstones: z.number().int().meta({ description: 'Erased events (R11): link, type and time kept' }),
    head: z.object({ seq: z.number().int(), hash: z.string() }).optional(),
  }),
  z.object({ ok: z.literal(false), checked: z.number().int() }),
]);

/** GET /v1/recipients/{key}/audit/verify (and the `verify-audit` CLI): the first break of a recipient's chains (R15). */
export const auditVerificationSchema = z
  .object({
    recipientKey: z.string(),
    ok: z.boolean().meta({
      description: 'Both chains hold (events written before the chain are not checked: see `unchained`)',
    }),
    unchained: z.number().int().meta({
      description: 'Audit events written before the chain existed: listed by the audit route, not verifiable',
    }),
    changes: chainSummarySchema.meta({
      description: 'The chain of changes to the state (consents, objections, suppressions…)',
    }),
    decisions: chainSummarySchema.meta({
      description: 'The chain of sending decisions (basis, proof) and their outcome',
    }),
    break: z
      .object({
        chain: z.enum(['changes', 'decisions']),
        kind: z
          .enum([
            'missing',
            'out_of_order',
            'altered',
            'unlinked',
            'emptied',
            'truncated',
            'rewritten',
            'head_mismatch',
          ])
          .meta({
            description:
              'missing: an event was deleted; out_of_order: moved or copied; altered: edited; unlinked: replaced; emptied: the proof of an objection, suppression or erasure was removed; truncated: the last events were deleted; rewritten: the chain was rewritten from there',
          }),
        seq: z.number().int().meta({ description: 'The sequence number where the chain first breaks' }),
        detail: z.string(),
      })
      .optional()
      .meta({ description: 'The first break, when there is one' }),
  })
  .meta({ id: 'AuditVerification' });
export type AuditVerification = z.infer<typeof auditVerificationSchema>;
