import { randomUUID } from 'node:crypto';
import type { Actor, AuditEvent, AuditEventType, TenantAuditQuery } from '../schemas/audit';
import { InvalidInputError } from '../schemas/validation';
import type { Caller, Dependencies } from './dependencies';

/**
 * A change to the tenant's configuration (a purpose, a wording, a sending identity, the SMS
 * settings) in the tenant's audit trail, with who made it: an admin key through the API, or
 * the same key signed in to the console (`via: console`). Appended after the change: a failure
 * to record fails the request (store failure, 503) with the change made, and the request is
 * retried (each of these changes may be made again harmlessly).
 */
export async function recordTenantChange(
  deps: Pick<Dependencies, 'tenantAudit' | 'clock'>,
  tenantId: string,
  change: { type: AuditEventType; actor: Actor; why: string; data: Record<string, unknown> },
): Promise<void> {
  const event: AuditEvent = { id: randomUUID(), at: deps.clock.now().toISOString(), ...change };
  await deps.tenantAudit.appendTenantAudit(tenantId, event);
}

/** A cursor's position in the trail: `A#<ISO time>#<event id>` (the store's sort key), base64url. */
const POSITION = /^A#\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z#[A-Za-z0-9-]{1,64}$/;

/**
 * GET /v1/audit: the caller's tenant's own trail (the complaint hold set and lifted, keys
 * revoked, configuration changes, with who made each), newest first, a page at a time. A
 * recipient's trail is GET /v1/recipients/{key}/audit.
 */
export async function listTenantTrail(
  deps: Pick<Dependencies, 'tenantAudit'>,
  caller: Caller,
  query: TenantAuditQuery,
): Promise<{ events: AuditEvent[]; next?: string }> {
  let after: string | undefined;
  if (query.after !== undefined) {
    after = Buffer.from(query.after, 'base64url').toString('utf8');
    if (!POSITION.test(after))
      throw new InvalidInputError([
        {
          field: 'query.after',
          problem: 'is not a cursor of this trail: give the `next` of the page before',
        },
      ]);
  }
  const page = await deps.tenantAudit.listTenantAudit(caller.tenantId, { limit: query.limit, after });
  return {
    events: page.events,
    ...(page.next === undefined ? {} : { next: Buffer.from(page.next, 'utf8').toString('base64url') }),
  };
}
