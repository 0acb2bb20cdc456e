import { describe, expect, it } from 'vitest';
import { generateApiKey, keyRefusal, usageDay } from '../../shared/domain/api-key';

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
