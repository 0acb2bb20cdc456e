import { frenchSpacingOf } from '../../domain/french-typography';
import { escapeHtml, type Lang, page } from './layout';

interface Scope {
  /** Absent when the objection was queued: the store that names the brand could not be read. */
  readonly brand?: string;
  readonly purposeName: string;
  /** R15: links the preference centre, relative to `/u/{token}` so that it works behind any base URL. */
  readonly preferencesToken?: string;
}

function preferencesLink(lang: Lang, scope: Scope): string {
  if (scope.preferencesToken === undefined) return '';
  const label = lang === 'fr' ? 'Gérer toutes mes préférences e-mail' : 'Manage all my email preferences';
  return `\n<p><a href="../p/${escapeHtml(scope.preferencesToken)}">${label}</a></p>`;
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
    errorTitle: 'Service momentanément indisponible',
    errorLead:
      'Votre demande n’a pas pu être enregistrée : rien n’a changé. Réessayez dans quelques instants avec le même lien.',
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
    errorTitle: 'Service temporarily unavailable',
    errorLead:
      'Your request could not be recorded: nothing has changed. Please try again in a moment with the same link.',
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
<p class="muted">${t.confirmNote}</p>${preferencesLink(lang, scope)}`,
  );
}

export function donePage(lang: Lang, scope: Scope): string {
  const t = TEXT[lang];
  return page(
    lang,
    t.doneTitle,
    `<h1>${t.doneTitle}</h1>\n<p>${t.doneLead(scope)}</p>\n<p class="muted">${t.doneNote}</p>${preferencesLink(lang, scope)}`,
  );
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
