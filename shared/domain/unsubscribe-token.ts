import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import type { KeyMaterial } from '../ports/key-ring';
import type { Channel } from '../schemas/vocabulary';

/**
 * R10 / RFC 8058 §6: links carry an opaque, unforgeable identifier of the recipient and
 * scope, never the address. Format: `v1.<keyId>.<payload>.<mac>`, the payload base64url
 * JSON of the claims, the MAC an HMAC-SHA256 over everything before it. The key id lets
 * keys rotate while links already delivered keep working.
 *
 * One mechanism, several kinds of link. Unsubscribe tokens (the first kind, already in
 * delivered mail) carry no kind field; every other kind names itself in `k` and expires,
 * and the strict payload schemas make a token of one kind useless as another: an
 * unsubscribe link cannot open the preference centre (which shows and erases data).
 *
 * R15 (amended): a link proves nothing about who clicks it once it has travelled with
 * forwarded mail. Only a *fresh* preferences link (`manage`, hours long, mailed to the
 * address itself or handed out by the tenant, which authenticated the person its own
 * way) opens the preference centre with data, export, erasure and new consents; what
 * each kind grants is in link-capabilities.ts.
 */
export interface TokenClaims {
  readonly tenant: string;
  readonly recipientKey: string;
  readonly purpose: string;
  readonly channel: Channel;
  readonly messageId: string;
}

interface PageClaimsBase {
  readonly tenant: string;
  readonly recipientKey: string;
  readonly channel: Channel;
  /** Epoch seconds after which the link is no longer valid. */
  readonly expiresAt: number;
}
/** R15: the preference centre of one recipient (`/p/{token}`). */
export interface PreferencesClaims extends PageClaimsBase {
  readonly kind: 'preferences';
}
/** R13/R3: the consent page (`/c/{token}`), optionally limited to some purposes. */
export interface ConsentPageClaims extends PageClaimsBase {
  readonly kind: 'consent';
  readonly purposes?: readonly string[];
}
/** R3: the double opt-in confirmation link of one pending consent (`/c/{token}`). */
export interface ConfirmClaims extends PageClaimsBase {
  readonly kind: 'confirm';
  readonly pendingId: string;
}
/**
 * R15: a fresh preferences link (`/p/{token}`): short-lived, and recording how it reached
 * the person (`email`: mailed by the gateway to the address; `tenant`: minted with
 * POST /v1/links for the tenant to hand over) and when, for the proof of what is done with it.
 */
export interface ManageClaims extends PageClaimsBase {
  readonly kind: 'manage';
  /** Epoch seconds at which the link was minted (and, via `email`, mailed). */
  readonly issuedAt: number;
  readonly via: 'email' | 'tenant';
}
export type PageTokenClaims = PreferencesClaims | ConsentPageClaims | ConfirmClaims | ManageClaims;
export type PageTokenKind = PageTokenClaims['kind'];

const unsubscribePayloadSchema = z
  .object({
    t: z.string().min(1).max(63),
    r: z.string().length(43),
    p: z.string().min(1).max(63),
    c: z.enum(['email', 'sms']),
    m: z.string().min(1).max(100),
  })
  .strict();

const pageBase = {
  t: z.string().min(1).max(63),
  r: z.string().length(43),
  c: z.enum(['email', 'sms']),
  e: z.number().int().positive(),
};
const pagePayloadSchema = z.discriminatedUnion('k', [
  z.object({ k: z.literal('p'), ...pageBase }).strict(),
  z
    .object({ k: z.literal('c'), ...pageBase, p: z.array(z.string().min(1).max(63)).max(20).optional() })
    .strict(),
  z.object({ k: z.literal('d'), ...pageBase, i: z.string().min(1).max(100) }).strict(),
  z
    .object({ k: z.literal('f'), ...pageBase, s: z.number().int().positive(), v: z.enum(['e', 't']) })
    .strict(),
]);

const KIND_CODES = { preferences: 'p', consent: 'c', confirm: 'd', manage: 'f' } as const;

const VERSION = 'v1';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const MAX_TOKEN_LENGTH = 1000;

function mac(key: Buffer, signed: string): Buffer {
  return createHmac('sha256', key).update(signed).digest();
}

function sign(payload: unknown, keys: KeyMaterial): string {
  const key = keys.tokenKeys.get(keys.activeTokenKeyId);
  if (key === undefined)
    throw new Error(`Active token key "${keys.activeTokenKeyId}" is not in the key ring`);
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const signed = `${VERSION}.${keys.activeTokenKeyId}.${encoded}`;
  return `${signed}.${mac(key, signed).toString('base64url')}`;
}

/** The decoded JSON payload of a genuine token, or undefined. Never throws. */
function open(token: string, keys: KeyMaterial): unknown {
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
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

export function signToken(claims: TokenClaims, keys: KeyMaterial): string {
  return sign(
    { t: claims.tenant, r: claims.recipientKey, p: claims.purpose, c: claims.channel, m: claims.messageId },
    keys,
  );
}

/** Returns the claims of a genuine unsubscribe token, or undefined for anything else. Never throws. */
export function verifyToken(token: string, keys: KeyMaterial): TokenClaims | undefined {
  const parsed = unsubscribePayloadSchema.safeParse(open(token, keys));
  if (!parsed.success) return undefined;
  const claims = parsed.data;
  return {
    tenant: claims.t,
    recipientKey: claims.r,
    purpose: claims.p,
    channel: claims.c,
    messageId: claims.m,
  };
}

export function signPageToken(claims: PageTokenClaims, keys: KeyMaterial): string {
  const base = { k: KIND_CODES[claims.kind], t: claims.tenant, r: claims.recipientKey, c: claims.channel };
  switch (claims.kind) {
    case 'preferences':
      return sign({ ...base, e: claims.expiresAt }, keys);
    case 'consent':
      return sign({ ...base, e: claims.expiresAt, p: claims.purposes }, keys);
    case 'confirm':
      return sign({ ...base, e: claims.expiresAt, i: claims.pendingId }, keys);
    case 'manage':
      return sign(
        { ...base, e: claims.expiresAt, s: claims.issuedAt, v: claims.via === 'email' ? 'e' : 't' },
        keys,
      );
  }
}

/**
 * The claims of a genuine, unexpired page token of one of the accepted kinds, or
 * undefined for anything else (forged, expired, another kind). Never throws.
 */
export function verifyPageToken<K extends PageTokenKind>(
  token: string,
  keys: KeyMaterial,
  now: Date,
  kinds: readonly K[],
): Extract<PageTokenClaims, { kind: K }> | undefined {
  const parsed = pagePayloadSchema.safeParse(open(token, keys));
  if (!parsed.success) return undefined;
  const p = parsed.data;
  if (p.e * 1000 <= now.getTime()) return undefined;
  const base = { tenant: p.t, recipientKey: p.r, channel: p.c, expiresAt: p.e };
  const claims: PageTokenClaims =
    p.k === 'p'
      ? { kind: 'preferences', ...base }
      : p.k === 'c'
        ? { kind: 'consent', ...base, ...(p.p === undefined ? {} : { purposes: p.p }) }
        : p.k === 'd'
          ? { kind: 'confirm', ...base, pendingId: p.i }
          : { kind: 'manage', ...base, issuedAt: p.s, via: p.v === 'e' ? 'email' : 'tenant' };
  return (kinds as readonly PageTokenKind[]).includes(claims.kind)
    ? (claims as Extract<PageTokenClaims, { kind: K }>)
    : undefined;
}

/**
 * Lifetimes of page links, in days: long enough to act on a message, short enough to limit
 * a forwarded link. A `preferences` link that old grants little (R15: it is stale from the
 * start); the fresh `manage` link lives hours (FRESH_LINK_HOURS, per tenant
 * `settings.confirmation.freshLinkHours`).
 */
export const PAGE_TOKEN_DAYS: Readonly<Record<Exclude<PageTokenKind, 'manage'>, number>> = {
  preferences: 90,
  consent: 30,
  confirm: 7,
};

/** R15: default lifetime of a fresh preferences link, in hours. */
export const FRESH_LINK_HOURS = 24;

export function expiryFor(kind: Exclude<PageTokenKind, 'manage'>, now: Date): number {
  return Math.floor(now.getTime() / 1000) + PAGE_TOKEN_DAYS[kind] * 86_400;
}

/** R15: the claims of a fresh preferences link minted now, valid `hours`. */
export function freshLinkClaims(
  target: { tenant: string; recipientKey: string; channel: Channel },
  via: ManageClaims['via'],
  now: Date,
  hours: number = FRESH_LINK_HOURS,
): ManageClaims {
  const issuedAt = Math.floor(now.getTime() / 1000);
  // Fields picked one by one: the target may be another link's claims (its kind, its expiry).
  return {
    kind: 'manage',
    tenant: target.tenant,
    recipientKey: target.recipientKey,
    channel: target.channel,
    expiresAt: issuedAt + hours * 3600,
    issuedAt,
    via,
  };
}
