import { createHash } from 'node:crypto';
import { type SentUnsubscribe, sentUnsubscribeSchema } from '../schemas/audit';
import { tokenOfListUnsubscribe } from './mailto-unsubscribe';

/**
 * R10: the record of what a message carried to unsubscribe, kept in its `decision.sent`
 * (shared/schemas/audit.ts, `sentUnsubscribeSchema`). Built from the headers the message goes
 * out with, after they are final and before the decision is written (one write per send).
 *
 * The trail and the evidence pack never hold a working link: an authority clicking one in a
 * pack would unsubscribe the person. The token of the `/u/` link and the id of the `u+<id>@`
 * mailto address are each replaced by `{sha256:<16 hex>}`, the first 16 hex digits of the
 * SHA-256 of what they replace: whoever holds the mail as received can hash its link's token
 * and find the same digits, and decode its payload (base64url JSON) to read the recipient key
 * and purpose it names.
 */
export const FINGERPRINT_HEX = 16;

export function fingerprintOf(secret: string): string {
  return `{sha256:${createHash('sha256').update(secret).digest('hex').slice(0, FINGERPRINT_HEX)}}`;
}

/** Where the footer link was placed: the parts handed to the provider, or a raw message's MIME body parts. */
export interface LinkPlacement {
  readonly in: 'parts' | 'mime';
  readonly html: number;
  readonly text: number;
}

/**
 * What the link's token must name: the message's own recipient, id, purpose and channel (a
 * mix-up is a bug, not a send). Checked here, so the record keeps only the signing key's id:
 * a decision.sent stays one write unit (under 1 KB) with a long public URL and mailto domain.
 */
export interface TokenTarget {
  readonly tenant: string;
  readonly recipientKey: string;
  readonly messageId: string;
  readonly purpose: string;
  readonly channel: 'email' | 'sms';
}

export class SentUnsubscribeError extends Error {
  override name = 'SentUnsubscribeError';
}

const MAILTO_ID = /(<mailto:u\+)([0-9a-f]{32})(@)/g;
/** RFC 8058's one value of List-Unsubscribe-Post. */
const ONE_CLICK = 'List-Unsubscribe=One-Click';

/** The claims a token's payload states, read without its key: they were signed a moment ago. */
function claimsOf(token: string): Record<string, unknown> & { keyId: string } {
  const [version, keyId, payload] = token.split('.');
  try {
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as unknown;
    if (version === 'v1' && keyId !== undefined && typeof claims === 'object' && claims !== null)
      return { ...(claims as Record<string, unknown>), keyId };
  } catch {
    // Reported below.
  }
  throw new SentUnsubscribeError('The List-Unsubscribe link does not carry an unsubscribe token');
}

/** R10, email: the record of the unsubscribe headers `headers` and the footers placed as `placed`. */
export function emailUnsubscribeRecord(
  headers: readonly { readonly name: string; readonly value: string }[],
  placed: LinkPlacement,
  target: TokenTarget,
): SentUnsubscribe {
  const value = (name: string) => headers.find((h) => h.name.toLowerCase() === name)?.value;
  const list = value('list-unsubscribe');
  const token = list === undefined ? undefined : tokenOfListUnsubscribe(list);
  if (list === undefined || token === undefined)
    throw new SentUnsubscribeError('The message has no List-Unsubscribe link of the gateway');
  const claims = claimsOf(token);
  if (claims.t !== target.tenant || claims.r !== target.recipientKey || claims.m !== target.messageId)
    throw new SentUnsubscribeError(
      "The unsubscribe link names another recipient or message than the decision's",
    );
  if (claims.p !== target.purpose || claims.c !== target.channel)
    throw new SentUnsubscribeError(
      "The unsubscribe token names another purpose or channel than the decision's",
    );
  const listUnsubscribe = list
    .split(token)
    .join(fingerprintOf(token))
    .replace(MAILTO_ID, (_all, open: string, id: string, at: string) => `${open}${fingerprintOf(id)}${at}`);
  // Parsed as the trail reads it back (strict: a field of a record never carries more, a token least of all).
  return sentUnsubscribeSchema.parse({
    kind: 'email',
    listUnsubscribe,
    oneClick: value('list-unsubscribe-post') === ONE_CLICK,
    keyId: claims.keyId,
    placed: { in: placed.in, html: placed.html, text: placed.text },
  });
}

/** R10, SMS: the opt-out mention the text ended with. */
export function smsUnsubscribeRecord(mention: string): SentUnsubscribe {
  return { kind: 'sms', mention };
}

/** R6: a transactional message carries no opt-out, and its record says so. */
export const NO_UNSUBSCRIBE: SentUnsubscribe = { kind: 'none', why: 'transactional' };

/** Whether a mailto: address was offered beside the link (RFC 2369). */
export const offeredMailto = (record: Extract<SentUnsubscribe, { kind: 'email' }>): boolean =>
  record.listUnsubscribe.includes('<mailto:');

/** The link as the footers carried it (fingerprinted): the https URI of the recorded List-Unsubscribe. */
export function recordedLinkOf(record: Extract<SentUnsubscribe, { kind: 'email' }>): string | undefined {
  return /<(https?:\/\/[^>]*)>/.exec(record.listUnsubscribe)?.[1];
}
