import type { PageTokenKind } from './unsubscribe-token';

/**
 * R15 (amended), GDPR 12(6): what each kind of link lets its holder do. A link proves only
 * that someone holds it: unsubscribe links (never expiring, in every delivered mail, opened
 * by forwardees and link scanners) and the long-lived preferences links senders put in their
 * bodies may stop mail (R7) and ask for a fresh link to be mailed to the address; seeing
 * the person's choices, recording a consent, downloading and erasing need a fresh link.
 */
export type LinkKind = 'unsubscribe' | PageTokenKind;

export type LinkAction =
  /** The scope of an unsubscribe link, the brand, a masked address. */
  | 'view_scope'
  /** R7: object within the link's scope. */
  | 'unsubscribe'
  /** R7: object to all marketing on the channel. */
  | 'stop_all'
  /** Mail a fresh preferences link to the address itself (never shown on the page). */
  | 'request_fresh_link'
  /** The preference centre with the person's choices, purpose by purpose. */
  | 'view_preferences'
  /** Tick or untick boxes: new consents (R3, with the link's proof), withdrawals, objections. */
  | 'save_preferences'
  /** R15 access and portability. */
  | 'export'
  /** R15 erasure. */
  | 'erase'
  /** R13/R3: the consent page's offer and its request for a double opt-in mail. */
  | 'request_consent'
  /** R3: confirm a pending consent (the double opt-in link, mailed to the address). */
  | 'confirm_consent';

export const LINK_CAPABILITIES: Readonly<Record<LinkKind, readonly LinkAction[]>> = {
  unsubscribe: ['view_scope', 'unsubscribe', 'request_fresh_link'],
  // A `{{preferences_url}}` link travels with the body: stale from the start.
  preferences: ['stop_all', 'request_fresh_link'],
  manage: ['view_preferences', 'save_preferences', 'stop_all', 'export', 'erase', 'request_fresh_link'],
  // The consent page only asks: nothing counts until the link mailed to the address is confirmed.
  consent: ['request_consent'],
  confirm: ['confirm_consent'],
};

export function grants(kind: LinkKind, action: LinkAction): boolean {
  return LINK_CAPABILITIES[kind].includes(action);
}

/**
 * R15: what a page reached with a link that is not fresh may show of the person: the
 * first character of the local part and the domain ("b•••@example.org"); for a phone
 * number, its last two digits.
 */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at > 0) return `${[...address.slice(0, at)][0]}•••${address.slice(at)}`;
  const digits = address.replace(/\D/g, '');
  return `•••${digits.slice(-2)}`;
}
