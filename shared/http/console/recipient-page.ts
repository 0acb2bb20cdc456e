import { frenchSpacingOf } from '../../domain/french-typography';
import type { TimelineEntry, TimelineKind } from '../../domain/recipient-timeline';
import { NotFoundError } from '../../ports/gateway-store';
import { type RecipientView, recipientByAddress, recipientByKey } from '../../services/recipient-view';
import { eraseRecipient, exportRecipient } from '../../services/rights';
import { escapeHtml as e, type Lang } from '../pages/layout';
import { evidenceNote, recipientEvidenceForm } from './evidence';
import {
  addressFields,
  addressLookupSchema,
  type Issue,
  issueList,
  issuesOf,
  parseForm,
  recipientKeyFieldSchema,
} from './fields';
import { auditHtml } from './justify-page';
import { badge, facts, instant } from './layout';
import type { ConsoleRequest, ConsoleResult, ConsoleRoute } from './router';

/**
 * A recipient (R15): by address, its state and the timeline of its consents, objections,
 * sends, rejections and rights requests, and the verification of its audit chains; the export
 * (the API's own, audited) for both roles and the erasure (R11, R15: with a confirmation
 * step) for admins. The page's forms carry the recipient key, never the address.
 */
const TEXT = {
  en: {
    nav: 'A recipient',
    title: 'A recipient',
    lead: 'Everything held about one person, by their address: the address is hashed for the lookup, as the API does, and not kept.',
    submit: 'Look up',
    notFound: 'No recipient with this address in your tenant.',
    recipientKey: 'Recipient key',
    state: 'Current state',
    audience: 'Audience',
    collectedAt: 'Collected at',
    source: 'Source',
    purchases: 'Purchases',
    needsRepermission: 'Marked for repermission (R13)',
    noProfile: 'No profile (erased, or never created): only what honours an objection is kept.',
    consents: 'Consents',
    purpose: 'Purpose',
    status: 'Status',
    since: 'Since',
    given: 'given',
    withdrawn: 'withdrawn',
    none: 'None.',
    objections: 'Objections (R7)',
    scope: 'Scope',
    scopeAll: 'all marketing on this channel',
    method: 'Method',
    suppressions: 'Suppressions (R8)',
    reason: 'Reason',
    timeline: 'Timeline',
    at: 'At',
    what: 'What',
    detail: 'Detail',
    actor: 'Actor',
    kind: {
      consent: 'consent',
      withdrawal: 'withdrawal',
      objection: 'objection',
      suppression: 'suppression',
      send: 'send',
      rejection: 'rejection',
      rights: 'rights request',
      profile: 'profile',
      other: 'other',
    } satisfies Record<TimelineKind, string>,
    audit: 'Audit chain',
    actions: 'Rights requests (R15)',
    export: 'Download the export (JSON)',
    exportNote:
      'The same document as GET /v1/recipients/{key}/export; the export is written to the recipient’s audit trail with your key.',
    erase: 'Erase this recipient…',
    eraseNote: 'Erasure needs an admin key: a compliance session only reads.',
    confirmTitle: 'Erase this recipient?',
    confirmLead:
      'Everything held about this person is deleted: profile, consents, messages and their history. Only what honours their objection stays (R11): a keyed fingerprint of the address, the scope, the date and the proof of the objections, suppressions and of this erasure. Their address will never be written to again, even if it comes back in an import.',
    requestSource: 'How did the request come? (kept as the proof of the objection)',
    confirm: 'Yes, erase this recipient',
    cancel: 'Cancel',
    erasedTitle: 'Recipient erased',
    erasedLead: (n: number) =>
      `Done: ${n} items deleted. The opposition entry and its proof remain (R11), so nothing more will be sent to this address.`,
  },
  fr: frenchSpacingOf({
    nav: 'Un destinataire',
    title: 'Un destinataire',
    lead: 'Tout ce qui est conservé sur une personne, par son adresse : l’adresse est hachée pour la recherche, comme le fait l’API, et n’est pas conservée.',
    submit: 'Rechercher',
    notFound: 'Aucun destinataire avec cette adresse dans votre organisation.',
    recipientKey: 'Clé du destinataire',
    state: 'État actuel',
    audience: 'Public',
    collectedAt: 'Collectée le',
    source: 'Source',
    purchases: 'Achats',
    needsRepermission: 'À redemander (R13)',
    noProfile:
      'Aucun profil (effacé, ou jamais créé) : seul ce qui permet de respecter une opposition est conservé.',
    consents: 'Consentements',
    purpose: 'Finalité',
    status: 'État',
    since: 'Depuis',
    given: 'donné',
    withdrawn: 'retiré',
    none: 'Aucun.',
    objections: 'Oppositions (R7)',
    scope: 'Portée',
    scopeAll: 'toute la prospection sur ce canal',
    method: 'Méthode',
    suppressions: 'Suppressions (R8)',
    reason: 'Motif',
    timeline: 'Historique',
    at: 'Date',
    what: 'Quoi',
    detail: 'Détail',
    actor: 'Acteur',
    kind: {
      consent: 'consentement',
      withdrawal: 'retrait',
      objection: 'opposition',
      suppression: 'suppression',
      send: 'envoi',
      rejection: 'refus',
      rights: 'demande de droits',
      profile: 'profil',
      other: 'autre',
    } satisfies Record<TimelineKind, string>,
    audit: 'Chaîne d’audit',
    actions: 'Demandes de droits (R15)',
    export: 'Télécharger l’export (JSON)',
    exportNote:
      'Le même document que GET /v1/recipients/{key}/export ; l’export est inscrit dans la piste d’audit du destinataire avec votre clé.',
    erase: 'Effacer ce destinataire…',
    eraseNote: 'L’effacement demande une clé admin : une session conformité ne fait que lire.',
    confirmTitle: 'Effacer ce destinataire ?',
    confirmLead:
      'Tout ce qui est conservé sur cette personne est supprimé : profil, consentements, messages et leur historique. Seul reste ce qui permet de respecter son opposition (R11) : une empreinte chiffrée de l’adresse, la portée, la date et la preuve des oppositions, des suppressions et de cet effacement. On ne lui écrira plus jamais, même si son adresse revient dans un import.',
    requestSource: 'Comment la demande est-elle arrivée ? (conservé comme preuve de l’opposition)',
    confirm: 'Oui, effacer ce destinataire',
    cancel: 'Annuler',
    erasedTitle: 'Destinataire effacé',
    erasedLead: (n: number) =>
      `C’est fait : ${n} éléments supprimés. L’opposition et sa preuve restent (R11) : plus rien ne sera envoyé à cette adresse.`,
  }),
} as const;

type Texts = (typeof TEXT)[Lang];

const code = (v: unknown) => (typeof v === 'string' && v !== '' ? `<code>${e(v)}</code>` : '');

/** What one timeline entry says, from its event's data (never an address: the trail holds none). */
function detailOf(entry: TimelineEntry, t: Texts): string {
  const d = entry.data;
  const parts: string[] = [];
  if (typeof d.purpose === 'string') parts.push(`${t.purpose} ${code(d.purpose)}`);
  if (typeof d.basis === 'string') parts.push(`basis ${code(d.basis)}`);
  if (typeof d.method === 'string') parts.push(`${t.method} ${code(d.method)}`);
  if (typeof d.reason === 'string') parts.push(`${t.reason} ${code(d.reason)}`);
  const scope = d.scope as { type?: string; purpose?: string } | undefined;
  if (scope?.type === 'channel') parts.push(`${t.scope}: ${t.scopeAll}`);
  if (scope?.type === 'purpose') parts.push(`${t.scope}: ${code(scope.purpose)}`);
  if (Array.isArray(d.failures))
    parts.push(
      (d.failures as { reason?: string; rule?: string }[])
        .map((f) => `${code(f.reason)}${f.rule ? ` (${e(f.rule)})` : ''}`)
        .join(', '),
    );
  if (typeof d.messageId === 'string') parts.push(`id ${code(d.messageId)}`);
  return parts.join(' · ') || e(entry.why);
}

function stateHtml(lang: Lang, t: Texts, v: RecipientView): string {
  const p = v.state.profile;
  const profile =
    p === undefined
      ? `<p class="notice warning">${t.noProfile}</p>`
      : facts([
          [t.audience, code(p.audience)],
          [t.collectedAt, p.collection === undefined ? undefined : instant(lang, p.collection.at)],
          [t.source, p.collection?.source === undefined ? undefined : e(p.collection.source)],
          [t.purchases, String(p.purchases.length)],
          [t.needsRepermission, p.needsRepermission ? '✓' : undefined],
        ]);
  const consents = Object.values(v.state.consents);
  const consentRows = consents
    .map((c) => {
      const withdrawn = c.withdrawal !== undefined && c.withdrawal.at >= (c.grant?.givenAt ?? '');
      const name = v.tenant.purposes[c.purpose]?.name;
      return `<tr><td>${name ? `${e(name)} ` : ''}${code(c.purpose)}</td><td>${withdrawn ? badge('bad', t.withdrawn) : badge('ok', t.given)}</td><td>${instant(lang, withdrawn ? c.withdrawal?.at : c.grant?.givenAt)}</td></tr>`;
    })
    .join('');
  const table = (head: readonly string[], rows: string) =>
    rows === ''
      ? `<p>${t.none}</p>`
      : `<div class="table-wrap"><table><thead><tr>${head.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table></div>`;
  const objections = v.state.objections
    .map(
      (o) =>
        `<tr><td>${o.scope.type === 'channel' ? t.scopeAll : code(o.scope.purpose)}</td><td>${code(o.method)}</td><td>${instant(lang, o.at)}</td></tr>`,
    )
    .join('');
  const suppressions = v.state.suppressions
    .map((s) => `<tr><td>${code(s.reason)}</td><td>${instant(lang, s.at)}</td></tr>`)
    .join('');
  return `${profile}
<h3>${t.consents}</h3>
${table([t.purpose, t.status, t.since], consentRows)}
<h3>${t.objections}</h3>
${table([t.scope, t.method, t.since], objections)}
<h3>${t.suppressions}</h3>
${table([t.reason, t.since], suppressions)}`;
}

function keyFields(r: ConsoleRequest, v: Pick<RecipientView, 'recipientKey' | 'channel'>): string {
  return `${r.csrfField}
<input type="hidden" name="recipientKey" value="${e(v.recipientKey)}">
<input type="hidden" name="channel" value="${e(v.channel)}">`;
}

function viewHtml(r: ConsoleRequest, v: RecipientView): string {
  const t = TEXT[r.lang];
  const rows = v.timeline
    .map(
      (entry) =>
        `<tr><td>${instant(r.lang, entry.at)}</td><td>${e(t.kind[entry.kind])} <code>${e(entry.type)}</code></td><td>${detailOf(entry, t)}</td><td><code>${e(entry.actor.type)}${entry.actor.id ? ` ${entry.actor.id.slice(0, 8)}` : ''}${entry.actor.via ? ` (${entry.actor.via})` : ''}</code></td></tr>`,
    )
    .join('');
  const erase =
    r.session.role === 'admin'
      ? `<form method="post" action="/console/recipient/erase">${keyFields(r, v)}<button type="submit" class="danger">${t.erase}</button></form>`
      : `<p class="muted">${t.eraseNote}</p>`;
  return `<section aria-labelledby="state">
<h2 id="state">${t.state}</h2>
${facts([[t.recipientKey, code(v.recipientKey)]])}
${stateHtml(r.lang, t, v)}
</section>
<section aria-labelledby="actions">
<h2 id="actions">${t.actions}</h2>
<div class="actions">
<form method="post" action="/console/recipient/export">${keyFields(r, v)}<button type="submit" class="secondary">${t.export}</button></form>
${recipientEvidenceForm(r, v)}
${erase}
</div>
<p class="muted">${t.exportNote}</p>
${evidenceNote(r.lang)}
</section>
<section aria-labelledby="timeline">
<h2 id="timeline">${t.timeline}</h2>
<div class="table-wrap"><table>
<thead><tr><th scope="col">${t.at}</th><th scope="col">${t.what}</th><th scope="col">${t.detail}</th><th scope="col">${t.actor}</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>
</section>
<section aria-labelledby="audit">
<h2 id="audit">${t.audit}</h2>
${auditHtml(r.lang, v.audit)}
</section>`;
}

function formHtml(
  r: ConsoleRequest,
  values: { channel?: string; address?: string },
  issues: readonly Issue[],
) {
  const t = TEXT[r.lang];
  return `<h1>${t.title}</h1>
<p>${t.lead}</p>
${issueList(issues)}<form method="post" action="/console/recipient">
${r.csrfField}
${addressFields(r.lang, values, issues)}
<div class="actions"><button type="submit">${t.submit}</button></div>
</form>`;
}

/** The recipient key and channel of the page's own forms; a wrong one is a 400 naming it. */
function keyOf(r: ConsoleRequest): ConsoleResult | { recipientKey: string; channel: 'email' | 'sms' } {
  const parsed = parseForm(recipientKeyFieldSchema, r.form);
  if (parsed.ok) return parsed.data;
  return { kind: 'page', status: 400, title: TEXT[r.lang].title, body: formHtml(r, {}, parsed.issues) };
}

const notFound = (r: ConsoleRequest, values: { channel?: string; address?: string }): ConsoleResult => ({
  kind: 'page',
  status: 404,
  title: TEXT[r.lang].title,
  body: `${formHtml(r, values, [])}\n<p class="notice warning" role="status">${TEXT[r.lang].notFound}</p>`,
});

export const recipientRoutes: readonly ConsoleRoute[] = [
  {
    path: '/console/recipient',
    method: 'GET',
    roles: ['admin', 'compliance'],
    nav: { en: TEXT.en.nav, fr: TEXT.fr.nav },
    render: async (r) => ({ kind: 'page', title: TEXT[r.lang].title, body: formHtml(r, {}, []) }),
  },
  {
    path: '/console/recipient',
    method: 'POST',
    roles: ['admin', 'compliance'],
    async render(r) {
      const t = TEXT[r.lang];
      const raw = {
        channel: String(r.form?.get('channel') ?? ''),
        address: String(r.form?.get('address') ?? ''),
      };
      const parsed = parseForm(addressLookupSchema, r.form);
      if (!parsed.ok)
        return { kind: 'page', status: 400, title: t.title, body: formHtml(r, raw, parsed.issues) };
      try {
        const view = await recipientByAddress(r.deps, r.caller, parsed.data);
        return {
          kind: 'page',
          title: t.title,
          body: `${formHtml(r, parsed.data, [])}\n${viewHtml(r, view)}`,
        };
      } catch (error) {
        if (error instanceof NotFoundError) return notFound(r, parsed.data);
        return { kind: 'page', status: 400, title: t.title, body: formHtml(r, raw, issuesOf(error)) };
      }
    },
  },
  {
    // R15 access and portability: the API's export, audited with the console user.
    path: '/console/recipient/export',
    method: 'POST',
    roles: ['admin', 'compliance'],
    async render(r) {
      const key = keyOf(r);
      if ('kind' in key) return key;
      try {
        const data = await exportRecipient(r.deps, r.caller.tenantId, key.recipientKey, r.actor);
        return { kind: 'download', filename: `recipient-${key.recipientKey.slice(0, 12)}.json`, body: data };
      } catch (error) {
        if (error instanceof NotFoundError) return notFound(r, { channel: key.channel });
        throw error;
      }
    },
  },
  {
    // The confirmation step: changes nothing, admins only (it leads to the erasure).
    path: '/console/recipient/erase',
    method: 'POST',
    roles: ['admin'],
    async render(r) {
      const t = TEXT[r.lang];
      const key = keyOf(r);
      if ('kind' in key) return key;
      try {
        const view = await recipientByKey(r.deps, r.caller, key.recipientKey, key.channel);
        return {
          kind: 'page',
          title: t.confirmTitle,
          body: `<h1>${t.confirmTitle}</h1>
${facts([[t.recipientKey, code(view.recipientKey)]])}
<p>${t.confirmLead}</p>
<form method="post" action="/console/recipient/erase/confirm">
${keyFields(r, view)}
<label class="field" for="source">${t.requestSource}</label>
<input type="text" id="source" name="source" maxlength="500" value="request to the controller">
<div class="actions"><button type="submit" class="danger">${t.confirm}</button> <a href="/console/recipient">${t.cancel}</a></div>
</form>`,
        };
      } catch (error) {
        if (error instanceof NotFoundError) return notFound(r, { channel: key.channel });
        throw error;
      }
    },
  },
  {
    // R15 erasure, R11: the API's own (the opposition entry outlives the data), audited with the user.
    path: '/console/recipient/erase/confirm',
    method: 'POST',
    roles: ['admin'],
    async render(r) {
      const t = TEXT[r.lang];
      const key = keyOf(r);
      if ('kind' in key) return key;
      const rawSource = r.form?.get('source');
      const source =
        typeof rawSource === 'string' && rawSource.trim() !== ''
          ? rawSource.trim().slice(0, 500)
          : 'request to the controller';
      try {
        const erased = await eraseRecipient(r.deps, r.caller.tenantId, key.recipientKey, r.actor, {
          source: `console: ${source}`,
        });
        return {
          kind: 'page',
          title: t.erasedTitle,
          body: `<h1>${t.erasedTitle}</h1>
<p class="notice" role="status">${e(t.erasedLead(erased.deletedItems))}</p>
${facts([[t.recipientKey, code(erased.recipientKey)]])}
<p><a href="/console/recipient">${t.title}</a></p>`,
        };
      } catch (error) {
        if (error instanceof NotFoundError) return notFound(r, { channel: key.channel });
        throw error;
      }
    },
  },
];
