import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { recipientKey } from '../../shared/domain/recipient-key';
import {
  expiryFor,
  PAGE_TOKEN_DAYS,
  signPageToken,
  signToken,
  verifyPageToken,
  verifyToken,
} from '../../shared/domain/unsubscribe-token';
import type { KeyMaterial } from '../../shared/ports/key-ring';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const ring = (active: string, keys: Record<string, Buffer>): KeyMaterial => ({
  hashKey: randomBytes(32),
  tokenKeys: new Map(Object.entries(keys)),
  activeTokenKeyId: active,
});
const claims = {
  tenant: 'acme',
  recipientKey: recipientKey(k1, 'acme', 'email', 'alice@example.org'),
  purpose: 'newsletter',
  channel: 'email' as const,
  messageId: '0f0c4a2e-7d7e-4c55-9a43-2f7c9d1a6f10',
};

describe('unsubscribe token (R10, RFC 8058 §6)', () => {
  it('round-trips its claims', () => {
    const keys = ring('k1', { k1 });
    expect(verifyToken(signToken(claims, keys), keys)).toEqual(claims);
  });

  it('never contains the address', () => {
    const token = signToken(claims, ring('k1', { k1 }));
    const decoded = token
      .split('.')
      .map((p) => Buffer.from(p, 'base64url').toString('utf8'))
      .join(' ');
    expect(`${token} ${decoded}`).not.toContain('alice');
  });

  it('keeps verifying links signed with an older key after rotation', () => {
    const old = signToken(claims, ring('k1', { k1 }));
    const rotated = ring('k2', { k1, k2 });
    expect(verifyToken(old, rotated)).toEqual(claims);
    expect(signToken(claims, rotated).split('.')[1]).toBe('k2');
  });

  it('rejects a token whose key id is unknown', () => {
    expect(verifyToken(signToken(claims, ring('k1', { k1 })), ring('k2', { k2 }))).toBeUndefined();
  });

  it('rejects every single-character tampering of the payload or signature', () => {
    const keys = ring('k1', { k1 });
    const token = signToken(claims, keys);
    let accepted = 0;
    for (let i = 0; i < token.length; i++) {
      // 'A' and 'B' differ in the lowest bit only: a byte-level comparison would miss it on the last character.
      for (const c of ['A', 'B', '_']) {
        const tampered = token.slice(0, i) + c + token.slice(i + 1);
        if (tampered !== token && verifyToken(tampered, keys) !== undefined) accepted++;
      }
    }
    expect(accepted).toBe(0);
  });

  it('rejects a payload re-signed with another key', () => {
    const forged = signToken({ ...claims, purpose: 'all' }, ring('k1', { k1: k2 }));
    expect(verifyToken(forged, ring('k1', { k1 }))).toBeUndefined();
  });

  it.each(['', 'x', 'v1.k1.e30.', 'v1..e30.abc', 'v2.k1.e30.abc', 'a'.repeat(5000)])(
    'rejects garbage %#',
    (t) => {
      expect(verifyToken(t, ring('k1', { k1 }))).toBeUndefined();
    },
  );
});

/** Rows the mutation run (docs/testing.md) showed unpinned: exact lifetimes, limits and malformed parts. */
describe('tokens: limits and lifetimes (R10, R15)', () => {
  const keys = ring('k1', { k1 });
  const now = new Date('2026-06-15T10:00:00.500Z');
  const page = { tenant: 'acme', recipientKey: claims.recipientKey, channel: 'email' as const };
  /** A token with a genuine MAC over any payload text, as only the key holder could make. */
  const signedRaw = (payload: string, keyId = 'k1', key = k1) => {
    const signed = `v1.${keyId}.${payload}`;
    return `${signed}.${createHmac('sha256', key).update(signed).digest('base64url')}`;
  };

  it('R15 page links live 90 days (preferences), 30 (consent page) and 7 (double opt-in), from the second', () => {
    const s = Math.floor(now.getTime() / 1000);
    expect(expiryFor('preferences', now)).toBe(s + 90 * 86_400);
    expect(expiryFor('consent', now)).toBe(s + 30 * 86_400);
    expect(expiryFor('confirm', now)).toBe(s + 7 * 86_400);
    expect(PAGE_TOKEN_DAYS).toEqual({ preferences: 90, consent: 30, confirm: 7 });
  });

  it('R15 a page link is refused from the second it expires, accepted the millisecond before', () => {
    const expiresAt = 1_800_000_000;
    const token = signPageToken({ kind: 'preferences', ...page, expiresAt }, keys);
    expect(verifyPageToken(token, keys, new Date(expiresAt * 1000 - 1), ['preferences'])).toEqual({
      kind: 'preferences',
      ...page,
      expiresAt,
    });
    expect(verifyPageToken(token, keys, new Date(expiresAt * 1000), ['preferences'])).toBeUndefined();
  });

  it('R15 a consent-page token keeps its purposes; a confirm token its pending id', () => {
    const expiresAt = 1_800_000_000;
    const at = new Date('2026-06-15T10:00:00Z');
    const consent = signPageToken({ kind: 'consent', ...page, expiresAt, purposes: ['a', 'b'] }, keys);
    expect(verifyPageToken(consent, keys, at, ['consent', 'confirm'])).toEqual({
      kind: 'consent',
      ...page,
      expiresAt,
      purposes: ['a', 'b'],
    });
    const confirm = signPageToken({ kind: 'confirm', ...page, expiresAt, pendingId: 'p-9' }, keys);
    expect(verifyPageToken(confirm, keys, at, ['consent', 'confirm'])).toEqual({
      kind: 'confirm',
      ...page,
      expiresAt,
      pendingId: 'p-9',
    });
    expect(verifyPageToken(confirm, keys, at, ['consent'])).toBeUndefined();
    expect(verifyPageToken(consent, keys, at, ['preferences'])).toBeUndefined();
  });

  it('R10 refuses a genuine MAC over a payload that is not JSON, or JSON of the wrong shape', () => {
    expect(verifyToken(signedRaw(Buffer.from('not json').toString('base64url')), keys)).toBeUndefined();
    const extra = Buffer.from(
      JSON.stringify({ t: 'acme', r: claims.recipientKey, p: 'n', c: 'email', m: 'm', x: 1 }),
    ).toString('base64url');
    expect(verifyToken(signedRaw(extra), keys)).toBeUndefined();
    const genuine = Buffer.from(
      JSON.stringify({ t: 'acme', r: claims.recipientKey, p: 'n', c: 'email', m: 'm' }),
    ).toString('base64url');
    expect(verifyToken(signedRaw(genuine), keys)).toMatchObject({ tenant: 'acme', purpose: 'n' });
  });

  it('R10 refuses a genuine MAC under another version than v1', () => {
    const payload = Buffer.from(
      JSON.stringify({ t: 'acme', r: claims.recipientKey, p: 'n', c: 'email', m: 'm' }),
    ).toString('base64url');
    const signed = `v2.k1.${payload}`;
    const v2 = `${signed}.${createHmac('sha256', k1).update(signed).digest('base64url')}`;
    expect(verifyToken(v2, keys)).toBeUndefined();
  });

  it('R10 SMS links round-trip too, unsubscribe and page kinds', () => {
    const sms = { ...claims, channel: 'sms' as const };
    expect(verifyToken(signToken(sms, keys), keys)).toEqual(sms);
    const at = new Date('2026-06-15T10:00:00Z');
    const pref = { kind: 'preferences' as const, ...page, channel: 'sms' as const, expiresAt: 1_800_000_000 };
    expect(verifyPageToken(signPageToken(pref, keys), keys, at, ['preferences'])).toEqual(pref);
  });

  it('R13 a consent-page token for every purpose carries no purposes field at all', () => {
    const at = new Date('2026-06-15T10:00:00Z');
    const token = signPageToken({ kind: 'consent', ...page, expiresAt: 1_800_000_000 }, keys);
    const claimsOut = verifyPageToken(token, keys, at, ['consent']);
    expect(claimsOut).toBeDefined();
    expect(Object.keys(claimsOut ?? {}).sort()).toEqual([
      'channel',
      'expiresAt',
      'kind',
      'recipientKey',
      'tenant',
    ]);
  });

  it('R10 accepts key ids of 1 to 32 letters, digits, _ and -, and nothing else', () => {
    const payload = Buffer.from(
      JSON.stringify({ t: 'acme', r: claims.recipientKey, p: 'n', c: 'email', m: 'm' }),
    ).toString('base64url');
    for (const id of ['a', 'K_2026-01', 'k'.repeat(32)]) {
      const ringWith = ring(id, { [id]: k1 });
      expect(verifyToken(signedRaw(payload, id), ringWith)).toBeDefined();
      expect(verifyToken(signToken(claims, ringWith), ringWith)).toEqual(claims);
    }
    for (const id of ['k'.repeat(33), 'k 1', 'k/1', 'é', '']) {
      expect(verifyToken(signedRaw(payload, id), ring(id, { [id]: k1 }))).toBeUndefined();
    }
  });

  it('R10 refuses a token longer than 1000 characters before any work, a genuine one included', () => {
    const at = new Date('2026-06-15T10:00:00Z');
    const withPurposes = (length: number) =>
      signPageToken(
        {
          kind: 'consent',
          ...page,
          expiresAt: 1_800_000_000,
          // Purpose ids of at most 60 characters (the schema allows 63), `length` characters in all.
          purposes: Array.from({ length: Math.ceil(length / 60) }, (_, i) =>
            'x'.repeat(Math.min(60, length - i * 60)),
          ),
        },
        keys,
      );
    // Find the purpose length that makes a token of exactly 1000 characters (base64url grows by 4 per 3).
    let n = 1;
    while (withPurposes(n + 1).length <= 1000) n++;
    expect(withPurposes(n).length).toBeLessThanOrEqual(1000);
    expect(verifyPageToken(withPurposes(n), keys, at, ['consent'])).toBeDefined();
    expect(withPurposes(n + 1).length).toBeGreaterThan(1000);
    expect(verifyPageToken(withPurposes(n + 1), keys, at, ['consent'])).toBeUndefined();
  });

  it('R10 refuses a token with a fifth part, or a signature of another length', () => {
    const token = signToken(claims, keys);
    expect(verifyToken(`${token}.x`, keys)).toBeUndefined();
    expect(verifyToken(token.slice(0, -1), keys)).toBeUndefined();
    expect(verifyToken(`${token}A`, keys)).toBeUndefined();
  });

  it('refuses to sign with an active key the ring does not hold', () => {
    expect(() => signToken(claims, ring('k9', { k1 }))).toThrow(/k9/);
  });
});
