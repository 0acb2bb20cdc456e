import { frenchSpacingOf } from '../../domain/french-typography';
import { offeredMailto, recordedLinkOf } from '../../domain/sent-unsubscribe';
import { NotFoundError } from '../../ports/gateway-store';
import type { AuditVerification } from '../../schemas/audit-verify';
import { type Justification, justifyMessage, type ResolvedProof } from '../../services/justify-message';
import { escapeHtml as e, type Lang } from '../pages/layout';
import { evidenceNote, messageEvidenceForm } from './evidence';
import { addressFields, type Issue, issueList, issuesOf, messageLookupSchema, parseForm } from './fields';
import { badge, facts, instant } from './layout';
import type { ConsoleRequest, ConsoleRoute } from './router';

/**
 * Justify a message (R3, R15): by message id and the recipient's address, the decision, its
 * basis, the proof behind it and the verification of the recipient's audit chains. A lookup
 * reads only: both roles may post it (a POST, so that the address stays out of URLs and logs).
 */
const TEXT = {
  en: {
    nav: 'Justify a message',
    title: 'Justify a message',
    lead: 'Why was this person sent that message? Give the message id (the sender got it in the answer to its send) and the address it went to: the address is hashed for the lookup, as the API does, and not kept.',
    messageId: 'Message id',
    submit: 'Justify',
    notFound: 'No message with this id was sent to this address by your tenant.',
    decision: 'Decision',
    outcomeLabel: 'Outcome',
    verdict: 'Verdict',
    outcome: {
      sent: 'sent',
      failed: 'not sent: the provider failed',
      deferred: 'deferred (SMS hours, R14)',
      scheduled: 'scheduled',
      cancelled: 'cancelled by its sender',
    },
    decidedAt: 'Decided at',
    purpose: 'Purpose',
    category: 'Category',
    from: 'From',
    basis: 'Basis',
    senderKey: 'Sender key',
    proof: 'Proof',
    proofKind: {
      consent: 'Consent (R1, R3)',
      purchase: 'Purchase: soft opt-in (R2)',
      collection: 'Collection notice (R4, R5)',
      purpose: 'Transactional purpose: the contract (R6)',
      role_address: 'A role address of an organisation (R4)',
      repermission: 'Repermission (R13)',
      unknown: 'Proof as recorded',
    },
    consentId: 'Consent id',
    givenAt: 'Given at',
    method: 'Method',
    wording: 'Wording shown',
    wordingVersion: 'Wording version',
    source: 'Source',
    controllers: 'Controllers named',
    ip: 'IP address',
    userAgent: 'User agent',
    confirmedAt: 'Double opt-in confirmed at',
    recordedAt: 'Recorded at',
    explicit: 'Explicit (R12)',
    yes: 'yes',
    no: 'no',
    replaced:
      'The consent this message relied on has since been replaced by a newer one: below is what the audit trail kept of it.',
    withdrawn: 'Withdrawn since, at',
    productFamily: 'Product family',
    orderRef: 'Order reference',
    informed: 'Informed at collection',
    optOutOffered: 'Opt-out offered at collection',
    duringSale: 'Collected during a sale',
    detail: 'Detail',
    notKept: 'not kept',
    audit: 'Audit chain of this recipient',
    auditOk: 'verified',
    auditBroken: 'broken',
    changes: 'Changes',
    decisions: 'Decisions',
    events: (n: number, t: number) => `${n} events, ${t} tombstones`,
    unchained: 'Events from before the chain',
    brokenAt: 'Break',
    trail: 'Events of this message',
    at: 'At',
    type: 'Event',
    actor: 'Actor',
    why: 'Why',
    recipientKey: 'Recipient key',
    openRecipient: 'Open this recipient',
    unsubscribe: 'Unsubscribe it carried',
    link: 'Link (footer and List-Unsubscribe)',
    mailto: 'mailto: address offered',
    placed: 'Placed',
    placedParts: (html: number, text: number) =>
      [html > 0 ? 'HTML footer' : undefined, text > 0 ? 'text footer' : undefined]
        .filter((p) => p !== undefined)
        .join(', ') || 'no body part',
    placedMime: (html: number, text: number) =>
      `raw MIME: the footer in ${html} HTML and ${text} text body ${text === 1 ? 'part' : 'parts'}`,
    token: 'Token',
    tokenFacts: (keyId: string, purpose: string, channel: string) =>
      `signed with key ${keyId}, for purpose ${purpose} by ${channel}, naming this recipient and this message`,
    mention: 'Opt-out mention (R10)',
    fingerprinted:
      'No link or address here works: each token (in a link) and id (in a mailto: address) is replaced by {sha256:…}, the first 16 hex digits of its SHA-256, so that clicking one in this page or an evidence pack does not unsubscribe the person. Hash the token of the link in the mail as received to find the same digits.',
    noneTransactional: 'None: a transactional message carries no opt-out (R6).',
    notRecorded:
      'Not recorded: this message was sent before the gateway recorded the unsubscribe link and headers with its decision.',
    notSent: 'Nothing yet: the message has not been sent.',
  },
  fr: frenchSpacingOf({
    nav: 'Justifier un message',
    title: 'Justifier un message',
    lead: 'Pourquoi cette personne a-t-elle reçu ce message ? Indiquez l’identifiant du message (l’expéditeur l’a reçu en réponse à son envoi) et l’adresse à laquelle il est parti : l’adresse est hachée pour la recherche, comme le fait l’API, et n’est pas conservée.',
    messageId: 'Identifiant du message',
    submit: 'Justifier',
    notFound: 'Aucun message de cet identifiant n’a été envoyé à cette adresse par votre organisation.',
    decision: 'Décision',
    outcomeLabel: 'Résultat',
    verdict: 'Verdict',
    outcome: {
      sent: 'envoyé',
      failed: 'non envoyé : le fournisseur a échoué',
      deferred: 'différé (heures d’envoi des SMS, R14)',
      scheduled: 'programmé',
      cancelled: 'annulé par son expéditeur',
    },
    decidedAt: 'Décidé le',
    purpose: 'Finalité',
    category: 'Catégorie',
    from: 'Expéditeur',
    basis: 'Base légale',
    senderKey: 'Clé d’envoi',
    proof: 'Preuve',
    proofKind: {
      consent: 'Consentement (R1, R3)',
      purchase: 'Achat : soft opt-in (R2)',
      collection: 'Information à la collecte (R4, R5)',
      purpose: 'Finalité transactionnelle : le contrat (R6)',
      role_address: 'Adresse générique d’une organisation (R4)',
      repermission: 'Demande de consentement (R13)',
      unknown: 'Preuve telle qu’enregistrée',
    },
    consentId: 'Identifiant du consentement',
    givenAt: 'Donné le',
    method: 'Méthode',
    wording: 'Texte présenté',
    wordingVersion: 'Version du texte',
    source: 'Source',
    controllers: 'Responsables nommés',
    ip: 'Adresse IP',
    userAgent: 'Navigateur (user agent)',
    confirmedAt: 'Double opt-in confirmé le',
    recordedAt: 'Enregistré le',
    explicit: 'Explicite (R12)',
    yes: 'oui',
    no: 'non',
    replaced:
      'Le consentement sur lequel reposait ce message a depuis été remplacé par un plus récent : voici ce que la piste d’audit en a gardé.',
    withdrawn: 'Retiré depuis, le',
    productFamily: 'Famille de produits',
    orderRef: 'Référence de commande',
    informed: 'Informé à la collecte',
    optOutOffered: 'Opposition proposée à la collecte',
    duringSale: 'Collectée lors d’une vente',
    detail: 'Détail',
    notKept: 'non conservé',
    audit: 'Chaîne d’audit de ce destinataire',
    auditOk: 'vérifiée',
    auditBroken: 'rompue',
    changes: 'Modifications',
    decisions: 'Décisions',
    events: (n: number, t: number) => `${n} événements, ${t} pierres tombales`,
    unchained: 'Événements antérieurs à la chaîne',
    brokenAt: 'Rupture',
    trail: 'Événements de ce message',
    at: 'Date',
    type: 'Événement',
    actor: 'Acteur',
    why: 'Motif',
    recipientKey: 'Clé du destinataire',
    openRecipient: 'Ouvrir ce destinataire',
    unsubscribe: 'Désinscription qu’il portait',
    link: 'Lien (pied du message et List-Unsubscribe)',
    mailto: 'Adresse mailto: proposée',
    placed: 'Emplacement',
    placedParts: (html: number, text: number) =>
      [html > 0 ? 'pied HTML' : undefined, text > 0 ? 'pied texte' : undefined]
        .filter((p) => p !== undefined)
        .join(', ') || 'aucune partie',
    placedMime: (html: number, text: number) =>
      `MIME brut : le pied dans ${html} ${html > 1 ? 'parties' : 'partie'} HTML et ${text} ${text > 1 ? 'parties' : 'partie'} texte`,
    token: 'Jeton',
    tokenFacts: (keyId: string, purpose: string, channel: string) =>
      `signé avec la clé ${keyId}, pour la finalité ${purpose} par ${channel}, au nom de ce destinataire et de ce message`,
    mention: 'Mention d’opposition (R10)',
    fingerprinted:
      'Aucun lien ni adresse ne fonctionne ici : chaque jeton (d’un lien) et identifiant (d’une adresse mailto:) est remplacé par {sha256:…}, les 16 premiers chiffres hexadécimaux de son SHA-256, pour qu’un clic dans cette page ou dans un dossier de preuve ne désinscrive pas la personne. Hachez le jeton du lien du message tel que reçu pour retrouver les mêmes chiffres.',
    noneTransactional: 'Aucune : un message transactionnel ne porte pas d’opposition (R6).',
    notRecorded:
      'Non enregistré : ce message a été envoyé avant que la passerelle n’enregistre le lien et les en-têtes de désinscription avec sa décision.',
    notSent: 'Rien pour l’instant : le message n’a pas été envoyé.',
  }),
} as const;

type Texts = (typeof TEXT)[Lang];

const code = (v: string | undefined) => (v === undefined || v === '' ? undefined : `<code>${e(v)}</code>`);
const text = (v: string | undefined) => (v === undefined || v === '' ? undefined : e(v));

function proofHtml(lang: Lang, t: Texts, proof: ResolvedProof): string {
  const yesNo = (v: boolean | undefined) => (v === undefined ? undefined : v ? t.yes : t.no);
  switch (proof.type) {
    case 'consent': {
      const g = proof.grant;
      const given = proof.given?.data as Record<string, unknown> | undefined;
      const wording = proof.wording;
      const rows = facts([
        [t.consentId, code(proof.ref)],
        [t.givenAt, instant(lang, g?.givenAt ?? (given?.givenAt as string | undefined))],
        [t.method, code(g?.method ?? (given?.method as string | undefined))],
        [t.wording, wording === undefined ? undefined : `<blockquote>${e(wording.text)}</blockquote>`],
        [t.wordingVersion, code(g?.wordingVersion)],
        [t.source, text(g?.source)],
        [t.controllers, g?.controllers === undefined ? undefined : e(g.controllers.join(', '))],
        [t.ip, g === undefined ? undefined : (text(g.ip) ?? t.notKept)],
        [t.userAgent, g === undefined ? undefined : (text(g.userAgent) ?? t.notKept)],
        [t.confirmedAt, g?.confirmedAt === undefined ? undefined : instant(lang, g.confirmedAt)],
        [t.explicit, g === undefined ? undefined : yesNo(g.explicit)],
        [t.recordedAt, g === undefined ? undefined : instant(lang, g.recordedAt)],
        [t.withdrawn, proof.withdrawnAt === undefined ? undefined : instant(lang, proof.withdrawnAt)],
      ]);
      return `${g === undefined ? `<p class="notice warning">${t.replaced}</p>\n` : ''}${rows}`;
    }
    case 'purchase':
      return facts([
        [t.productFamily, code(proof.purchase?.productFamily ?? proof.detail)],
        [t.givenAt, instant(lang, proof.purchase?.at ?? proof.at)],
        [t.orderRef, code(proof.purchase?.ref)],
      ]);
    case 'collection':
      return facts([
        [t.givenAt, instant(lang, proof.collection?.at ?? proof.at)],
        [t.source, text(proof.collection?.source ?? proof.detail)],
        [t.informed, yesNo(proof.collection?.informed)],
        [t.optOutOffered, yesNo(proof.collection?.optOutOffered)],
        [t.duringSale, yesNo(proof.collection?.duringSale)],
      ]);
    case 'purpose':
      return facts([[t.purpose, `${text(proof.purposeName) ?? ''} ${code(proof.purposeId) ?? ''}`.trim()]]);
    case 'role_address':
      return '';
    case 'repermission':
      return facts([
        [t.detail, code(proof.detail)],
        [t.givenAt, proof.at === undefined ? undefined : instant(lang, proof.at)],
      ]);
    case 'unknown':
      return `<pre class="mono">${e(JSON.stringify(proof.raw, null, 2) ?? '')}</pre>`;
  }
}

/**
 * R10: what the message carried to unsubscribe, as its decision recorded it. Links are shown as
 * code, never as anchors: what is recorded works nowhere (its credentials are fingerprinted).
 */
export function unsubscribeHtml(
  lang: Lang,
  u: Justification['unsubscribe'],
  message: Pick<Justification, 'purpose' | 'channel'>,
): string {
  const t = TEXT[lang];
  if (u.status === 'not_recorded') return `<p class="notice warning">${t.notRecorded}</p>`;
  if (u.status === 'not_sent') return `<p>${t.notSent}</p>`;
  const c = u.carried;
  switch (c.kind) {
    case 'none':
      return `<p>${t.noneTransactional}</p>`;
    case 'sms':
      return facts([[t.mention, `<blockquote>${e(c.mention)}</blockquote>`]]);
    case 'email':
      return `${facts([
        [t.link, code(recordedLinkOf(c))],
        ['List-Unsubscribe', code(c.listUnsubscribe)],
        ['List-Unsubscribe-Post', code(c.oneClick ? 'List-Unsubscribe=One-Click' : undefined)],
        [t.mailto, offeredMailto(c) ? t.yes : t.no],
        [
          t.placed,
          e(
            c.placed.in === 'mime'
              ? t.placedMime(c.placed.html, c.placed.text)
              : t.placedParts(c.placed.html, c.placed.text),
          ),
        ],
        [t.token, e(t.tokenFacts(c.keyId, message.purpose, message.channel))],
      ])}
<p class="muted">${t.fingerprinted}</p>`;
  }
}

/** The verification of a recipient's chains (services/audit-verify.ts), shared with the recipient page. */
export function auditHtml(lang: Lang, audit: AuditVerification): string {
  const t = TEXT[lang];
  const chain = (c: AuditVerification['changes']) =>
    c.ok ? `${badge('ok', t.auditOk)} ${t.events(c.events, c.tombstones)}` : badge('bad', t.auditBroken);
  return `${facts([
    [t.verdict, audit.ok ? badge('ok', t.auditOk) : badge('bad', t.auditBroken)],
    [t.changes, chain(audit.changes)],
    [t.decisions, chain(audit.decisions)],
    [t.unchained, String(audit.unchained)],
    [t.brokenAt, audit.break === undefined ? undefined : e(`${audit.break.chain}: ${audit.break.detail}`)],
  ])}`;
}

function resultHtml(r: ConsoleRequest, j: Justification, address: string): string {
  const t = TEXT[r.lang];
  const lang = r.lang;
  const events = j.events
    .map(
      (ev) =>
        `<tr><td>${instant(lang, ev.at)}</td><td><code>${e(ev.type)}</code></td><td><code>${e(ev.actor.type)}${ev.actor.id ? ` ${ev.actor.id.slice(0, 8)}` : ''}</code></td><td>${e(ev.why)}</td></tr>`,
    )
    .join('');
  return `<section aria-labelledby="decision">
<h2 id="decision">${t.decision}</h2>
${facts([
  [
    t.outcomeLabel,
    badge(j.outcome === 'sent' ? 'ok' : j.outcome === 'failed' ? 'bad' : 'neutral', t.outcome[j.outcome]),
  ],
  [t.decidedAt, instant(lang, j.decidedAt)],
  [t.purpose, `${text(j.purposeName) ?? ''} ${code(j.purpose) ?? ''}`.trim()],
  [t.category, code(j.category)],
  [t.from, text(j.from)],
  [t.basis, code(j.basis)],
  [t.senderKey, code(j.senderKeyId)],
  [t.recipientKey, code(j.recipientKey)],
])}
<form method="post" action="/console/recipient">
${r.csrfField}
<input type="hidden" name="channel" value="${e(j.channel)}">
<input type="hidden" name="address" value="${e(address)}">
<button type="submit" class="secondary">${t.openRecipient}</button>
</form>
${messageEvidenceForm(r, { channel: j.channel, address, messageId: j.messageId })}
${evidenceNote(lang)}
</section>
<section aria-labelledby="proof">
<h2 id="proof">${t.proof}: ${t.proofKind[j.proof.type]}</h2>
${proofHtml(lang, t, j.proof)}
</section>
<section aria-labelledby="unsubscribe">
<h2 id="unsubscribe">${t.unsubscribe}</h2>
${unsubscribeHtml(lang, j.unsubscribe, j)}
</section>
<section aria-labelledby="audit">
<h2 id="audit">${t.audit}</h2>
${auditHtml(lang, j.audit)}
</section>
<section aria-labelledby="trail">
<h2 id="trail">${t.trail}</h2>
<div class="table-wrap"><table>
<thead><tr><th scope="col">${t.at}</th><th scope="col">${t.type}</th><th scope="col">${t.actor}</th><th scope="col">${t.why}</th></tr></thead>
<tbody>${events}</tbody>
</table></div>
</section>`;
}

function formHtml(
  r: ConsoleRequest,
  values: { channel?: string; address?: string; messageId?: string },
  issues: readonly Issue[],
): string {
  const t = TEXT[r.lang];
  const wrong = issues.some((i) => i.field === 'messageId')
    ? ' aria-invalid="true" aria-describedby="form-errors"'
    : '';
  return `<h1>${t.title}</h1>
<p>${t.lead}</p>
${issueList(issues)}<form method="post" action="/console/justify">
${r.csrfField}
<label class="field" for="messageId">${t.messageId}</label>
<input type="text" id="messageId" name="messageId" autocomplete="off" spellcheck="false" required value="${e(values.messageId ?? '')}"${wrong}>
${addressFields(r.lang, values, issues)}
<div class="actions"><button type="submit">${t.submit}</button></div>
</form>`;
}

export const justifyRoutes: readonly ConsoleRoute[] = [
  {
    path: '/console/justify',
    method: 'GET',
    roles: ['admin', 'compliance'],
    nav: { en: TEXT.en.nav, fr: TEXT.fr.nav },
    render: async (r) => ({ kind: 'page', title: TEXT[r.lang].title, body: formHtml(r, {}, []) }),
  },
  {
    path: '/console/justify',
    method: 'POST',
    roles: ['admin', 'compliance'],
    async render(r) {
      const t = TEXT[r.lang];
      const raw = {
        channel: String(r.form?.get('channel') ?? ''),
        address: String(r.form?.get('address') ?? ''),
        messageId: String(r.form?.get('messageId') ?? ''),
      };
      const parsed = parseForm(messageLookupSchema, r.form);
      if (!parsed.ok)
        return { kind: 'page', status: 400, title: t.title, body: formHtml(r, raw, parsed.issues) };
      try {
        const found = await justifyMessage(r.deps, r.caller, parsed.data);
        return {
          kind: 'page',
          title: t.title,
          body: `${formHtml(r, parsed.data, [])}\n${resultHtml(r, found, parsed.data.address)}`,
        };
      } catch (error) {
        if (error instanceof NotFoundError)
          return {
            kind: 'page',
            status: 404,
            title: t.title,
            body: `${formHtml(r, parsed.data, [])}\n<p class="notice warning" role="status">${t.notFound}</p>`,
          };
        return { kind: 'page', status: 400, title: t.title, body: formHtml(r, raw, issuesOf(error)) };
      }
    },
  },
];
