import type { AuditEvent, AuditEventType } from '../schemas/audit';
import type { OutboundEvent } from './event-publisher';

/** One page of the tenant's audit trail, newest first; `next` continues after its last event. */
export interface TenantAuditPage {
  readonly events: AuditEvent[];
  readonly next?: string;
}

/**
 * The tenant's own audit trail, beside each recipient's: the complaint hold set and lifted, a
 * key revoked, a change to its configuration (purposes, wordings, identities, SMS senders and
 * settings). Append-only, like a recipient's.
 */
export interface TenantAuditStore {
  /** `out`: the event published for it, stored with it and sent from the table's stream. */
  appendTenantAudit(tenantId: string, event: AuditEvent, out?: OutboundEvent): Promise<void>;
  /**
   * At most `limit` events, newest first, after the cursor `after` (a page's `next`, the
   * position of its last event) and, given `types`, of those types only.
   */
  listTenantAudit(
    tenantId: string,
    options: { readonly limit: number; readonly after?: string; readonly types?: readonly AuditEventType[] },
  ): Promise<TenantAuditPage>;
}
