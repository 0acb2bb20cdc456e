import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  grants,
  LINK_CAPABILITIES,
  type LinkAction,
  type LinkKind,
  maskAddress,
} from '../../shared/domain/link-capabilities';
import { recipientKey } from '../../shared/domain/recipient-key';
import {
  FRESH_LINK_HOURS,
  freshLinkClaims,
  type PageTokenKind,
  signPageToken,
  signToken,
  verifyPageToken,
  verifyToken,
} from '../../shared/domain/unsubscribe-token';
import type { KeyMaterial } from '../../shared/ports/key-ring';

/**
 * R15 (amended), GDPR 12(6): what each kind of link grants. Every (kind, action) pair is a
 * row: a capability added to the wrong kind, or dropped from the right one, fails here.
 */
const ACTIONS: readonly LinkAction[] = [
  'view_scope',
  'unsubscribe',
  'stop_all',
  'request_fresh_link',
  'view_preferences',
  'save_preferences',
  'export',
  'erase',
  'request_consent',
  'confirm_consent',
];
const EXPECTED: Record<LinkKind, readonly LinkAction[]> = {
  unsubscribe: ['view_scope', 'unsubscribe', 'request_fresh_link'],
  preferences: ['stop_all', 'request_fresh_link'],
  manage: ['view_preferences', 'save_preferences', 'stop_all', 'export', 'erase', 'request_fresh_link'],
  consent: ['request_consent'],
  confirm: ['confirm_consent'],
};
const rows = (Object.keys(EXPECTED) as LinkKind[]).flatMap((kind) =>
  ACTIONS.map((action) => ({ kind, action, granted: EXPECTED[kind].includes(action) })),
);

describe('link capabilities (R15)', () => {
  it.each(rows)('R15: a $kind link grants $action: $granted', ({ kind, action, granted }) => {
    expect(grants(kind, action)).toBe(granted);
  });

  it('R15: only a fresh link shows data, records consents, exports or erases', () => {
    const sensitive: LinkAction[] = ['view_preferences', 'save_preferences', 'export', 'erase'];
    const holders = (Object.keys(LINK_CAPABILITIES) as LinkKind[]).filter((kind) =>
      sensitive.some((a) => grants(kind, a)),
    );
    expect(holders).toEqual(['manage']);
  });

  it.each([
    ['bernadette@example.org', 'b•••@example.org'],
    ['B@Example.org', 'B•••@Example.org'],
    ['élodie@exemple.fr', 'é•••@exemple.fr'],
    ['a"b@c"@example.org', 'a•••@example.org'],
    ['+33612345678', '•••78'],
    // Nothing before the @ is no local part to show a letter of: read as a number, no digit shown.
    ['@example.org', '•••'],
  ])('R15: masks %s as %s', (address, masked) => {
    expect(maskAddress(address)).toBe(masked);
  });
});

describe('token kinds: each verifies only as itself (R10, R15)', () => {
  const k1 = randomBytes(32);
  const keys: KeyMaterial = {
    hashKey: randomBytes(32),
    tokenKeys: new Map([['k1', k1]]),
    activeTokenKeyId: 'k1',
  };
  const now = new Date('2026-06-15T10:00:00Z');
  const target = {
    tenant: 'acme',
    recipientKey: recipientKey(k1, 'acme', 'email', 'alice@example.org'),
    channel: 'email' as const,
  };
  const expiresAt = Math.floor(now.getTime() / 1000) + 86_400;
  const tokens: Record<LinkKind, string> = {
    unsubscribe: signToken({ ...target, purpose: 'newsletter', messageId: 'm-1' }, keys),
    preferences: signPageToken({ kind: 'preferences', ...target, expiresAt }, keys),
    manage: signPageToken(freshLinkClaims(target, 'email', now), keys),
    consent: signPageToken({ kind: 'consent', ...target, expiresAt }, keys),
    confirm: signPageToken({ kind: 'confirm', ...target, expiresAt, pendingId: 'p-1' }, keys),
  };
  const pageKinds: PageTokenKind[] = ['preferences', 'manage', 'consent', 'confirm'];

  it.each(Object.keys(tokens) as LinkKind[])('a %s token opens as its own kind and no other', (kind) => {
    const token = tokens[kind];
    expect(verifyToken(token, keys) !== undefined).toBe(kind === 'unsubscribe');
    for (const other of pageKinds) {
      expect(verifyPageToken(token, keys, now, [other])?.kind, `${kind} as ${other}`).toBe(
        kind === other ? other : undefined,
      );
    }
  });

  it('R15: a fresh link is valid FRESH_LINK_HOURS (24 h) by default and records how and when it was issued', () => {
    const claims = freshLinkClaims(
      { ...target, kind: 'preferences', expiresAt: 9e9 } as typeof target,
      'tenant',
      now,
    );
    expect(FRESH_LINK_HOURS).toBe(24);
    expect(claims).toEqual({
      kind: 'manage',
      ...target,
      issuedAt: now.getTime() / 1000,
      expiresAt: now.getTime() / 1000 + 24 * 3600,
      via: 'tenant',
    });
    const token = signPageToken(claims, keys);
    expect(verifyPageToken(token, keys, now, ['manage'])).toEqual(claims);
    const later = new Date(now.getTime() + 24 * 3_600_000);
    expect(verifyPageToken(token, keys, later, ['manage'])).toBeUndefined();
    expect(freshLinkClaims(target, 'email', now, 2).expiresAt).toBe(now.getTime() / 1000 + 7200);
  });
});
