import type { Channel, PurposeCategory } from '../schemas/vocabulary';

/**
 * What a sender key (or SES credential) may send: each list given bounds it, an absent
 * list bounds nothing. `categories` bounds the purpose's category as the tenant declared
 * it, so that a campaign tool's key limited to `marketing` cannot send as `transactional`
 * (R6: no objection check, no unsubscribe link) to skip the gate.
 */
export interface KeyScopes {
  readonly purposes?: string[];
  readonly channels?: Channel[];
  readonly categories?: PurposeCategory[];
}

export interface ScopeRefusal {
  /** The scope that refuses: `scopes.purposes`, `scopes.channels` or `scopes.categories`. */
  readonly scope: `scopes.${keyof KeyScopes}`;
  readonly message: string;
}

const list = (values: readonly string[]) => values.map((v) => `"${v}"`).join(', ');

/**
 * Why a key of these scopes may not send this message, if it may not. `category` is the
 * declared purpose's; undefined for an undeclared purpose (the decision refuses it with
 * `unknown_purpose` whatever the scopes, so the category scope has nothing to bound).
 */
export function scopeRefusal(
  scopes: KeyScopes | undefined,
  send: { readonly channel: Channel; readonly purpose: string; readonly category?: PurposeCategory },
): ScopeRefusal | undefined {
  if (scopes === undefined) return undefined;
  if (scopes.channels !== undefined && !scopes.channels.includes(send.channel)) {
    return {
      scope: 'scopes.channels',
      message: `This key may send on ${list(scopes.channels)} only (scopes.channels), not on "${send.channel}"`,
    };
  }
  if (scopes.purposes !== undefined && !scopes.purposes.includes(send.purpose)) {
    return {
      scope: 'scopes.purposes',
      message: `This key may send for purposes ${list(scopes.purposes)} only (scopes.purposes), not for "${send.purpose}"`,
    };
  }
  if (
    scopes.categories !== undefined &&
    send.category !== undefined &&
    !scopes.categories.includes(send.category)
  ) {
    return {
      scope: 'scopes.categories',
      message: `This key may send purposes of categories ${list(scopes.categories)} only (scopes.categories); "${send.purpose}" is ${send.category}`,
    };
  }
  return undefined;
}
