import { describe, expect, it } from 'vitest';
import { scopeRefusal } from '../../shared/domain/key-scope';

describe('scopeRefusal', () => {
  const send = { channel: 'email', purpose: 'newsletter', category: 'marketing' } as const;

  it('bounds nothing without scopes, or with empty scopes', () => {
    expect(scopeRefusal(undefined, send)).toBeUndefined();
    expect(scopeRefusal({}, send)).toBeUndefined();
  });

  it('allows a send inside every list given', () => {
    expect(
      scopeRefusal(
        { purposes: ['newsletter', 'offers'], channels: ['email'], categories: ['marketing'] },
        send,
      ),
    ).toBeUndefined();
  });

  it('refuses a channel outside scopes.channels', () => {
    expect(scopeRefusal({ channels: ['sms'] }, send)).toEqual({
      scope: 'scopes.channels',
      message: 'This key may send on "sms" only (scopes.channels), not on "email"',
    });
  });

  it('refuses a purpose outside scopes.purposes', () => {
    expect(scopeRefusal({ purposes: ['offers', 'receipts'] }, send)).toEqual({
      scope: 'scopes.purposes',
      message:
        'This key may send for purposes "offers", "receipts" only (scopes.purposes), not for "newsletter"',
    });
  });

  it('refuses a transactional send to a key bound to marketing (R6 skips the objection check)', () => {
    const receipt = { channel: 'email', purpose: 'order-updates', category: 'transactional' } as const;
    expect(scopeRefusal({ categories: ['marketing', 'profiling'] }, receipt)).toEqual({
      scope: 'scopes.categories',
      message:
        'This key may send purposes of categories "marketing", "profiling" only (scopes.categories); "order-updates" is transactional',
    });
    // A purpose listed by id is still bounded by the category scope.
    expect(scopeRefusal({ purposes: ['order-updates'], categories: ['marketing'] }, receipt)?.scope).toBe(
      'scopes.categories',
    );
  });

  it('names the channel first, then the purpose, then the category', () => {
    expect(
      scopeRefusal({ channels: ['sms'], purposes: ['offers'], categories: ['profiling'] }, send)?.scope,
    ).toBe('scopes.channels');
    expect(scopeRefusal({ purposes: ['offers'], categories: ['profiling'] }, send)?.scope).toBe(
      'scopes.purposes',
    );
  });

  it('leaves an undeclared purpose (no category) to the decision, which refuses it as unknown_purpose', () => {
    expect(
      scopeRefusal({ categories: ['marketing'] }, { channel: 'email', purpose: 'nope' }),
    ).toBeUndefined();
    expect(scopeRefusal({ purposes: ['newsletter'] }, { channel: 'email', purpose: 'nope' })?.scope).toBe(
      'scopes.purposes',
    );
  });
});
