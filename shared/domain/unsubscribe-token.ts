import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { KeyMaterial } from '../ports/key-ring';
import type { Channel } from '../schemas/vocabulary';

/**
 * R10 / RFC 8058 §6: the unsubscribe link carries an opaque, unforgeable identifier of
 * the recipient and scope, never the address. Format: `v1.<keyId>.<payload>.<mac>`, the
 * payload base64url JSON of the claims, the MAC an HMAC-SHA256 over everything before
 * it. The key id lets keys rotate while links already delivered keep working.
 */
export interface TokenClaims {
  readonly tenant: string;
  readonly recipientKey: string;
  readonly purpose: string;
  readonly channel: Channel;
  readonly messageId: string;
}

const payloadSchema = z
  .object({
    t: z.string().min(1).max(63),
    r: z.string().length(43),
    p: z.string().min(1).max(63),
    c: z.enum(['email', 'sms']),
    m: z.string().min(1).max(100),
  })
  .strict();

const VERSION = 'v1';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const MAX_TOKEN_LENGTH = 1000;

function mac(key: Buffer, signed: string): Buffer {
  return createHmac('sha256', key).update(signed).digest();
}

export function signToken(claims: TokenClaims, keys: KeyMaterial): string {
  const key = keys.tokenKeys.get(keys.activeTokenKeyId);
  if (key === undefined)
    throw new Error(`Active token key "${keys.activeTokenKeyId}" is not in the key ring`);
  const payload = Buffer.from(
    JSON.stringify({
      t: claims.tenant,
      r: claims.recipientKey,
      p: claims.purpose,
      c: claims.channel,
      m: claims.messageId,
    }),
  ).toString('base64url');
  const signed = `${VERSION}.${keys.activeTokenKeyId}.${payload}`;
  return `${signed}.${mac(key, signed).toString('base64url')}`;
}

/** Returns the claims of a genuine token, or undefined for anything else. Never throws. */
export function verifyToken(token: string, keys: KeyMaterial): TokenClaims | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  const parts = token.split('.');
  if (parts.length !== 4) return undefined;
  const [version, keyId, payload, signature] = parts as [string, string, string, string];
  if (version !== VERSION || !KEY_ID.test(keyId)) return undefined;
  const key = keys.tokenKeys.get(keyId);
  if (key === undefined) return undefined;
  // Compare the encoded strings, not decoded bytes: base64url decoding ignores the
  // unused low bits of the last character, which would let altered tokens through.
  const expected = Buffer.from(mac(key, `${version}.${keyId}.${payload}`).toString('base64url'));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const claims = payloadSchema.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    return {
      tenant: claims.t,
      recipientKey: claims.r,
      purpose: claims.p,
      channel: claims.c,
      messageId: claims.m,
    };
  } catch {
    return undefined;
  }
}
