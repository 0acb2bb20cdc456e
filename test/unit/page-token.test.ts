import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { recipientKey } from '../../shared/domain/recipient-key';
import {
  expiryFor,
  type PageTokenClaims,
  signPageToken,
  signToken,
  verifyPageToken,
  verifyToken,
} from '../../shared/domain/unsubscribe-token';
import type { KeyMaterial } from '../../shared/ports/key-ring';

const k1 = randomBytes(32);
const keys: KeyMaterial = {
  hashKey: randomBytes(32),
  tokenKeys: new Map([['k1', k1]]),
  activeTokenKeyId: 'k1',
};
const now = new Date('2026-06-15T10:00:00Z');
const base = {
  tenant: 'acme',
  recipientKey: recipientKey(k1, 'acme', 'email', 'alice@example.org'),
  channel: 'email' as const,
  expiresAt: expiryFor('preferences', now),
};

describe('page tokens (R15 preference centre, R3 consent page and double opt-in)', () => {
  it.each<PageTokenClaims>([
    { kind: 'preferences', ...base },
    { kind: 'consent', ...base, purposes: ['newsletter'] },
    { kind: 'consent', ...base },
    { kind: 'confirm', ...base, pendingId: 'p-1' },
  ])('round-trips a $kind token', (claims) => {
    expect(verifyPageToken(signPageToken(claims, keys), keys, now, [claims.kind])).toEqual(claims);
  });

  it('R15: a preference token is refused where a consent or confirm token is expected', () => {
    const token = signPageToken({ kind: 'preferences', ...base }, keys);
    expect(verifyPageToken(token, keys, now, ['consent', 'confirm'])).toBeUndefined();
  });

  it('R15: an unsubscribe token never opens the preference centre, nor the reverse', () => {
    const unsubscribe = signToken(
      {
        tenant: 'acme',
        recipientKey: base.recipientKey,
        purpose: 'newsletter',
        channel: 'email',
        messageId: 'm',
      },
      keys,
    );
    expect(verifyPageToken(unsubscribe, keys, now, ['preferences', 'consent', 'confirm'])).toBeUndefined();
    expect(verifyToken(signPageToken({ kind: 'preferences', ...base }, keys), keys)).toBeUndefined();
  });

  it('expires: a link past its lifetime is refused', () => {
    const token = signPageToken(
      { kind: 'confirm', ...base, expiresAt: expiryFor('confirm', now), pendingId: 'x' },
      keys,
    );
    expect(verifyPageToken(token, keys, new Date(now.getTime() + 6 * 86_400_000), ['confirm'])).toBeDefined();
    expect(
      verifyPageToken(token, keys, new Date(now.getTime() + 8 * 86_400_000), ['confirm']),
    ).toBeUndefined();
  });

  it('refuses a token whose payload was altered', () => {
    const token = signPageToken({ kind: 'preferences', ...base }, keys);
    const [v, kid, , mac] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ k: 'p', t: 'other', r: base.recipientKey, c: 'email', e: base.expiresAt }),
    ).toString('base64url');
    expect(verifyPageToken(`${v}.${kid}.${forged}.${mac}`, keys, now, ['preferences'])).toBeUndefined();
  });

  it('never contains the address', () => {
    const token = signPageToken({ kind: 'consent', ...base }, keys);
    const decoded = token
      .split('.')
      .map((p) => Buffer.from(p, 'base64url').toString('utf8'))
      .join(' ');
    expect(`${token} ${decoded}`).not.toContain('alice');
  });
});
