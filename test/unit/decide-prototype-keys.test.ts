import { describe, expect, it } from 'vitest';
import { decide } from '../../shared/domain/decide';
import type { Tenant } from '../../shared/schemas/tenant';
import { NOW, profile, state, tenant, withConsent } from '../support/builders';

/**
 * Purpose ids are the tenant's own words, checked by a pattern that lets `constructor`,
 * `valueof` or `tostring` through. A decision reads the tenant's purposes and the recipient's
 * consents as plain objects: a name that an object inherits must not be read as declared.
 */
describe('decide() with a purpose id an object inherits', () => {
  it.each(['constructor', 'hasOwnProperty', 'toString', '__proto__'])(
    '"%s" undeclared is unknown_purpose, not a crash',
    (purposeId) => {
      const decision = decide({
        tenant: tenant(),
        channel: 'email',
        purposeId,
        from: 'news@acme.example',
        to: 'jane@example.org',
        recipient: state({ profile: profile() }),
        now: NOW,
      });
      expect(decision.outcome).toBe('rejected');
      if (decision.outcome === 'rejected')
        expect(decision.failures.map((f) => f.reason)).toEqual(['unknown_purpose']);
    },
  );

  it('a declared purpose "constructor" without a consent has no basis (the inherited constructor is no consent)', () => {
    const base = tenant();
    const newsletter = base.purposes.newsletter!;
    const declared: Tenant = {
      ...base,
      purposes: { ...base.purposes, constructor: { ...newsletter, id: 'constructor' } },
    };
    const decision = decide({
      tenant: declared,
      channel: 'email',
      purposeId: 'constructor',
      from: 'news@acme.example',
      to: 'jane@example.org',
      recipient: state({ profile: profile() }),
      now: NOW,
    });
    expect(decision.outcome).toBe('rejected');
    // And with its consent, it is sent on that consent.
    const consented = decide({
      tenant: declared,
      channel: 'email',
      purposeId: 'constructor',
      from: 'news@acme.example',
      to: 'jane@example.org',
      recipient: withConsent('constructor', { wordingVersion: 'newsletter-v1' }),
      now: NOW,
    });
    expect(consented.outcome).toBe('allowed');
  });
});
