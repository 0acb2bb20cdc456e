import { frenchSpacingOf } from '../../domain/french-typography';
import type { PreferenceStatus } from '../../domain/preferences';
import type { Purpose, Wording } from '../../schemas/tenant';
import { escapeHtml as e, type Lang, page } from './layout';

/**
 * R15 and R3 pages: the preference centre (`/p/{token}`) and the consent page
 * (`/c/{token}`). Plain forms that post back to the same URL: no script, no third-party
 * asset, every box labelled, nothing pre-ticked without a consent.
 */
const TEXT = {
  fr: frenchSpacingOf({
    prefTitle: 'Vos préférences e-mail',
    prefLead: (brand: string) =>
      `Choisissez ce que ${e(brand)} vous envoie à cette adresse. Vos choix prennent effet immédiatement.`,
    channelEmail: 'Par e-mail',
    save: 'Enregistrer mes choix',
    saved: 'Vos choix sont enregistrés. Ils prennent effet dès le prochain envoi.',
    nothingChanged: 'Rien n’a changé.',
    suppressedBounce:
      'Les e-mails envoyés à cette adresse nous sont revenus (adresse introuvable) : aucun e-mail commercial ne peut plus y être envoyé, même si vous cochez une case. Vos choix sont tout de même enregistrés.',
    suppressedComplaint:
      'Un e-mail envoyé à cette adresse a été signalé comme indésirable : aucun e-mail commercial ne lui est plus envoyé, même si vous cochez une case. Vos choix sont tout de même enregistrés.',
    savedSuppressed:
      'Vos choix sont enregistrés, mais aucun e-mail commercial ne peut être envoyé à cette adresse.',
    consentedSince: (d: string) => `Vous avez donné votre accord le ${d}.`,
    otherBasis: (basis: string) =>
      `Vous recevez ces e-mails sans nous avoir donné votre accord explicite (${basis}). Vous pouvez les arrêter.`,
    off: 'Vous ne recevez pas ces e-mails.',
    stop: 'Ne plus recevoir ces e-mails',
    stopAllTitle: 'Tout arrêter',
    stopAll: 'Ne plus recevoir aucun e-mail commercial',
    stopAllNote: 'Un seul clic, gratuit, immédiat.',
    alwaysTitle: 'Toujours envoyés',
    alwaysLead: 'Ces messages sont nécessaires à votre contrat (commandes, sécurité du compte) :',
    dataTitle: 'Vos données',
    download: 'Télécharger mes données',
    downloadNote: 'Un fichier JSON avec tout ce que nous conservons sur vous.',
    forget: 'M’oublier',
    forgetNote:
      'Efface vos données. Nous gardons seulement une empreinte de votre adresse pour ne plus jamais vous écrire.',
    basis: {
      soft_opt_in: 'en tant que client',
      legitimate_interest_b2b: 'à titre professionnel',
      non_commercial: 'information non commerciale',
      consent: 'accord',
      contract: 'contrat',
      repermission: 'demande d’accord',
    },
    staleTitle: 'Gérer vos préférences',
    staleLead: (brand: string, masked: string) =>
      `Pour protéger vos données, ce lien n’ouvre plus vos préférences chez ${e(brand)}. Nous pouvons envoyer un lien valable peu de temps à l’adresse elle-même${masked}.`,
    staleButton: 'Recevoir par e-mail un lien pour gérer mes préférences',
    exportTitle: 'Télécharger vos données ?',
    exportLead: (brand: string) =>
      `Le fichier contient tout ce que ${e(brand)} conserve sur vous : votre adresse, vos choix, l’historique des messages. Ne le téléchargez que sur un appareil qui est le vôtre.`,
    exportConfirm: 'Oui, télécharger mes données',
    stoppedTitle: 'C’est noté : plus aucun e-mail commercial',
    stoppedLead: (brand: string) =>
      `${e(brand)} ne vous enverra plus aucun e-mail commercial. Cela prend effet immédiatement.`,
    back: 'Revenir à mes préférences',
    forgetTitle: 'Effacer mes données ?',
    forgetLead: (brand: string) =>
      `${e(brand)} effacera votre profil, vos consentements et l’historique des messages. Il gardera seulement une empreinte chiffrée de votre adresse, la date et la preuve de votre demande, pour ne plus jamais vous écrire, même si votre adresse revient dans un fichier.`,
    forgetConfirm: 'Oui, effacer mes données',
    forgottenTitle: 'Vos données sont effacées',
    forgottenLead: (brand: string) =>
      `C’est fait. ${e(brand)} ne conserve que l’empreinte de votre adresse et la preuve de votre demande, pour ne plus vous écrire.`,
    consentTitle: 'Choisissez ce que vous souhaitez recevoir',
    consentLead: (brand: string) =>
      `${e(brand)} vous demande votre accord. Rien n’est coché : cochez seulement ce que vous voulez.`,
    consentButton: 'Valider mes choix',
    consentNote:
      'Nous vous enverrons un e-mail de confirmation : votre accord ne compte qu’une fois le lien de cet e-mail ouvert et confirmé.',
    checkInboxTitle: 'Vérifiez votre boîte de réception',
    checkInboxLead:
      'Nous vous avons envoyé un e-mail. Ouvrez le lien qu’il contient pour confirmer : tant que vous ne l’avez pas fait, rien ne vous sera envoyé.',
    alreadySentTitle: 'Un lien vous a déjà été envoyé',
    alreadySentLead:
      'Un e-mail de confirmation a déjà été envoyé récemment à cette adresse. Ouvrez le lien qu’il contient pour confirmer ; nous n’en enverrons pas d’autre pour le moment.',
    noEmailTitle: 'Aucun e-mail ne peut être envoyé à cette adresse',
    noEmailLead:
      'Nous ne pouvons pas vous envoyer d’e-mail de confirmation à cette adresse. Rien n’a été enregistré.',
    nothingTitle: 'Aucun choix enregistré',
    nothingLead: 'Vous n’avez rien coché : nous ne vous enverrons rien.',
    confirmTitle: 'Confirmer votre inscription',
    confirmLead: (brand: string) => `Vous avez demandé à recevoir de ${e(brand)} :`,
    confirmButton: 'Je confirme',
    confirmedTitle: 'Inscription confirmée',
    confirmedLead: (brand: string) => `Merci. ${e(brand)} pourra vous envoyer :`,
  }),
  en: {
    prefTitle: 'Your email preferences',
    prefLead: (brand: string) =>
      `Choose what ${e(brand)} sends you at this address. Your choices take effect at once.`,
    channelEmail: 'By email',
    save: 'Save my choices',
    saved: 'Your choices are saved. They take effect from the very next message.',
    nothingChanged: 'Nothing changed.',
    suppressedBounce:
      'Emails sent to this address bounced (the address could not be found), so no marketing email can be sent to it, even if you tick a box. Your choices are still recorded.',
    suppressedComplaint:
      'An email sent to this address was reported as spam, so no marketing email is sent to it any more, even if you tick a box. Your choices are still recorded.',
    savedSuppressed: 'Your choices are saved, but marketing email cannot be sent to this address.',
    consentedSince: (d: string) => `You agreed on ${d}.`,
    otherBasis: (basis: string) =>
      `You receive these emails without having given us your explicit agreement (${basis}). You can stop them.`,
    off: 'You do not receive these emails.',
    stop: 'Stop these emails',
    stopAllTitle: 'Stop everything',
    stopAll: 'Stop all marketing emails',
    stopAllNote: 'One click, free, immediate.',
    alwaysTitle: 'Always sent',
    alwaysLead: 'These messages are needed for your contract (orders, account security):',
    dataTitle: 'Your data',
    download: 'Download my data',
    downloadNote: 'A JSON file with everything we hold about you.',
    forget: 'Forget me',
    forgetNote:
      'Erases your data. We keep only a fingerprint of your address so that we never write to you again.',
    basis: {
      soft_opt_in: 'as a customer',
      legitimate_interest_b2b: 'professional interest',
      non_commercial: 'non-commercial information',
      consent: 'consent',
      contract: 'contract',
      repermission: 'consent request',
    },
    staleTitle: 'Manage your preferences',
    staleLead: (brand: string, masked: string) =>
      `To protect your data, this link no longer opens your preferences with ${e(brand)}. We can send a short-lived link to the address itself${masked}.`,
    staleButton: 'Email me a link to manage my preferences',
    exportTitle: 'Download your data?',
    exportLead: (brand: string) =>
      `The file holds everything ${e(brand)} keeps about you: your address, your choices, the history of messages. Download it only on a device of your own.`,
    exportConfirm: 'Yes, download my data',
    stoppedTitle: 'Done: no more marketing emails',
    stoppedLead: (brand: string) =>
      `${e(brand)} will send you no marketing email any more. This takes effect at once.`,
    back: 'Back to my preferences',
    forgetTitle: 'Erase my data?',
    forgetLead: (brand: string) =>
      `${e(brand)} will erase your profile, your consents and the history of messages. It keeps only a keyed fingerprint of your address, the date and the proof of your request, so that it never writes to you again, even if your address comes back in a file.`,
    forgetConfirm: 'Yes, erase my data',
    forgottenTitle: 'Your data is erased',
    forgottenLead: (brand: string) =>
      `Done. ${e(brand)} keeps only the fingerprint of your address and the proof of your request, so that it never writes to you again.`,
    consentTitle: 'Choose what you want to receive',
    consentLead: (brand: string) =>
      `${e(brand)} asks for your agreement. Nothing is ticked: tick only what you want.`,
    consentButton: 'Confirm my choices',
    consentNote:
      'We will send you a confirmation email: your agreement only counts once you open its link and confirm.',
    checkInboxTitle: 'Check your inbox',
    checkInboxLead:
      'We sent you an email. Open its link to confirm: until you do, nothing will be sent to you.',
    alreadySentTitle: 'A link was already sent',
    alreadySentLead:
      'A confirmation email was sent to this address recently. Open its link to confirm; we will not send another one for now.',
    noEmailTitle: 'No email can be sent to this address',
    noEmailLead: 'We cannot send a confirmation email to this address. Nothing was recorded.',
    nothingTitle: 'Nothing recorded',
    nothingLead: 'You ticked nothing: we will send you nothing.',
    confirmTitle: 'Confirm your subscription',
    confirmLead: (brand: string) => `You asked to receive from ${e(brand)}:`,
    confirmButton: 'I confirm',
    confirmedTitle: 'Subscription confirmed',
    confirmedLead: (brand: string) => `Thank you. ${e(brand)} may now send you:`,
  },
} as const;

function formatDate(lang: Lang, iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', {
    dateStyle: 'long',
    timeZone: 'UTC',
  }).format(date);
}

function actionForm(action: string, label: string, className: string, note?: string): string {
  return `<form method="post">
<input type="hidden" name="action" value="${action}">
<button type="submit" class="${className}">${label}</button>
</form>${note ? `\n<p class="muted">${note}</p>` : ''}`;
}

export interface PreferencePageRow {
  readonly purpose: Purpose;
  readonly status: PreferenceStatus;
  readonly wording: Wording;
}

export function preferencePage(
  lang: Lang,
  view: {
    brand: string;
    rows: readonly PreferencePageRow[];
    transactional: readonly Purpose[];
    /** R8: say why every box stays unticked. */
    suppressed?: 'bounce' | 'complaint' | undefined;
  },
  notice?: 'saved' | 'unchanged',
): string {
  const t = TEXT[lang];
  const rows = view.rows
    .map(({ purpose, status, wording }) => {
      const id = e(purpose.id);
      const statusText =
        status.kind === 'consented'
          ? t.consentedSince(formatDate(lang, status.since))
          : status.kind === 'other_basis'
            ? t.otherBasis(t.basis[status.basis])
            : t.off;
      const stop =
        status.kind === 'other_basis'
          ? `\n<input type="checkbox" id="stop-${id}" name="stop" value="${id}">\n<label for="stop-${id}">${t.stop}</label>`
          : '';
      return `<div class="choice">
<input type="checkbox" id="p-${id}" name="purpose" value="${id}"${status.kind === 'consented' ? ' checked' : ''} aria-describedby="s-${id}">
<label for="p-${id}"><span class="purpose-name">${e(purpose.name)}</span>${e(wording.text)}</label>
<input type="hidden" name="wording:${id}" value="${e(wording.versionId)}">
<p class="detail muted" id="s-${id}">${statusText}</p>${stop}
</div>`;
    })
    .join('\n');
  const saved = view.suppressed === undefined ? t.saved : t.savedSuppressed;
  const noticeHtml =
    notice === undefined
      ? ''
      : `<p class="notice" role="status">${notice === 'saved' ? saved : t.nothingChanged}</p>\n`;
  const suppressedHtml =
    view.suppressed === undefined
      ? ''
      : `<p class="notice warning" role="status">${view.suppressed === 'bounce' ? t.suppressedBounce : t.suppressedComplaint}</p>\n`;
  const always =
    view.transactional.length === 0
      ? ''
      : `<h2>${t.alwaysTitle}</h2>
<p>${t.alwaysLead}</p>
<ul class="plain">${view.transactional.map((p) => `<li>${e(p.name)}</li>`).join('')}</ul>`;
  return page(
    lang,
    t.prefTitle,
    `<h1>${t.prefTitle}</h1>
${noticeHtml}${suppressedHtml}<p>${t.prefLead(view.brand)}</p>
<form method="post">
<input type="hidden" name="action" value="save">
<fieldset>
<legend>${t.channelEmail}</legend>
${rows}
</fieldset>
<button type="submit">${t.save}</button>
</form>
<h2>${t.stopAllTitle}</h2>
${actionForm('stop_all', t.stopAll, 'secondary', t.stopAllNote)}
${always}
<h2>${t.dataTitle}</h2>
${actionForm('export', t.download, 'secondary', t.downloadNote)}
${actionForm('forget', t.forget, 'danger', t.forgetNote)}`,
  );
}

/**
 * R15 (amended): a preferences link that is not fresh (one a sender put in a body, which
 * travels with forwarded mail): the masked address, a button that mails a fresh link to
 * the address, and "stop all" (R7: objecting needs no proof of identity). Nothing else.
 */
export function stalePreferencesPage(lang: Lang, brand: string, maskedAddress: string | undefined): string {
  const t = TEXT[lang];
  const masked = maskedAddress === undefined ? '' : ` (${e(maskedAddress)})`;
  return page(
    lang,
    t.staleTitle,
    `<h1>${t.staleTitle}</h1>\n<p>${t.staleLead(brand, masked)}</p>\n${actionForm('preferences_link', t.staleButton, '')}\n<h2>${t.stopAllTitle}</h2>\n${actionForm('stop_all', t.stopAll, 'secondary', t.stopAllNote)}`,
  );
}

/** R15: the confirmation step before the export (a fresh link only reaches it). */
export function exportConfirmPage(lang: Lang, brand: string): string {
  const t = TEXT[lang];
  return page(
    lang,
    t.exportTitle,
    `<h1>${t.exportTitle}</h1>\n<p>${t.exportLead(brand)}</p>\n${actionForm('export_confirmed', t.exportConfirm, '')}\n<p><a href="">${t.back}</a></p>`,
  );
}

export function stoppedPage(lang: Lang, brand: string): string {
  const t = TEXT[lang];
  return page(
    lang,
    t.stoppedTitle,
    `<h1>${t.stoppedTitle}</h1>\n<p>${t.stoppedLead(brand)}</p>\n<p><a href="">${t.back}</a></p>`,
  );
}

export function forgetConfirmPage(lang: Lang, brand: string): string {
  const t = TEXT[lang];
  return page(
    lang,
    t.forgetTitle,
    `<h1>${t.forgetTitle}</h1>\n<p>${t.forgetLead(brand)}</p>\n${actionForm('forget_confirmed', t.forgetConfirm, 'danger')}\n<p><a href="">${t.back}</a></p>`,
  );
}

export function forgottenPage(lang: Lang, brand: string): string {
  const t = TEXT[lang];
  return page(lang, t.forgottenTitle, `<h1>${t.forgottenTitle}</h1>\n<p>${t.forgottenLead(brand)}</p>`);
}

export function consentPage(
  lang: Lang,
  brand: string,
  offered: readonly { purpose: Purpose; wording: Wording }[],
): string {
  const t = TEXT[lang];
  const rows = offered
    .map(({ purpose, wording }) => {
      const id = e(purpose.id);
      return `<div class="choice">
<input type="checkbox" id="p-${id}" name="purpose" value="${id}">
<label for="p-${id}"><span class="purpose-name">${e(purpose.name)}</span>${e(wording.text)}</label>
<input type="hidden" name="wording:${id}" value="${e(wording.versionId)}">
</div>`;
    })
    .join('\n');
  return page(
    lang,
    t.consentTitle,
    `<h1>${t.consentTitle}</h1>
<p>${t.consentLead(brand)}</p>
<form method="post">
<input type="hidden" name="action" value="request">
<fieldset>
<legend>${t.channelEmail}</legend>
${rows}
</fieldset>
<button type="submit">${t.consentButton}</button>
</form>
<p class="muted">${t.consentNote}</p>`,
  );
}

export function checkInboxPage(lang: Lang): string {
  const t = TEXT[lang];
  return page(lang, t.checkInboxTitle, `<h1>${t.checkInboxTitle}</h1>\n<p>${t.checkInboxLead}</p>`);
}

/** R3: a confirmation for these purposes is already pending (no confirmation floods). */
export function alreadySentPage(lang: Lang): string {
  const t = TEXT[lang];
  return page(lang, t.alreadySentTitle, `<h1>${t.alreadySentTitle}</h1>\n<p>${t.alreadySentLead}</p>`);
}

/** R8: the address is suppressed; the page does not say why (a bounce or a complaint is nobody else's business). */
export function noEmailPage(lang: Lang): string {
  const t = TEXT[lang];
  return page(lang, t.noEmailTitle, `<h1>${t.noEmailTitle}</h1>\n<p>${t.noEmailLead}</p>`);
}

export function nothingChosenPage(lang: Lang): string {
  const t = TEXT[lang];
  return page(lang, t.nothingTitle, `<h1>${t.nothingTitle}</h1>\n<p>${t.nothingLead}</p>`);
}

const list = (purposes: readonly Purpose[]) =>
  `<ul class="plain">${purposes.map((p) => `<li>${e(p.name)}</li>`).join('')}</ul>`;

export function confirmSubscriptionPage(lang: Lang, brand: string, purposes: readonly Purpose[]): string {
  const t = TEXT[lang];
  return page(
    lang,
    t.confirmTitle,
    `<h1>${t.confirmTitle}</h1>\n<p>${t.confirmLead(brand)}</p>\n${list(purposes)}\n${actionForm('confirm', t.confirmButton, '')}`,
  );
}

export function confirmedPage(lang: Lang, brand: string, purposes: readonly Purpose[]): string {
  const t = TEXT[lang];
  return page(
    lang,
    t.confirmedTitle,
    `<h1>${t.confirmedTitle}</h1>\n<p>${t.confirmedLead(brand)}</p>\n${list(purposes)}`,
  );
}
