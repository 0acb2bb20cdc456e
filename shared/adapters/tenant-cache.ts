import type { ApiKeyRecord, GatewayStore } from '../ports/gateway-store';
import type { Tenant } from '../schemas/tenant';

/** How long a function instance trusts a tenant or API key it has read. */
export const TENANT_CACHE_MS = 5_000;

/** Store methods that change a tenant's configuration: the instance's cache is emptied after each. */
const TENANT_WRITES = new Set<keyof GatewayStore>([
  'createTenant',
  'putPurpose',
  'putEmailIdentity',
  'deleteEmailIdentity',
  'putWording',
  'putSmsSender',
  'putSmsSettings',
  'putComplaintRateSettings',
  'setComplaintHold',
  'liftComplaintHold',
  'putApiKey',
]);

/**
 * Issue 7's "one read per message": a send read the API key, the tenant and the recipient.
 * The first two are configuration, and change rarely; within one function instance they are
 * kept for TENANT_CACHE_MS, so that a send reads only the recipient's partition. What the
 * law ties to the send (consents, objections, suppressions: R1–R13) lives in that partition
 * and is never cached: an unsubscribe still stops the very next send.
 *
 * What may be up to 5 s late in another function instance: a purpose, an identity withdrawn
 * (R10), SMS settings, a complaint-rate hold set or lifted, a tenant's retention settings.
 * Changes made through this instance empty its cache at once. Misses are not cached: a
 * new API key works on its first use.
 */
export function withTenantCache(
  store: GatewayStore,
  now: () => number = Date.now,
  ttlMs: number = TENANT_CACHE_MS,
): GatewayStore {
  const tenants = new Map<string, { until: number; tenant: Tenant }>();
  const keys = new Map<string, { until: number; key: ApiKeyRecord }>();
  const getTenant = async (tenantId: string): Promise<Tenant | undefined> => {
    const hit = tenants.get(tenantId);
    if (hit !== undefined && hit.until > now()) return hit.tenant;
    const tenant = await store.getTenant(tenantId);
    if (tenant !== undefined) tenants.set(tenantId, { until: now() + ttlMs, tenant });
    return tenant;
  };
  const getApiKey = async (hash: string): Promise<ApiKeyRecord | undefined> => {
    const hit = keys.get(hash);
    if (hit !== undefined && hit.until > now()) return hit.key;
    const key = await store.getApiKey(hash);
    if (key !== undefined) keys.set(hash, { until: now() + ttlMs, key });
    return key;
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'getTenant') return getTenant;
      if (property === 'getApiKey') return getApiKey;
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (!TENANT_WRITES.has(property as keyof GatewayStore)) return value.bind(target);
      return async (...args: unknown[]) => {
        try {
          return await value.apply(target, args);
        } finally {
          tenants.clear();
          keys.clear();
        }
      };
    },
  });
}
