import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { recipientKey } from '../../shared/domain/recipient-key';
import { signToken, verifyToken } from '../../shared/domain/unsubscribe-token';
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
