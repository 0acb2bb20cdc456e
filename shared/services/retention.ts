import { retentionPlan } from '../domain/retention';
import { AUDIT_TYPES_KEPT_AFTER_ERASURE } from '../schemas/audit';
import type { Dependencies } from './dependencies';

/**
 * R9 and R11: after an activity that counts (a consent, a withdrawal, a preference change,
 * a purchase or activity reported in the profile) or a new opposition entry, the TTLs of
 * the recipient's items are set again from the tenant's retention: personal data expires
 * at the end of retention, extended by this activity; opposition entries and their proof
 * expire on their own, longer clock. DynamoDB's TTL then deletes them physically.
 */
export async function applyRetention(
  deps: Pick<Dependencies, 'store'>,
  tenantId: string,
  recipientKey: string,
): Promise<number> {
  const [tenant, state, items] = await Promise.all([
    deps.store.getTenant(tenantId),
    deps.store.getRecipientState(tenantId, recipientKey),
    deps.store.retentionItems(tenantId, recipientKey),
  ]);
  if (tenant === undefined) return 0;
  const plan = retentionPlan(items, state, tenant.settings, AUDIT_TYPES_KEPT_AFTER_ERASURE);
  if (plan.length > 0) await deps.store.setTtls(tenantId, recipientKey, plan);
  return plan.length;
}
