import { describe, expect, it } from 'vitest';
import type { TenantStore } from '../../shared/ports/tenant-store';
import { InvalidInputError } from '../../shared/schemas/validation';
import { assignEmailIdentity, coveredByDeployment } from '../../shared/services/identities';

describe("R10: a tenant's email identity must be one the deployment may send from", () => {
  it.each([
    ['shop.example', ['shop.example'], true],
    ['news@shop.example', ['shop.example'], true],
    ['news@shop.example', ['news@shop.example'], true],
    ['other@shop.example', ['news@shop.example'], false],
    ['mail.shop.example', ['shop.example'], false],
    ['brand-b.example', ['shop.example', 'Brand-B.example'], true],
    ['evilshop.example', ['shop.example'], false],
  ] as const)('%s with the deployment identities %j: %s', (identity, deployment, covered) => {
    expect(coveredByDeployment(identity, deployment)).toBe(covered);
  });

  it('an identity outside them is a 400 naming path.identity, before anything is claimed', async () => {
    const untouched = new Proxy({} as TenantStore, {
      get: (_t, name) => () => {
        throw new Error(`store.${String(name)} called`);
      },
    });
    const clock = { now: () => new Date('2026-06-01T00:00:00Z') };
    const refusal = assignEmailIdentity({ tenants: untouched, clock }, 'acme', 'acme.example', [
      'shop.example',
    ]);
    await expect(refusal).rejects.toBeInstanceOf(InvalidInputError);
    await expect(refusal).rejects.toMatchObject({
      issues: [{ field: 'path.identity', problem: expect.stringContaining('emailIdentities') }],
    });
  });
});
