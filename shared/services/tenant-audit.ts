import { randomUUID } from 'node:crypto';
import type { Actor, AuditEvent, AuditEventType } from '../schemas/audit';
import type { Dependencies } from './dependencies';

/**
 * A change to the tenant's configuration (a purpose, a wording, a sending identity, the SMS
 * settings) in the tenant's audit trail, with who made it: an admin key through the API, or
 * the same key signed in to the console (`via: console`). Appended after the change: a failure
 * to record fails the request (store failure, 503) with the change made, and the request is
 * retried (each of these changes may be made again harmlessly).
 */
export async function recordTenantChange(
  deps: Pick<Dependencies, 'complaints' | 'clock'>,
  tenantId: string,
  change: { type: AuditEventType; actor: Actor; why: string; data: Record<string, unknown> },
): Promise<void> {
  const event: AuditEvent = { id: randomUUID(), at: deps.clock.now().toISOString(), ...change };
  await deps.complaints.appendTenantAudit(tenantId, event);
}
