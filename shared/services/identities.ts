import { own } from '../domain/own';
import { senderDeclarationProblem, smsSenderKind } from '../domain/sms-sender';
import { NotFoundError } from '../ports/store-errors';
import { IdentityTakenError, type TenantStore } from '../ports/tenant-store';
import type { Actor } from '../schemas/audit';
import type { AssignedIdentities, IdentityClaim } from '../schemas/identity';
import type { SmsSender, Tenant } from '../schemas/tenant';
import { InvalidInputError } from '../schemas/validation';
import type { Caller, Dependencies } from './dependencies';
import { IdentityNotAssignedError } from './errors';
import { recordTenantChange } from './tenant-audit';

/**
 * Sending identities (docs/rules.md, Vocabulary "Tenant"; R10): the operator assigns each
 * email identity and each SMS sender (its sender id and the origination identity it sends
 * through) to exactly one tenant, by a claim item written only if absent; a tenant admin
 * may only use, list and release what it was assigned.
 *
 * Order of writes, so that a crash between two never lets two tenants send as one identity:
 * assigning claims first, then adds to the tenant's item; releasing removes from the item
 * first, then frees the claim. And the decision reads the item's identities through their
 * claims (TenantStore.getTenant), so an identity without its claim is never used.
 */
type Deps = Pick<Dependencies, 'tenants' | 'clock'>;

/** The deployment's SES identities (EMAIL_IDENTITIES): an email identity must be covered by one. */
export type DeploymentIdentities = readonly string[] | undefined;

async function storedTenant(store: TenantStore, tenantId: string): Promise<Tenant> {
  const tenant = await store.getStoredTenant(tenantId);
  if (tenant === undefined) throw new NotFoundError(`Tenant ${tenantId} not found`);
  return tenant;
}

/**
 * Whether the deployment can send as the identity at all: it is one of the deployment's SES
 * identities, or an address of one of its domains (the IAM grant names those identities).
 */
export function coveredByDeployment(identity: string, deployment: readonly string[]): boolean {
  const listed = deployment.map((i) => i.toLowerCase());
  if (listed.includes(identity)) return true;
  const at = identity.lastIndexOf('@');
  return at > 0 && listed.includes(identity.slice(at + 1));
}

// The operator's side.

export async function assignEmailIdentity(
  deps: Deps,
  tenantId: string,
  identity: string,
  deployment?: DeploymentIdentities,
): Promise<{ tenantId: string; identity: string; channel: 'email'; claimed: boolean }> {
  if (deployment !== undefined && !coveredByDeployment(identity, deployment)) {
    throw new InvalidInputError([
      {
        field: 'path.identity',
        problem: `"${identity}" is not one of the deployment's SES identities (${deployment.join(', ')}) nor an address of one: add it to the construct's emailIdentities and deploy first`,
      },
    ]);
  }
  await storedTenant(deps.tenants, tenantId);
  const result = await deps.tenants.claimIdentity({
    kind: 'email',
    identity,
    tenantId,
    assignedAt: deps.clock.now().toISOString(),
  });
  await deps.tenants.putEmailIdentity(tenantId, identity);
  return { tenantId, identity, channel: 'email', claimed: result === 'claimed' };
}

export async function unassignEmailIdentity(deps: Deps, tenantId: string, identity: string): Promise<void> {
  const claim = await deps.tenants.getIdentityClaim('email', identity);
  if (claim?.tenantId !== tenantId) {
    throw new NotFoundError(`"${identity}" is not assigned to tenant ${tenantId}`);
  }
  await deps.tenants.deleteEmailIdentity(tenantId, identity);
  await deps.tenants.releaseIdentity('email', identity, tenantId);
}

/**
 * R10: an SMS sender, its sender id and its origination identity, claimed in this order (the
 * origination identity first: two operators assigning the same pair race on it, and the loser
 * has claimed nothing). A sender id taken by another tenant gives the origination identity back.
 */
export async function assignSmsSender(
  deps: Deps,
  tenantId: string,
  senderId: string,
  input: { originationIdentity: string; type?: SmsSender['type'] },
): Promise<SmsSender & { tenantId: string }> {
  const tenant = await storedTenant(deps.tenants, tenantId);
  const region = tenant.settings.sms.defaultRegion;
  // R10: the declared type may not claim more than the id is (a phone number is a long code).
  const type = input.type ?? smsSenderKind(senderId, region) ?? 'long_code';
  const problem = senderDeclarationProblem(senderId, type, region);
  if (problem !== undefined) throw new InvalidInputError([{ field: 'type', problem }]);
  const assignedAt = deps.clock.now().toISOString();
  const { originationIdentity } = input;
  const origination = await deps.tenants.claimIdentity({
    kind: 'sms_origination',
    identity: originationIdentity,
    tenantId,
    assignedAt,
    senderId,
  });
  try {
    const existing = await deps.tenants.getIdentityClaim('sms_sender', senderId);
    if (
      existing?.tenantId === tenantId &&
      existing.originationIdentity !== undefined &&
      existing.originationIdentity !== originationIdentity
    ) {
      throw new InvalidInputError([
        {
          field: 'originationIdentity',
          problem: `sender "${senderId}" is assigned with the origination identity "${existing.originationIdentity}": release it first`,
        },
      ]);
    }
    await deps.tenants.claimIdentity({
      kind: 'sms_sender',
      identity: senderId,
      tenantId,
      assignedAt,
      originationIdentity,
    });
  } catch (error) {
    if (origination === 'claimed') {
      await deps.tenants.releaseIdentity('sms_origination', originationIdentity, tenantId);
    }
    throw error;
  }
  const sender: SmsSender = { id: senderId, type, originationIdentity };
  await deps.tenants.putSmsSender(tenantId, sender);
  return { tenantId, ...sender };
}

export async function unassignSmsSender(deps: Deps, tenantId: string, senderId: string): Promise<void> {
  const claim = await deps.tenants.getIdentityClaim('sms_sender', senderId);
  if (claim?.tenantId !== tenantId) {
    throw new NotFoundError(`SMS sender "${senderId}" is not assigned to tenant ${tenantId}`);
  }
  const tenant = await storedTenant(deps.tenants, tenantId);
  const origination = claim.originationIdentity ?? own(tenant.smsSenders, senderId)?.originationIdentity;
  await deps.tenants.deleteSmsSender(tenantId, senderId);
  // The sender id first: inbound replies to it stop reaching this tenant only once nothing is sent from it.
  await deps.tenants.releaseIdentity('sms_sender', senderId, tenantId);
  if (origination !== undefined) await deps.tenants.releaseIdentity('sms_origination', origination, tenantId);
}

/** What the tenant holds, from its claims. */
export async function listAssignedIdentities(
  deps: Pick<Dependencies, 'tenants'>,
  tenantId: string,
): Promise<AssignedIdentities> {
  const claims = await deps.tenants.listIdentityClaims(tenantId);
  const of = (kind: IdentityClaim['kind']) => claims.filter((c) => c.kind === kind);
  return {
    tenantId,
    emailIdentities: of('email')
      .map((c) => c.identity)
      .sort(),
    smsSenders: of('sms_sender')
      .map((c) => ({ senderId: c.identity, originationIdentity: c.originationIdentity ?? '' }))
      .sort((a, b) => a.senderId.localeCompare(b.senderId)),
  };
}

// The tenant admin's side: use, list, release; each change in the tenant's audit trail.

type AdminDeps = Pick<Dependencies, 'tenants' | 'clock' | 'tenantAudit'>;

/** PUT /v1/identities/{identity}: makes an identity the operator assigned to this tenant usable again. */
export async function useEmailIdentity(deps: AdminDeps, caller: Caller, identity: string, actor: Actor) {
  const claim = await deps.tenants.getIdentityClaim('email', identity);
  if (claim?.tenantId !== caller.tenantId) throw new IdentityNotAssignedError(identity);
  await deps.tenants.putEmailIdentity(caller.tenantId, identity);
  await recordTenantChange(deps, caller.tenantId, {
    type: 'email_identity.used',
    actor,
    why: 'R10: PUT /v1/identities/{identity}',
    data: { identity },
  });
  return { identity, channel: 'email' as const };
}

/**
 * DELETE /v1/identities/{identity}: the tenant stops sending from it and frees it for the
 * operator. `released` in the trail says whether the tenant held its claim.
 */
export async function releaseEmailIdentity(
  deps: AdminDeps,
  caller: Caller,
  identity: string,
  actor: Actor,
): Promise<void> {
  await deps.tenants.deleteEmailIdentity(caller.tenantId, identity);
  const released = await deps.tenants.releaseIdentity('email', identity, caller.tenantId);
  await recordTenantChange(deps, caller.tenantId, {
    type: 'email_identity.released',
    actor,
    why: 'R10: DELETE /v1/identities/{identity}',
    data: { identity, released },
  });
}

/**
 * PUT /v1/sms-senders/{senderId}: declares the type of a sender the operator assigned to this
 * tenant, with the origination identity it was assigned with; anything else is refused.
 */
export async function declareSmsSender(
  deps: AdminDeps,
  caller: Caller,
  senderId: string,
  input: { type: SmsSender['type']; originationIdentity: string },
  actor: Actor,
): Promise<SmsSender> {
  const [sender, origination] = await Promise.all([
    deps.tenants.getIdentityClaim('sms_sender', senderId),
    deps.tenants.getIdentityClaim('sms_origination', input.originationIdentity),
  ]);
  if (sender?.tenantId !== caller.tenantId) throw new IdentityNotAssignedError(senderId);
  if (
    origination?.tenantId !== caller.tenantId ||
    (sender.originationIdentity !== undefined && sender.originationIdentity !== input.originationIdentity)
  ) {
    throw new IdentityNotAssignedError(input.originationIdentity);
  }
  const tenant = await storedTenant(deps.tenants, caller.tenantId);
  const problem = senderDeclarationProblem(senderId, input.type, tenant.settings.sms.defaultRegion);
  if (problem !== undefined) throw new InvalidInputError([{ field: 'type', problem }]);
  const declared = { id: senderId, ...input };
  await deps.tenants.putSmsSender(caller.tenantId, declared);
  await recordTenantChange(deps, caller.tenantId, {
    type: 'sms_sender.declared',
    actor,
    why: 'R10: PUT /v1/sms-senders/{senderId}',
    data: { senderId, type: declared.type, originationIdentity: declared.originationIdentity },
  });
  return declared;
}

/**
 * DELETE /v1/sms-senders/{senderId}: releases a sender (its id and origination identity).
 * `released` in the trail says whether the tenant held its claim.
 */
export async function releaseSmsSender(
  deps: AdminDeps,
  caller: Caller,
  senderId: string,
  actor: Actor,
): Promise<void> {
  const claim = await deps.tenants.getIdentityClaim('sms_sender', senderId);
  const released = claim?.tenantId === caller.tenantId;
  if (released) await unassignSmsSender(deps, caller.tenantId, senderId);
  else await deps.tenants.deleteSmsSender(caller.tenantId, senderId);
  await recordTenantChange(deps, caller.tenantId, {
    type: 'sms_sender.released',
    actor,
    why: 'R10: DELETE /v1/sms-senders/{senderId}',
    data: { senderId, released },
  });
}

/**
 * Tenants created before identities were claimed hold them in their item only: claims are
 * created for each, refusing (and reporting) any another tenant already holds. Idempotent.
 */
export async function migrateIdentityClaims(
  deps: Deps,
  options: { tenantId?: string; dryRun?: boolean } = {},
): Promise<{
  tenants: number;
  claimed: number;
  alreadyClaimed: number;
  conflicts: { tenantId: string; kind: IdentityClaim['kind']; identity: string; holder: string }[];
}> {
  const ids = options.tenantId !== undefined ? [options.tenantId] : await deps.tenants.listTenantIds();
  const out = { tenants: 0, claimed: 0, alreadyClaimed: 0, conflicts: [] as never[] } as Awaited<
    ReturnType<typeof migrateIdentityClaims>
  >;
  const assignedAt = deps.clock.now().toISOString();
  for (const tenantId of ids) {
    const tenant = await deps.tenants.getStoredTenant(tenantId);
    if (tenant === undefined) continue;
    out.tenants++;
    const wanted: IdentityClaim[] = [
      ...tenant.emailIdentities.map((identity) => ({
        kind: 'email' as const,
        identity,
        tenantId,
        assignedAt,
      })),
      ...Object.values(tenant.smsSenders).flatMap((s) => [
        {
          kind: 'sms_origination' as const,
          identity: s.originationIdentity,
          tenantId,
          assignedAt,
          senderId: s.id,
        },
        {
          kind: 'sms_sender' as const,
          identity: s.id,
          tenantId,
          assignedAt,
          originationIdentity: s.originationIdentity,
        },
      ]),
    ];
    for (const claim of wanted) {
      const existing = await deps.tenants.getIdentityClaim(claim.kind, claim.identity);
      if (existing !== undefined && existing.tenantId !== tenantId) {
        out.conflicts.push({
          tenantId,
          kind: claim.kind,
          identity: claim.identity,
          holder: existing.tenantId,
        });
        continue;
      }
      // A sender id item of before claims (tenantId only) is rewritten with its origination identity.
      const complete =
        existing !== undefined && (claim.kind !== 'sms_sender' || existing.originationIdentity !== undefined);
      if (complete) {
        out.alreadyClaimed++;
        continue;
      }
      if (options.dryRun === true) {
        out.claimed++;
        continue;
      }
      if (existing !== undefined) await deps.tenants.releaseIdentity(claim.kind, claim.identity, tenantId);
      try {
        await deps.tenants.claimIdentity(claim);
        out.claimed++;
      } catch (error) {
        if (!(error instanceof IdentityTakenError)) throw error;
        out.conflicts.push({ tenantId, kind: claim.kind, identity: claim.identity, holder: error.holder });
      }
    }
  }
  return out;
}
