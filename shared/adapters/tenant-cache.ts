import type { ComplaintStore } from '../ports/complaint-store';
import type { ApiKeyRecord, CredentialStore } from '../ports/credential-store';
import type { Stores } from '../ports/stores';
import type { TenantStore } from '../ports/tenant-store';
import type { Tenant } from '../schemas/tenant';

/** How long a function instance trusts a tenant or API key it has read. */
export const TENANT_CACHE_MS = 5_000;

/** Methods that change a tenant's configuration: the instance's cache is emptied after each. */
const TENANT_WRITES = new Set<keyof TenantStore>([
  'createTenant',
  'putPurpose',
  'putEmailIdentity',
  'deleteEmailIdentity',
  'putWording',
  'putSmsSender',
  'deleteSmsSender',
  // R10: an identity assigned or released changes what the tenant may send from.
  'claimIdentity',
  'releaseIdentity',
  'putSmsSettings',
  'putComplaintRateSettings',
  'putConfirmationSettings',
  'putFeedbackSettings',
]);

/** A complaint-rate hold set or lifted changes what the tenant may send (it lives on the tenant's item). */
const HOLD_WRITES = new Set<keyof ComplaintStore>(['setComplaintHold', 'liftComplaintHold']);

const KEY_WRITES = new Set<keyof CredentialStore>([
  'putApiKey',
  // A key revoked through this instance is refused by it at once.
  'revokeApiKey',
  'revokeSenderCredential',
]);

/**
 * One read per message: a send used to read the API key, the tenant and the recipient.
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
  stores: Stores,
  now: () => number = Date.now,
  ttlMs: number = TENANT_CACHE_MS,
): Stores {
  const tenants = new Map<string, { until: number; value: Tenant }>();
  const keys = new Map<string, { until: number; value: ApiKeyRecord }>();
  /** A read through `entries`: a hit younger than ttlMs, otherwise the store; a miss is not kept. */
  const cached =
    <T>(entries: Map<string, { until: number; value: T }>, load: (id: string) => Promise<T | undefined>) =>
    async (id: string): Promise<T | undefined> => {
      const hit = entries.get(id);
      if (hit !== undefined && hit.until > now()) return hit.value;
      const value = await load(id);
      if (value !== undefined) entries.set(id, { until: now() + ttlMs, value });
      return value;
    };
  const clear = () => {
    tenants.clear();
    keys.clear();
  };
  /** The port with `reads` served from the cache and `writes` emptying it, whatever their outcome. */
  const wrap = <T extends object>(port: T, reads: Partial<T>, writes: ReadonlySet<keyof T>): T =>
    new Proxy(port, {
      get(target, property, receiver) {
        if (Object.hasOwn(reads, property)) return reads[property as keyof T];
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        if (!writes.has(property as keyof T)) return value.bind(target);
        return async (...args: unknown[]) => {
          try {
            return await value.apply(target, args);
          } finally {
            clear();
          }
        };
      },
    });
  return {
    ...stores,
    complaints: wrap(stores.complaints, {}, HOLD_WRITES),
    credentials: wrap(
      stores.credentials,
      { getApiKey: cached(keys, (hash) => stores.credentials.getApiKey(hash)) },
      KEY_WRITES,
    ),
    tenants: wrap(
      stores.tenants,
      { getTenant: cached(tenants, (id) => stores.tenants.getTenant(id)) },
      TENANT_WRITES,
    ),
  };
}
