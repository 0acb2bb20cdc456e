import * as z from 'zod';
import { frenchSpacingOf } from '../../../domain/french-typography';
import { identityParamSchema } from '../../../schemas/api';
import { listAssignedIdentities, releaseEmailIdentity, useEmailIdentity } from '../../../services/identities';
import { getTenant } from '../../../services/state';
import { escapeHtml as e } from '../../pages/layout';
import { badge, facts } from '../layout';
import type { ConsoleRequest, ConsoleResult, ConsoleRoute } from '../router';
import {
  COMMON,
  code,
  done,
  notFound,
  parseAs,
  refusalOf,
  refused,
  type SettingsData,
  table,
} from './common';

/**
 * Email identities (R10): the operator assigns each to one tenant; the tenant's admin may only
 * use again one assigned to it (`PUT /v1/identities/{identity}`) or release it after a
 * confirmation step (`DELETE`), through the API's services: `email_identity.used` and
 * `email_identity.released` in the tenant's trail. No form assigns one.
 */
const TEXT = {
  en: {
    identities: 'Email identities',
    identity: 'Identity',
    state: 'State',
    inUse: 'in use',
    notInUse: 'not in use',
    operator:
      'The deployment’s operator assigns email identities and SMS senders to a tenant (npx consent-gate assign-identity, or the operator API): no form here adds one. An admin uses again or releases those assigned to this tenant.',
    use: 'Use again',
    release: 'Release…',
    usedTitle: 'Identity in use',
    usedLead: 'Done: mail may come from this identity again.',
    confirmTitle: 'Release this identity?',
    confirmLead:
      'This tenant sends from it no more, and its claim is freed: only the operator can assign it again, to this tenant or another.',
    confirm: 'Yes, release it',
    releasedTitle: 'Identity released',
    releasedLead: 'Done: this tenant sends from it no more.',
    notAssigned: 'This identity is not assigned to your tenant.',
  },
  fr: frenchSpacingOf({
    identities: 'Identités e-mail',
    identity: 'Identité',
    state: 'État',
    inUse: 'utilisée',
    notInUse: 'inutilisée',
    operator:
      'L’opérateur du déploiement attribue les identités e-mail et les expéditeurs SMS à une organisation (npx consent-gate assign-identity, ou l’API opérateur) : aucun formulaire ici n’en ajoute. Un admin réutilise ou libère celles attribuées à cette organisation.',
    use: 'Réutiliser',
    release: 'Libérer…',
    usedTitle: 'Identité utilisée',
    usedLead: 'C’est fait : le courrier peut de nouveau partir de cette identité.',
    confirmTitle: 'Libérer cette identité ?',
    confirmLead:
      'Cette organisation n’envoie plus depuis elle, et sa réservation est libérée : seul l’opérateur peut l’attribuer de nouveau, à cette organisation ou à une autre.',
    confirm: 'Oui, la libérer',
    releasedTitle: 'Identité libérée',
    releasedLead: 'C’est fait : cette organisation n’envoie plus depuis elle.',
    notAssigned: 'Cette identité n’est pas attribuée à votre organisation.',
  }),
} as const;

const identityForm = z.object({ identity: identityParamSchema });

const button = (r: ConsoleRequest, action: string, identity: string, label: string, kind: string) =>
  `<form method="post" action="${action}">${r.csrfField}<input type="hidden" name="identity" value="${e(identity)}"><button type="submit" class="${kind}" aria-label="${e(`${label} ${identity}`)}">${label}</button></form>`;

/** The email identities part of the identities section. */
export function identitiesSection(r: ConsoleRequest, { tenant, identities }: SettingsData): string {
  const t = TEXT[r.lang];
  const admin = r.session.role === 'admin';
  const rows = identities.emailIdentities.map((identity) => {
    const used = tenant.emailIdentities.includes(identity);
    const buttons = admin
      ? `<td><div class="actions">${used ? '' : button(r, '/console/settings/identity/use', identity, t.use, 'secondary')}${button(r, '/console/settings/identity/release', identity, t.release, 'danger')}</div></td>`
      : '';
    return `<tr><td>${code(identity)}</td><td>${used ? badge('ok', t.inUse) : badge('neutral', t.notInUse)}</td>${buttons}</tr>`;
  });
  return `<h2 id="identities">${t.identities}</h2>
<p class="muted">${t.operator}</p>
${table(r.lang, [t.identity, t.state, ...(admin ? [''] : [])], rows)}`;
}

/**
 * The identity of the form, if the operator assigned it to this tenant; otherwise the page
 * that says so (the same whether it is free or another tenant's).
 */
async function assigned(r: ConsoleRequest): Promise<string | ConsoleResult> {
  const t = TEXT[r.lang];
  const parsed = parseAs(r.lang, identityForm, { identity: r.form?.get('identity') ?? '' });
  if (!parsed.ok) return refused(r, t.identities, parsed.issues, '');
  const { emailIdentities } = await listAssignedIdentities(r.deps, r.caller.tenantId);
  return emailIdentities.includes(parsed.data.identity) ? parsed.data.identity : notFound(r, t.notAssigned);
}

export const identitiesRoutes: readonly ConsoleRoute[] = [
  {
    // PUT /v1/identities/{identity}: refused (403, naming it) for one not assigned to this tenant.
    path: '/console/settings/identity/use',
    method: 'POST',
    roles: ['admin'],
    async render(r) {
      const t = TEXT[r.lang];
      const parsed = parseAs(r.lang, identityForm, { identity: r.form?.get('identity') ?? '' });
      if (!parsed.ok) return refused(r, t.identities, parsed.issues, '');
      try {
        const used = await useEmailIdentity(r.deps, r.caller, parsed.data.identity, r.actor);
        return done(r, t.usedTitle, t.usedLead, facts([[t.identity, code(used.identity)]]));
      } catch (error) {
        const refusal = refusalOf(error, () => 'identity');
        return refused(r, t.identities, refusal.issues, '', refusal.status);
      }
    },
  },
  {
    // The confirmation step: changes nothing.
    path: '/console/settings/identity/release',
    method: 'POST',
    roles: ['admin'],
    async render(r) {
      const t = TEXT[r.lang];
      const identity = await assigned(r);
      if (typeof identity !== 'string') return identity;
      const used = (await getTenant(r.deps, r.caller)).emailIdentities.includes(identity);
      return {
        kind: 'page',
        title: t.confirmTitle,
        body: `<h1>${t.confirmTitle}</h1>
${facts([
  [t.identity, code(identity)],
  [t.state, used ? badge('ok', t.inUse) : badge('neutral', t.notInUse)],
])}
<p>${t.confirmLead}</p>
<form method="post" action="/console/settings/identity/release/confirm">
${r.csrfField}
<input type="hidden" name="identity" value="${e(identity)}">
<div class="actions"><button type="submit" class="danger">${t.confirm}</button> <a href="/console/settings">${COMMON[r.lang].cancel}</a></div>
</form>`,
      };
    },
  },
  {
    // DELETE /v1/identities/{identity}: only one assigned to this tenant (nothing else is touched).
    path: '/console/settings/identity/release/confirm',
    method: 'POST',
    roles: ['admin'],
    async render(r) {
      const t = TEXT[r.lang];
      const identity = await assigned(r);
      if (typeof identity !== 'string') return identity;
      await releaseEmailIdentity(r.deps, r.caller, identity, r.actor);
      return done(r, t.releasedTitle, t.releasedLead, facts([[t.identity, code(identity)]]));
    },
  },
];
