import { frenchSpacingOf } from '../../../domain/french-typography';
import { listAssignedIdentities } from '../../../services/identities';
import { getTenant } from '../../../services/state';
import type { ConsoleRequest, ConsoleResult, ConsoleRoute } from '../router';
import { COMMON, type SettingsData } from './common';
import { holdRoutes, holdSection } from './hold';
import { identitiesRoutes, identitiesSection } from './identities';
import { keysRoutes, keysSection } from './keys';
import { purposesRoutes, purposesSection } from './purposes';
import { smsRoutes, smsSection } from './sms';
import { smsSendersRoutes, smsSendersSection } from './sms-senders';
import { wordingsRoutes, wordingsSection } from './wordings';

/**
 * Settings: the tenant's keys and SES credentials, the complaint-rate hold, its purposes and
 * wordings, its sending identities and its SMS window, for both roles. An admin changes them
 * through exactly the services and schemas of the API's routes, with the console user as the
 * actor of their audit events (`via: console`); a compliance session sees no form, and the
 * router refuses its POSTs (403) before anything runs. Each section lives in its own file.
 */
const TEXT = {
  en: {
    nav: 'Settings',
    readOnly: 'Changing settings needs an admin key: a compliance session only reads.',
  },
  fr: frenchSpacingOf({
    nav: 'Paramètres',
    readOnly: 'Modifier les paramètres demande une clé admin : une session conformité ne fait que lire.',
  }),
} as const;

async function settingsPage(r: ConsoleRequest): Promise<ConsoleResult> {
  const title = COMMON[r.lang].title;
  const [tenant, identities, keys, hold] = await Promise.all([
    getTenant(r.deps, r.caller),
    listAssignedIdentities(r.deps, r.caller.tenantId),
    keysSection(r),
    holdSection(r),
  ]);
  const data: SettingsData = { tenant, identities };
  return {
    kind: 'page',
    title,
    body: `<h1>${title}</h1>
${r.session.role === 'admin' ? '' : `<p class="muted">${TEXT[r.lang].readOnly}</p>`}
${keys}
${hold}
<section aria-labelledby="purposes">
${purposesSection(r, data)}
${wordingsSection(r, data)}
</section>
<section aria-labelledby="identities">
${identitiesSection(r, data)}
${smsSendersSection(r, data)}
${smsSection(r, data)}
</section>`,
  };
}

export const settingsRoutes: readonly ConsoleRoute[] = [
  {
    path: '/console/settings',
    method: 'GET',
    roles: ['admin', 'compliance'],
    nav: { en: TEXT.en.nav, fr: TEXT.fr.nav },
    render: (r) => settingsPage(r),
  },
  ...keysRoutes,
  ...holdRoutes,
  ...purposesRoutes,
  ...wordingsRoutes,
  ...identitiesRoutes,
  ...smsSendersRoutes,
  ...smsRoutes,
];
