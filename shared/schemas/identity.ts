import * as z from 'zod';

/**
 * A sending identity's claim (docs/rules.md, Vocabulary "Tenant"; R10): one item per
 * identity in the table, written only if absent, so that two tenants never hold the same
 * identity, even when two assignments race. Kinds:
 * - `email`: an SES domain or address, lower-cased (as identityParamSchema normalises it);
 * - `sms_origination`: an End User Messaging origination identity (phone number id, sender
 *   id or pool, or its ARN), as the provider takes it;
 * - `sms_sender`: the sender id a recipient sees and replies to (short code, number or
 *   alphanumeric id); inbound replies are routed through it to the origination identity's owner.
 */
export const identityKindSchema = z.enum(['email', 'sms_origination', 'sms_sender']).meta({
  id: 'IdentityKind',
});
export type IdentityKind = z.infer<typeof identityKindSchema>;

export const identityClaimSchema = z
  .object({
    kind: identityKindSchema,
    identity: z.string(),
    tenantId: z.string(),
    assignedAt: z.string().meta({ description: 'When the operator assigned it (ISO 8601)' }),
    /** `sms_sender`: the origination identity it sends through; `sms_origination`: the sender id it answers on. */
    originationIdentity: z.string().optional(),
    senderId: z.string().optional(),
  })
  .meta({ id: 'IdentityClaim' });
export type IdentityClaim = z.infer<typeof identityClaimSchema>;

/** What a tenant was assigned, as the operator and the tenant admin list it. */
export const assignedIdentitiesSchema = z
  .object({
    tenantId: z.string(),
    emailIdentities: z.array(z.string()).meta({ description: 'R10: domains or addresses it may send From' }),
    smsSenders: z
      .array(z.object({ senderId: z.string(), originationIdentity: z.string() }))
      .meta({ description: 'R10: sender ids and the origination identity each sends through' }),
  })
  .meta({ id: 'AssignedIdentities' });
export type AssignedIdentities = z.infer<typeof assignedIdentitiesSchema>;
