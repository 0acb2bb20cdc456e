import { frenchSpacingOf } from '../../domain/french-typography';
import { escapeHtml, type Lang, page } from './layout';

interface Scope {
  /** Absent when the objection was queued: the store that names the brand could not be read. */
  readonly brand?: string;
  readonly purposeName: string;
  /** R15: the only personal data shown ("b•••@example.org"). */
  readonly maskedAddress?: string | undefined;
}

/**
 * R15 (amended): no link to the preference centre here (this page's URL travels with
 * forwarded mail): a button that mails a fresh link to the address itself. A form posting
 * back to `/u/{token}`: link scanners, which only GET, mail nothing.
 */
function preferencesLink(lang: Lang): string {
  const t = TEXT[lang];
  return `\n<form method="post">
<input type="hidden" name="action" value="preferences_link">
<button type="submit" class="secondary">${t.manageButton}</button>
</form>
<p class="muted">${t.manageNote}</p>`;
}

function addressLine(lang: Lang, scope: Scope): string {
  return scope.maskedAddress === undefined
    ? ''
    : `\n<p class="muted">${TEXT[lang].addressLine(escapeHtml(scope.maskedAddress))}</p>`;
}

const TEXT = {
  fr: frenchSpacingOf({
    confirmTitle: 'Confirmer la désinscription',
    confirmLead: (s: Scope) =>
      `Vous ne recevrez plus d’e-mails « ${escapeHtml(s.purposeName)} » de ${escapeHtml(s.brand ?? '')}.`,
    confirmButton: 'Me désinscrire',
    confirmNote: 'Rien n’a changé tant que vous n’avez pas cliqué sur ce bouton. C’est gratuit et immédiat.',
    doneTitle: 'Vous êtes désinscrit',
    doneLead: (s: Scope) =>
      `C’est fait : ${s.brand === undefined ? 'l’expéditeur' : escapeHtml(s.brand)} ne vous enverra plus d’e-mails « ${escapeHtml(s.purposeName)} ».`,
    doneNote: 'Votre demande prend effet immédiatement, dès le prochain envoi.',
    invalidTitle: 'Ce lien n’est pas valide',
    invalidLead:
      'Ce lien de désinscription n’est pas valide. Utilisez le lien reçu dans l’e-mail, sans le modifier.',
    addressLine: (masked: string) => `Adresse : ${masked}`,
    manageButton: 'Recevoir par e-mail un lien pour gérer mes préférences',
    manageNote:
      'Pour protéger vos données, nous envoyons un lien valable peu de temps à l’adresse elle-même, jamais sur cette page.',
    linkSentTitle: 'Vérifiez votre boîte de réception',
    linkSentLead: (masked: string) =>
      `Si cette adresse${masked} peut recevoir des e-mails, nous venons de lui envoyer un lien pour gérer vos préférences. Il est valable peu de temps ; nous n’en envoyons pas plus d’un par jour.`,
    errorTitle: 'Service momentanément indisponible',
    errorLead:
      'Votre demande n’a pas pu être enregistrée : rien n’a changé. Réessayez dans quelques instants avec le même lien.',
    unconfirmedTitle: 'Demande reçue, pas encore confirmée',
    unconfirmedLead:
      'Votre demande est reçue et sera appliquée, mais nous n’avons pas pu confirmer qu’elle arrête dès maintenant tout envoi. Réessayez dans quelques instants avec le même lien pour la confirmer.',
  }),
  en: {
    confirmTitle: 'Confirm unsubscribe',
    confirmLead: (s: Scope) =>
      `You will no longer receive “${escapeHtml(s.purposeName)}” emails from ${escapeHtml(s.brand ?? '')}.`,
    confirmButton: 'Unsubscribe',
    confirmNote: 'Nothing has changed until you press this button. It is free and takes effect at once.',
    doneTitle: 'You are unsubscribed',
    doneLead: (s: Scope) =>
      `Done: ${s.brand === undefined ? 'the sender' : escapeHtml(s.brand)} will no longer send you “${escapeHtml(s.purposeName)}” emails.`,
    doneNote: 'Your request takes effect immediately, from the very next message.',
    invalidTitle: 'This link is not valid',
    invalidLead: 'This unsubscribe link is not valid. Use the link from the email, unchanged.',
    addressLine: (masked: string) => `Address: ${masked}`,
    manageButton: 'Email me a link to manage my preferences',
    manageNote: 'To protect your data, we send a short-lived link to the address itself, never on this page.',
    linkSentTitle: 'Check your inbox',
    linkSentLead: (masked: string) =>
      `If this address${masked} can receive email, we just sent it a link to manage your preferences. It is valid for a short time; we send at most one a day.`,
    errorTitle: 'Service temporarily unavailable',
    errorLead:
      'Your request could not be recorded: nothing has changed. Please try again in a moment with the same link.',
    unconfirmedTitle: 'Request received, not yet confirmed',
    unconfirmedLead:
      'Your request is received and will be applied, but we could not confirm that it stops every message from now on. Please try again in a moment with the same link to confirm it.',
  },
} as const;

/** GET /u/{token}: one button that confirms; the page alone changes nothing (link scanners prefetch). */
export function confirmPage(lang: Lang, scope: Scope): string {
  const t = TEXT[lang];
  return page(
    lang,
    t.confirmTitle,
    `<h1>${t.confirmTitle}</h1>
<p>${t.confirmLead(scope)}</p>
<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<input type="hidden" name="via" value="page">
<button type="submit">${t.confirmButton}</button>
</form>
<p class="muted">${t.confirmNote}</p>${addressLine(lang, scope)}${preferencesLink(lang)}`,
  );
}

export function donePage(lang: Lang, scope: Scope): string {
  const t = TEXT[lang];
  return page(
    lang,
    t.doneTitle,
    `<h1>${t.doneTitle}</h1>\n<p>${t.doneLead(scope)}</p>\n<p class="muted">${t.doneNote}</p>${addressLine(lang, scope)}${preferencesLink(lang)}`,
  );
}

/**
 * R15: a fresh preferences link was (or, within the window or for an address that cannot
 * receive mail, was not) mailed: the same page either way, the link never on it.
 */
export function linkSentPage(lang: Lang, maskedAddress: string | undefined): string {
  const t = TEXT[lang];
  const masked = maskedAddress === undefined ? '' : ` (${escapeHtml(maskedAddress)})`;
  return page(lang, t.linkSentTitle, `<h1>${t.linkSentTitle}</h1>\n<p>${t.linkSentLead(masked)}</p>`);
}

/** Reveals nothing: the same page whatever is wrong with the token. */
export function invalidLinkPage(lang: Lang): string {
  const t = TEXT[lang];
  return page(lang, t.invalidTitle, `<h1>${t.invalidTitle}</h1>\n<p>${t.invalidLead}</p>`);
}

export function errorPage(lang: Lang): string {
  const t = TEXT[lang];
  return page(lang, t.errorTitle, `<h1>${t.errorTitle}</h1>\n<p>${t.errorLead}</p>`);
}

/**
 * R7: the objection is on the durable queue (it will be applied) but not where every send
 * reads it at once (the pending objections could not be written): not "done", since a
 * message could still be decided before the queue is drained. A 503 asks for the retry that
 * confirms it; the retry records nothing twice.
 */
export function unconfirmedPage(lang: Lang): string {
  const t = TEXT[lang];
  return page(lang, t.unconfirmedTitle, `<h1>${t.unconfirmedTitle}</h1>\n<p>${t.unconfirmedLead}</p>`);
}
