import { createTenant as create } from '../shared/services/operator';

/**
 * Creates a tenant, claims its identities (R10: each refused when another tenant holds it)
 * and issues its first admin key (the admin API needs a key to start with); for a tenant that
 * exists already, assigns the identities given and issues one more admin key. Run by
 * `consent-gate create-tenant`.
 */
export async function createTenant(
  deps: Parameters<typeof create>[0],
  tenant: { id: string; name: string; identities: readonly string[] },
): Promise<{
  created: boolean;
  tenant: string;
  emailIdentities: string[];
  adminKeyId: string;
  adminKey: string;
}> {
  const { created, adminKeyId, adminKey, emailIdentities } = await create(deps, tenant, { ifExists: 'add' });
  return { created, tenant: tenant.id, emailIdentities, adminKeyId, adminKey };
}
