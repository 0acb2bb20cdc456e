import type { Clock } from '../shared/ports/clock';
import type { GatewayStore } from '../shared/ports/gateway-store';
import { createApiKey, newTenant } from '../shared/services/state';

/**
 * Creates a tenant and its first admin key (the admin API needs a key to start with);
 * for a tenant that exists already, one more admin key. Run by `consent-gate create-tenant`.
 */
export async function createTenant(
  deps: { store: GatewayStore; clock: Clock },
  tenant: { id: string; name: string; identities: readonly string[] },
): Promise<{ created: boolean; tenant: string; adminKeyId: string; adminKey: string }> {
  const created = await deps.store.createTenant(newTenant(tenant.id, tenant.name, [...tenant.identities]));
  const { key, keyId } = await createApiKey(deps, tenant.id, {
    role: 'admin',
    label: 'created by create-tenant',
  });
  return { created, tenant: tenant.id, adminKeyId: keyId, adminKey: key };
}
