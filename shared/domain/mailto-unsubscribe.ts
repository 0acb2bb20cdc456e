import { createHmac } from 'node:crypto';
import type { KeyMaterial } from '../ports/key-ring';

/**
 * R10 / RFC 2369: `List-Unsubscribe` may also carry `<mailto:u+<id>@<domain>>`, for clients
 * that act on `mailto:` only. An unsubscribe token (`v1.<keyId>.<payload>.<mac>`) is well over
 * the 64 octets RFC 5321 allows a local part, so the address carries a short id instead: the
 * first 128 bits of an HMAC-SHA256 of the token under the active token key, in lowercase hex
 * (mail systems may change the case of a local part; hex survives it). The id is stored beside
 * the token it stands for (MailtoAddressStore). A forged or altered id names no stored token
 * and records nothing; the stored token is verified again (its own MAC) before anything is
 * recorded, and the id must be the one the token derives to.
 */
const ID_HEX = 32;
const LOCAL_PREFIX = 'u+';

export function mailtoIdOf(token: string, keys: KeyMaterial): string {
  const key = keys.tokenKeys.get(keys.activeTokenKeyId);
  if (key === undefined) throw new Error('the active token key is missing');
  return createHmac('sha256', key).update(`mailto\0${token}`).digest('hex').slice(0, ID_HEX);
}

/** True when `id` is what `token` derives to under one of the keys (rotation keeps old mail working). */
export function mailtoIdMatches(id: string, token: string, keys: KeyMaterial): boolean {
  for (const key of keys.tokenKeys.values()) {
    if (createHmac('sha256', key).update(`mailto\0${token}`).digest('hex').slice(0, ID_HEX) === id)
      return true;
  }
  return false;
}

export function mailtoAddress(id: string, domain: string): string {
  return `${LOCAL_PREFIX}${id}@${domain}`;
}

/**
 * The id in `u+<id>@<domain>`, or undefined for any other address. Local part and domain are
 * compared without case (RFC 5321 lets receivers fold the case; the id is hex).
 */
export function mailtoIdFrom(address: string, domain: string): string | undefined {
  const at = address.lastIndexOf('@');
  if (at < 0) return undefined;
  const local = address.slice(0, at).toLowerCase();
  const host = address.slice(at + 1).toLowerCase();
  if (host !== domain.toLowerCase() || !local.startsWith(LOCAL_PREFIX)) return undefined;
  const id = local.slice(LOCAL_PREFIX.length);
  return /^[0-9a-f]{32}$/.test(id) ? id : undefined;
}

/** The `List-Unsubscribe` value with the mailto URI after the https one (RFC 2369 §2: in order of preference). */
export function withMailtoUri(
  headers: readonly { name: string; value: string }[],
  address: string,
): { name: string; value: string }[] {
  return headers.map((h) =>
    h.name.toLowerCase() === 'list-unsubscribe'
      ? { name: h.name, value: `${h.value}, <mailto:${address}>` }
      : h,
  );
}

/** The token in a `List-Unsubscribe` value `<https://…/u/<token>>`, if any. */
export function tokenOfListUnsubscribe(value: string): string | undefined {
  return /<https?:\/\/[^>]*\/u\/([A-Za-z0-9._-]+)>/.exec(value)?.[1];
}
