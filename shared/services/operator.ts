import { OPERATOR_TENANT_ID } from '../ports/credential-store';
import { IdentityTakenError } from '../ports/tenant-store';
import type { SmsSender } from '../schemas/tenant';
import type { Dependencies } from './dependencies';
import { TenantExistsError } from './errors';
import { assignEmailIdentity, assignSmsSender, type DeploymentIdentities } from './identities';
import { createApiKey, newTenant } from './state';

/**
 * The operator of the deployment, above tenants (docs/rules.md, Vocabulary "Tenant"): it
 * creates tenants and assigns their sending identities; it acts for no tenant itself (an
 * operator key is refused on tenant routes, a tenant key on operator routes).
 */
type Deps = Pick<Dependencies, 'tenants' | 'credentials' | 'clock'>;

export interface NewTenantInput {
  readonly id: string;
  readonly name: string;
  readonly identities?: readonly string[];
  readonly smsSenders?: readonly {
    readonly senderId: string;
    readonly originationIdentity: string;
    readonly type?: SmsSender['type'];
  }[];
}

/**
 * Creates the tenant, claims its identities (each refused when another tenant holds it) and
 * issues its first admin key. `ifExists: 'add'` (the CLI's re-run) assigns the identities and
 * issues one more admin key to a tenant that exists; otherwise it is a TenantExistsError.
 */
export async function createTenant(
  deps: Deps,
  input: NewTenantInput,
  options: { ifExists?: 'refuse' | 'add'; deployment?: DeploymentIdentities } = {},
) {
  // An identity another tenant holds is refused before the tenant is created, so that a
  // refused request leaves nothing behind (a race past this check is still refused by the claim).
  for (const identity of input.identities ?? []) {
    const claim = await deps.tenants.getIdentityClaim('email', identity);
    if (claim !== undefined && claim.tenantId !== input.id) {
      throw new IdentityTakenError('email', identity, claim.tenantId);
    }
  }
  const created = await deps.tenants.createTenant(newTenant(input.id, input.name));
  if (!created && options.ifExists !== 'add')
    throw new TenantExistsError(`Tenant ${input.id} exists already`);
  const identities = [];
  for (const identity of input.identities ?? []) {
    identities.push((await assignEmailIdentity(deps, input.id, identity, options.deployment)).identity);
  }
  const smsSenders = [];
  for (const s of input.smsSenders ?? []) {
    smsSenders.push(await assignSmsSender(deps, input.id, s.senderId, s));
  }
  const { key, keyId } = await createApiKey(deps, input.id, {
    role: 'admin',
    label: created ? 'first admin key' : 'one more admin key',
  });
  return {
    created,
    tenant: input.id,
    emailIdentities: identities,
    smsSenders: smsSenders.map(({ tenantId: _t, ...s }) => s),
    adminKeyId: keyId,
    adminKey: key,
  };
}

/** An operator key, shown once; the store keeps its hash, under no tenant. */
export async function issueOperatorKey(deps: Deps, label = 'operator key') {
  const { key, keyId } = await createApiKey(deps, OPERATOR_TENANT_ID, { role: 'operator', label });
  return { keyId, role: 'operator' as const, key, label };
}
