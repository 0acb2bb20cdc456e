import { describe, expect, it } from 'vitest';
import { withTenantCache } from '../../shared/adapters/tenant-cache';
import type { ApiKeyRecord } from '../../shared/ports/credential-store';
import type { Stores } from '../../shared/ports/stores';
import type { RecipientState } from '../../shared/schemas/recipient';
import type { Tenant } from '../../shared/schemas/tenant';

/** Stores that count their reads; only the methods the cache touches are implemented. */
function countingStore() {
  const reads: string[] = [];
  let tenant: Tenant | undefined = { id: 'demo', name: 'v1' } as unknown as Tenant;
  const key = { tenantId: 'demo', role: 'sender' } as unknown as ApiKeyRecord;
  const tenants = {
    getTenant: async (id: string) => {
      reads.push(`tenant:${id}`);
      return tenant;
    },
    putPurpose: async () => {
      tenant = { id: 'demo', name: 'v2' } as unknown as Tenant;
    },
  };
  const credentials = {
    getApiKey: async (hash: string) => {
      reads.push(`key:${hash}`);
      return hash === 'known' ? key : undefined;
    },
  };
  const store = {
    getRecipientState: async (_t: string, recipientKey: string) => {
      reads.push(`recipient:${recipientKey}`);
      return { recipientKey, consents: {}, objections: [], suppressions: [] } satisfies RecipientState;
    },
    putMessage: async () => undefined,
  };
  const complaints = {
    setComplaintHold: async () => {
      tenant = { id: 'demo', name: 'held' } as unknown as Tenant;
      return 'set';
    },
    countDeliveries: async () => 1,
  };
  return {
    store: { store, tenants, credentials, complaints } as unknown as Stores,
    reads,
    setTenant: (t: Tenant | undefined) => (tenant = t),
  };
}

describe('tenant and API key cache (one store read per send)', () => {
  it('reads a tenant and an API key once within 5 s, again after', async () => {
    let now = 0;
    const { store, reads } = countingStore();
    const cached = withTenantCache(store, () => now);
    for (let i = 0; i < 3; i++) {
      await cached.tenants.getTenant('demo');
      await cached.credentials.getApiKey('known');
    }
    expect(reads).toEqual(['tenant:demo', 'key:known']);
    now = 5_001;
    await cached.tenants.getTenant('demo');
    await cached.credentials.getApiKey('known');
    expect(reads).toEqual(['tenant:demo', 'key:known', 'tenant:demo', 'key:known']);
  });

  it('never caches a recipient, nor a miss (a new key works at once)', async () => {
    const { store, reads } = countingStore();
    const cached = withTenantCache(store, () => 0);
    await cached.store.getRecipientState('demo', 'r1');
    await cached.store.getRecipientState('demo', 'r1');
    expect(await cached.credentials.getApiKey('unknown')).toBeUndefined();
    expect(await cached.credentials.getApiKey('unknown')).toBeUndefined();
    expect(reads).toEqual(['recipient:r1', 'recipient:r1', 'key:unknown', 'key:unknown']);
  });

  it('empties itself after a change to a tenant made through it, not after a send', async () => {
    const { store, reads } = countingStore();
    const cached = withTenantCache(store, () => 0);
    expect((await cached.tenants.getTenant('demo'))?.name).toBe('v1');
    await cached.store.putMessage('demo', 'r1', {} as never);
    expect((await cached.tenants.getTenant('demo'))?.name).toBe('v1');
    expect(reads).toEqual(['tenant:demo']);
    await cached.tenants.putPurpose('demo', {} as never);
    expect((await cached.tenants.getTenant('demo'))?.name).toBe('v2');
    expect(reads).toEqual(['tenant:demo', 'tenant:demo']);
  });

  it('empties itself after a hold set through the complaints port (it lives on the tenant), not after a count', async () => {
    const { store, reads } = countingStore();
    const cached = withTenantCache(store, () => 0);
    expect((await cached.tenants.getTenant('demo'))?.name).toBe('v1');
    await cached.complaints.countDeliveries('demo', '2026-06-01', 1, 0);
    expect((await cached.tenants.getTenant('demo'))?.name).toBe('v1');
    await cached.complaints.setComplaintHold('demo', {} as never);
    expect((await cached.tenants.getTenant('demo'))?.name).toBe('held');
    expect(reads).toEqual(['tenant:demo', 'tenant:demo']);
  });
});
