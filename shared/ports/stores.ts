import type { ComplaintStore } from './complaint-store';
import type { ConsoleSessionStore } from './console-session-store';
import type { CounterStore } from './counter-store';
import type { CredentialStore } from './credential-store';
import type { DueQueue } from './due-queue';
import type { GatewayStore } from './gateway-store';
import type { MailtoAddressStore } from './mailto-address-store';
import type { TemplateStore } from './template-store';
import type { TenantAuditStore } from './tenant-audit-store';
import type { TenantStore } from './tenant-store';

/**
 * The gateway's stores, one port per aggregate (one DynamoDB table underneath: key layout in
 * docs/architecture.md). Services take the ones they use (`Pick<Dependencies, 'tenants' | …>`).
 */
export interface Stores {
  /** A recipient's state (profile, consents, objections, suppressions), messages, audit trail, retention. */
  readonly store: GatewayStore;
  /** Tenants, their configuration and sending identities. */
  readonly tenants: TenantStore;
  /** API keys and sender credentials. */
  readonly credentials: CredentialStore;
  /** Complaint-rate counters and the hold. */
  readonly complaints: ComplaintStore;
  /** The tenant's audit trail: the hold set and lifted, keys revoked, configuration changes. */
  readonly tenantAudit: TenantAuditStore;
  /** The console's counters and inventory, kept from the table's stream (CountEvents). */
  readonly counters: CounterStore;
  /** Deferred and scheduled messages. */
  readonly dueQueue: DueQueue;
  /** SES v2 email templates of each tenant. */
  readonly templates: TemplateStore;
  /** The compliance console's sessions. */
  readonly consoleSessions: ConsoleSessionStore;
  /** R10: the ids of `mailto:` unsubscribe addresses; absent where no inbound domain is configured. */
  readonly mailto?: MailtoAddressStore;
}
