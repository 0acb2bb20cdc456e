import { describe, expect, it } from 'vitest';
import { classifyLegacyRow, type LegacyRow } from '../../shared/domain/legacy-import';
import { daysAgo, NOW, tenant } from '../support/builders';

/** A legacy opt-in carrying every piece of R3's proof, as in legacy-import.test.ts. */
const proven: LegacyRow = {
  address: 'alice@example.com',
  channel: 'email',
  purpose: 'newsletter',
  optin_at: daysAgo(200),
  method: 'web_form',
  source: 'https://shop.example/signup',
  wording_version: 'newsletter-v1',
  controllers: 'Acme SAS',
  ip: '203.0.113.7',
  pre_ticked: 'no',
  opted_out: '',
  hard_bounce: '0',
};

// R3/R16: the date a consent was given is part of its proof. A day that does not exist in
// the calendar is a data-entry error; JavaScript's Date would roll it into the next month
// (31 February → 3 March) and the import would record a proof dated on a day nobody wrote.
describe('R16 legacy dates: a day that is not in the calendar is unreadable', () => {
  it.each([
    ['2026-02-31'],
    ['2026-02-30T10:00:00Z'],
    ['2025-02-29'],
    ['2026-04-31T10:00+02:00'],
    ['2025-06-31T08:00:00.000+0200'],
    ['2025-13-01'],
    ['2026-00-10'],
    ['2026-01-00'],
    ['2026-01-01T24:00:00Z'],
    ['2026-01-01T10:60:00Z'],
  ])('R16 rejects optin_at %s as invalid', (optin_at) => {
    const result = classifyLegacyRow(tenant(), { ...proven, optin_at }, NOW);
    expect(result.outcome).toBe('invalid');
    expect('reason' in result ? result.reason : '').toMatch(/optin_at/);
  });

  it.each([
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2025-12-31T23:30:00-01:00', '2026-01-01T00:30:00.000Z'],
    ['2026-04-30T10:00+0200', '2026-04-30T08:00:00.000Z'],
    ['2026-01-31T23:59:59Z', '2026-01-31T23:59:59.000Z'],
    ['2025-12-31', '2025-12-31T00:00:00.000Z'],
    ['2025-06-30T23:00:00Z', '2025-06-30T23:00:00.000Z'],
  ])('R16/R3 reads optin_at %s as the instant %s', (optin_at, instant) => {
    const result = classifyLegacyRow(tenant(), { ...proven, optin_at }, NOW);
    expect(result.outcome).toBe('migrated_consent');
    expect(JSON.stringify(result)).toContain(instant);
  });
});
