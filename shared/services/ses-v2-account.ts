import type { RateLimit } from '../domain/rate-limit';
import { NotFoundError } from '../ports/store-errors';
import type { Caller, Dependencies } from './dependencies';

/**
 * The SES v2 read calls apps make at start-up (GetAccount, ListEmailIdentities,
 * GetEmailIdentity), answered in SES's shapes from what the gateway knows of the tenant:
 * its own email identities (R10: assigned by the operator, claimed by this tenant only) and
 * its limits. Nothing here reads SES itself: a tenant never sees the deployment's account.
 */

/** SES reports a domain or an address; an identity with "@" is an address. */
const identityType = (identity: string) => (identity.includes('@') ? 'EMAIL_ADDRESS' : 'DOMAIN');

/** SES's page size for ListEmailIdentities is at most 1000; the gateway answers one page. */
export async function getSesAccount(
  deps: Pick<Dependencies, 'tenants'>,
  caller: Caller,
  limits: { perKey?: RateLimit },
) {
  const tenant = await deps.tenants.getTenant(caller.tenantId);
  if (tenant === undefined) throw new NotFoundError(`Tenant ${caller.tenantId} not found`);
  // The complaint-rate hold stops the tenant's marketing sends: SES's own word for that is a paused account.
  const held = tenant.hold !== undefined;
  return {
    DedicatedIpAutoWarmupEnabled: false,
    EnforcementStatus: held ? 'PROBATION' : 'HEALTHY',
    ProductionAccessEnabled: true,
    SendingEnabled: !held,
    SendQuota: {
      // The gateway counts no daily quota per tenant: -1 is SES's "unlimited". The
      // deployment's own SES quota still applies to all tenants together.
      Max24HourSend: -1,
      // The per-credential limit (the construct's perKeyRateLimit), when the deployment sets one.
      ...(limits.perKey === undefined ? {} : { MaxSendRate: limits.perKey.rateLimit }),
    },
  };
}

export async function listSesEmailIdentities(deps: Pick<Dependencies, 'tenants'>, caller: Caller) {
  const tenant = await deps.tenants.getTenant(caller.tenantId);
  if (tenant === undefined) throw new NotFoundError(`Tenant ${caller.tenantId} not found`);
  return {
    EmailIdentities: [...tenant.emailIdentities].sort().map((identity) => ({
      IdentityType: identityType(identity),
      IdentityName: identity,
      SendingEnabled: tenant.hold === undefined,
      VerificationStatus: 'SUCCESS',
    })),
  };
}

export async function getSesEmailIdentity(
  deps: Pick<Dependencies, 'tenants'>,
  caller: Caller,
  identity: string,
) {
  const tenant = await deps.tenants.getTenant(caller.tenantId);
  if (tenant === undefined) throw new NotFoundError(`Tenant ${caller.tenantId} not found`);
  const own = tenant.emailIdentities.find((i) => i.toLowerCase() === identity.toLowerCase());
  // Another tenant's identity is answered exactly as one that does not exist (R10: no probing).
  if (own === undefined) {
    throw new NotFoundError(`Identity ${identity} does not exist for these credentials at consent-gate`);
  }
  return {
    IdentityType: identityType(own),
    FeedbackForwardingStatus: true,
    VerifiedForSendingStatus: true,
    VerificationStatus: 'SUCCESS',
    Policies: {},
    Tags: [],
  };
}
