import { itemTtl, retentionEnd, retentionPlan } from '../domain/retention';
import { AUDIT_TYPES_KEPT_AFTER_ERASURE, type AuditEvent } from '../schemas/audit';
import type { Dependencies } from './dependencies';

/**
 * R9 and R11: after an activity that counts (a consent, a withdrawal, a preference change,
 * a purchase or activity reported in the profile) or a new opposition entry, the TTLs of
 * the recipient's items are set again from the tenant's retention: personal data expires
 * at the end of retention, extended by this activity; opposition entries and their proof
 * expire on their own, longer clock. DynamoDB's TTL then deletes them physically.
 *
 * A recipient's partition holds every message record and
 * audit event, thousands for a busy address, and re-planning them all inside the request
 * made one consent take over a second. So the work is split:
 *
 * - on the request path, bounded whatever the partition's size (`planRetentionHead`): the
 *   state items (`S#`: profile, consents, one objection item per scope, suppressions; as
 *   many as the tenant has purposes), the audit events the request writes (their TTL is
 *   set as they are written), and one put of a re-plan request for the recipient;
 * - off it (`replanDueRetention`, the scheduled ReplanRetention function, every 5 minutes):
 *   every item of the partition, page by page, updated in parallel with bounded
 *   concurrency; the request is removed only once that is done.
 *
 * If the re-plan fails (store unavailable, function timeout), its request stays in the
 * index and the next run takes it again; the TTLs it already set stay set and the plan
 * only lists the items still to change, so even a partition too big for one run converges. Meanwhile the older items keep the TTL they had,
 * which is never later than the new one (an activity only extends retention), so nothing
 * is kept longer than allowed; at worst an old message record expires early. Items that
 * some paths still write without a TTL (the double opt-in's message record, audit events
 * of changes that do not count as activity) get theirs from the next re-plan, as they
 * did before this split.
 */
export async function applyRetention(
  deps: Pick<Dependencies, 'store' | 'tenants'>,
  tenantId: string,
  recipientKey: string,
): Promise<number> {
  const [tenant, state, items] = await Promise.all([
    deps.tenants.getTenant(tenantId),
    deps.store.getRecipientState(tenantId, recipientKey),
    deps.store.retentionItems(tenantId, recipientKey),
  ]);
  if (tenant === undefined) return 0;
  const plan = retentionPlan(items, state, tenant.settings, AUDIT_TYPES_KEPT_AFTER_ERASURE);
  if (plan.length > 0) await deps.store.setTtls(tenantId, recipientKey, plan);
  return plan.length;
}

export interface RetentionHead {
  /** The TTL an audit event written now by this request carries. */
  auditTtl(type: AuditEvent['type'], at: string): number | undefined;
  /** Sets the state items' TTLs and asks for the re-plan of the rest of the partition. */
  apply(): Promise<void>;
}

/** The request path's bounded share of the re-plan (see above); read after the state write. */
export async function planRetentionHead(
  deps: Pick<Dependencies, 'store' | 'tenants' | 'clock'>,
  tenantId: string,
  recipientKey: string,
): Promise<RetentionHead | undefined> {
  const [tenant, state, items] = await Promise.all([
    deps.tenants.getTenant(tenantId),
    deps.store.getRecipientState(tenantId, recipientKey),
    deps.store.retentionItems(tenantId, recipientKey, 'S#'),
  ]);
  if (tenant === undefined) return undefined;
  const end = retentionEnd(state, tenant.settings);
  const plan = retentionPlan(items, state, tenant.settings, AUDIT_TYPES_KEPT_AFTER_ERASURE);
  return {
    auditTtl: (type, at) =>
      itemTtl({ entity: 'audit', auditType: type, at }, end, tenant.settings, AUDIT_TYPES_KEPT_AFTER_ERASURE),
    apply: async () => {
      await Promise.all([
        plan.length > 0 ? deps.store.setTtls(tenantId, recipientKey, plan) : undefined,
        deps.store.requestRetentionReplan(tenantId, recipientKey, deps.clock.now().toISOString()),
      ]);
    },
  };
}

/**
 * The scheduled re-plan: every recipient whose partition waits for one, oldest request
 * first, at most `limit` a run. A failure leaves the request for the next run.
 */
export async function replanDueRetention(
  deps: Pick<Dependencies, 'store' | 'tenants' | 'log'>,
  limit = 100,
  /** Epoch ms after which no new partition is taken (the function's timeout, less a margin). */
  deadline = Number.POSITIVE_INFINITY,
): Promise<{ replanned: number; items: number; failed: number }> {
  const due = await deps.store.listRetentionReplans(limit);
  let replanned = 0;
  let items = 0;
  let failed = 0;
  for (const request of due) {
    if (Date.now() > deadline) break;
    try {
      items += await applyRetention(deps, request.tenantId, request.recipientKey);
      // A request made meanwhile (a newer activity) stays for the next run.
      await deps.store.completeRetentionReplan(request);
      replanned += 1;
    } catch (error) {
      failed += 1;
      deps.log.error('retention re-plan failed; retried at the next run', {
        recipientKey: request.recipientKey,
        error: (error as Error).name,
      });
    }
  }
  if (due.length > 0) deps.log.info('retention re-planned', { replanned, items, failed });
  return { replanned, items, failed };
}
