import { randomUUID } from 'node:crypto';
import { frenchSpacingOf } from '../domain/french-typography';
import { maskAddress } from '../domain/link-capabilities';
import type { Lang } from '../domain/preferences';
import { freshLinkClaims, signPageToken } from '../domain/unsubscribe-token';
import type { Channel } from '../schemas/vocabulary';
import { confirmationSender } from './consent-page';
import type { Dependencies } from './dependencies';

/**
 * R15 (amended), GDPR 12(6): the only way from a link that proves nothing (an unsubscribe
 * link, a stale preferences link) to the preference centre: a fresh, short-lived link
 * mailed to the address itself, through the same sender as the double opt-in mail. The
 * page that asked only says a link was sent; it never shows it.
 *
 * Not a mail cannon: at most one such mail per recipient per `confirmation.windowHours`,
 * claimed in the store like the consent page's confirmations, and nothing to an
 * address that bounced or complained (R8). Every outcome shows the same page, so that the
 * page tells a forwardee nothing about the address.
 */
export type FreshLinkOutcome = 'sent' | 'already_sent' | 'not_sent';

/** The claim name: cannot collide with a purpose id (those have no `$`). */
const CLAIM = '$preferences-link';

export interface LinkTarget {
  readonly tenant: string;
  readonly recipientKey: string;
  readonly channel: Channel;
}

/** R15: the masked address of a link's recipient, for pages reached with a link that is not fresh. */
export async function maskedAddressOf(deps: Dependencies, target: LinkTarget): Promise<string | undefined> {
  const state = await deps.store.getRecipientState(target.tenant, target.recipientKey);
  return state.profile?.address === undefined ? undefined : maskAddress(state.profile.address);
}

export async function mailFreshLink(
  deps: Dependencies,
  target: LinkTarget,
  lang: Lang,
): Promise<FreshLinkOutcome> {
  const tenant = await deps.tenants.getTenant(target.tenant);
  if (tenant === undefined || target.channel !== 'email') return 'not_sent';
  const state = await deps.store.getRecipientState(tenant.id, target.recipientKey);
  const address = state.profile?.address;
  if (
    address === undefined ||
    state.suppressions.some((s) => s.reason === 'bounce' || s.reason === 'complaint')
  )
    return 'not_sent';
  const now = deps.clock.now();
  const until = new Date(now.getTime() + tenant.settings.confirmation.windowHours * 3_600_000);
  const claimed = await deps.store.claimConfirmation(tenant.id, target.recipientKey, [CLAIM], now, until);
  if (claimed.length === 0) {
    deps.log.info('fresh preferences link not sent again within the window', {
      recipientKey: target.recipientKey,
    });
    return 'already_sent';
  }
  try {
    const claims = freshLinkClaims(target, 'email', now, tenant.settings.confirmation.freshLinkHours);
    const url = `${deps.publicBaseUrl.replace(/\/$/, '')}/p/${signPageToken(claims, await deps.keys.load())}`;
    const from = confirmationSender(tenant);
    const mail = freshLinkMail(lang, tenant.name, url, tenant.settings.confirmation.freshLinkHours);
    const providerMessageId = await deps.email.send({
      from,
      to: address,
      subject: mail.subject,
      text: mail.text,
      headers: [],
      tags: [
        { name: 'tenant', value: tenant.id },
        { name: 'purpose', value: 'preferences-link' },
      ],
    });
    // Kept with the recipient's messages (R15 access: the person sees it in their export).
    await deps.store.putMessage(tenant.id, target.recipientKey, {
      messageId: randomUUID(),
      providerMessageId,
      channel: 'email',
      purpose: 'preferences-link',
      category: 'transactional',
      basis: 'contract',
      proof: { type: 'purpose', ref: 'preferences_link', detail: 'fresh preferences link asked for (R15)' },
      from,
      decidedAt: now.toISOString(),
      sentAt: deps.clock.now().toISOString(),
      senderKeyId: 'preference-centre',
    });
    deps.log.info('fresh preferences link sent', { recipientKey: target.recipientKey });
    return 'sent';
  } catch (error) {
    // Nothing was mailed: the person may ask again at once.
    await deps.store
      .releaseConfirmation(tenant.id, target.recipientKey, [CLAIM], until)
      .catch((e: Error) => deps.log.error('preferences link claim not released', { error: e.name }));
    throw error;
  }
}

/** R15: the fresh link's mail, in the page's language. */
export function freshLinkMail(
  lang: Lang,
  brand: string,
  url: string,
  hours: number,
): { subject: string; text: string } {
  return lang === 'fr'
    ? frenchSpacingOf({
        subject: `Gérer vos préférences – ${brand}`,
        text: `Bonjour,\n\nVous avez demandé à gérer vos préférences e-mail chez ${brand}. Ce lien est valable ${hours} heures :\n${url}\n\nNe le transférez pas : il donne accès à vos données. Si vous n’êtes pas à l’origine de cette demande, ignorez ce message : rien n’a changé.`,
      })
    : {
        subject: `Manage your preferences – ${brand}`,
        text: `Hello,\n\nYou asked to manage your email preferences with ${brand}. This link is valid for ${hours} hours:\n${url}\n\nDo not forward it: it opens your data. If you did not ask for this, ignore this message: nothing has changed.`,
      };
}
