import { recipientKeys } from '../domain/recipient-key';
import { type TimelineEntry, timelineOf } from '../domain/recipient-timeline';
import { NotFoundError } from '../ports/gateway-store';
import type { AuditVerification } from '../schemas/audit-verify';
import type { RecipientState } from '../schemas/recipient';
import type { Tenant } from '../schemas/tenant';
import type { Channel } from '../schemas/vocabulary';
import { verifyRecipientAudit } from './audit-verify';
import { normalizeAddress } from './decisions';
import type { Caller, Dependencies } from './dependencies';

/**
 * A recipient as the console shows it (R15): its state, its timeline and the verification of
 * its audit chains, found by address (hashed with the API's recipient key, never stored,
 * R11) or by the key itself (the page's own forms carry the key, not the address).
 */
export interface RecipientView {
  readonly recipientKey: string;
  readonly channel: Channel;
  readonly tenant: Tenant;
  readonly state: RecipientState;
  readonly timeline: readonly TimelineEntry[];
  readonly audit: AuditVerification;
}

async function viewOf(
  deps: Dependencies,
  tenant: Tenant,
  recipientKey: string,
  channel: Channel,
): Promise<RecipientView | undefined> {
  const [state, events, records] = await Promise.all([
    deps.store.getRecipientState(tenant.id, recipientKey),
    deps.store.listAudit(tenant.id, recipientKey),
    deps.store.listMessages(tenant.id, recipientKey),
  ]);
  const empty =
    state.profile === undefined &&
    Object.keys(state.consents).length === 0 &&
    state.objections.length === 0 &&
    state.suppressions.length === 0 &&
    events.length === 0 &&
    records.length === 0;
  if (empty) return undefined;
  const audit = await verifyRecipientAudit(deps, tenant.id, recipientKey, deps.clock.now());
  return { recipientKey, channel, tenant, state, timeline: timelineOf(events, records), audit };
}

async function tenantOf(deps: Dependencies, caller: Caller): Promise<Tenant> {
  const tenant = await deps.tenants.getTenant(caller.tenantId);
  if (tenant === undefined) throw new NotFoundError(`Tenant ${caller.tenantId} not found`);
  return tenant;
}

const NONE = 'No recipient with this address in this tenant';

export async function recipientByAddress(
  deps: Dependencies,
  caller: Caller,
  input: { readonly channel: Channel; readonly address: string },
): Promise<RecipientView> {
  const [keys, tenant] = await Promise.all([deps.keys.load(), tenantOf(deps, caller)]);
  const address = normalizeAddress(tenant, input.channel, input.address, 'address');
  const { key, legacyKey } = recipientKeys(keys.hashKey, caller.tenantId, input.channel, address);
  for (const recipientKey of legacyKey === undefined ? [key] : [key, legacyKey]) {
    const view = await viewOf(deps, tenant, recipientKey, input.channel);
    if (view !== undefined) return view;
  }
  throw new NotFoundError(NONE);
}

/** By key: always within the caller's tenant, so a key of another tenant finds nothing. */
export async function recipientByKey(
  deps: Dependencies,
  caller: Caller,
  recipientKey: string,
  channel: Channel,
): Promise<RecipientView> {
  const view = await viewOf(deps, await tenantOf(deps, caller), recipientKey, channel);
  if (view === undefined) throw new NotFoundError(NONE);
  return view;
}
