import { describe, expect, it } from 'vitest';
import { generateApiKey, keyRefusal, roleRefusal, usageDay } from '../../shared/domain/api-key';

/**
 * A stored API key or SES credential stops working from its `revokedAt` (a future instant while a
 * rotation's grace runs) or its `expiresAt` on: the instant itself is already refused.
 */
const now = new Date('2026-12-01T12:00:00.000Z');
const at = (ms: number) => new Date(now.getTime() + ms).toISOString();

describe('keyRefusal', () => {
  it.each([
    ['neither revoked nor expiring', {}, undefined],
    ['revoked a moment ago', { revokedAt: at(-1) }, 'revoked'],
    ['revoked at this very instant', { revokedAt: at(0) }, 'revoked'],
    ['to be revoked when the rotation grace ends', { revokedAt: at(1) }, undefined],
    ['expired a moment ago', { expiresAt: at(-1) }, 'expired'],
    ['expiring at this very instant', { expiresAt: at(0) }, 'expired'],
    ['expiring later', { expiresAt: at(1) }, undefined],
    ['both revoked and expired: revoked is named', { revokedAt: at(-1), expiresAt: at(-1) }, 'revoked'],
    ['revoked later but already expired', { revokedAt: at(1), expiresAt: at(-1) }, 'expired'],
    [
      'revoked with another offset, compared as an instant',
      { revokedAt: '2026-12-01T12:59:59+01:00' },
      'revoked',
    ],
  ])('%s', (_title, record, refusal) => {
    expect(keyRefusal(record, now)).toBe(refusal);
  });
});

describe('usageDay', () => {
  it('is the UTC day of the instant, as lastUsedDay stores it', () => {
    expect(usageDay(new Date('2026-12-01T23:59:59.999Z'))).toBe('2026-12-01');
    expect(usageDay(new Date('2026-12-02T00:30:00+01:00'))).toBe('2026-12-01');
  });
});

describe('generateApiKey', () => {
  it.each([
    ['admin', /^cg_admin_[A-Za-z0-9_-]{43}$/],
    ['sender', /^cg_send_[A-Za-z0-9_-]{43}$/],
    ['operator', /^cg_operator_[A-Za-z0-9_-]{43}$/],
  ] as const)('a %s key says its role in its prefix, then 256 random bits', (role, shape) => {
    expect(generateApiKey(role)).toMatch(shape);
    expect(generateApiKey(role)).not.toBe(generateApiKey(role));
  });
});

/** Who may do what (README "Roles"): one row per role and use; `read` is a GET. */
describe('roleRefusal', () => {
  it.each([
    ['admin', 'admin', false, undefined],
    ['admin', 'sender', false, undefined],
    ['admin', 'operator', true, 'This endpoint needs the operator key'],
    ['sender', 'sender', false, undefined],
    ['sender', 'admin', true, 'This endpoint needs an admin key'],
    ['operator', 'operator', false, undefined],
    ['operator', 'admin', true, "The operator key acts for no tenant: use the tenant's admin or sender key"],
    [
      'operator',
      'sender',
      false,
      "The operator key acts for no tenant: use the tenant's admin or sender key",
    ],
    ['compliance', 'admin', true, undefined],
    ['compliance', 'admin', false, 'A compliance key may only read: this endpoint needs an admin key'],
    ['compliance', 'sender', false, 'A compliance key may only read: it cannot send'],
    ['compliance', 'sender', true, 'A compliance key may only read: it cannot send'],
    ['compliance', 'operator', true, 'This endpoint needs the operator key'],
  ] as const)('a %s key on a %s endpoint (read: %s)', (role, use, read, refusal) => {
    expect(roleRefusal(role, use, read)).toBe(refusal);
  });

  it('gives compliance keys their own prefix', () => {
    expect(generateApiKey('compliance')).toMatch(/^cg_compliance_[A-Za-z0-9_-]{43}$/);
  });
});
