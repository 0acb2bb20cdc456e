import * as z from 'zod';
import { frenchSpacingOf } from '../../domain/french-typography';
import { NotFoundError } from '../../ports/gateway-store';
import type { Tenant } from '../../schemas/tenant';
import { getComplaintRate, liftComplaintHold } from '../../services/complaint-rate';
import { listAssignedIdentities } from '../../services/identities';
import { listCredentials, listKeys, revokeCredential, revokeKey } from '../../services/keys';
import { getTenant } from '../../services/state';
import { escapeHtml as e, type Lang } from '../pages/layout';
import { type Issue, issueList, parseForm } from './fields';
import { badge, facts, instant } from './layout';
import type { ConsoleRequest, ConsoleResult, ConsoleRoute } from './router';

/**
 * Settings: the tenant's keys and SES credentials (metadata only, never a secret; an admin
 * revokes one after a confirmation step), the complaint-rate hold (its figures; an admin lifts
 * it with a reason), and, read only, its purposes with their wordings, identities, SMS senders
 * and window. Every change goes through the API's own services (keys.ts, complaint-rate.ts).
 */
const TEXT = {
  en: {
    nav: 'Settings',
    title: 'Settings',
    keys: 'API keys',
    credentials: 'SES credentials',
    id: 'Id',
    role: 'Role',
    label: 'Label',
    created: 'Created',
    scopes: 'Scopes',
    state: 'State',
    active: 'active',
    revoked: 'revoked',
    allScopes: 'all',
    revoke: 'Revoke…',
    none: 'None.',
    readOnly: 'Revoking a key or lifting the hold needs an admin key: a compliance session only reads.',
    confirmTitle: 'Revoke this key?',
    confirmLead:
      'From now on every request made with it is refused (401). This cannot be undone: create a new key instead.',
    confirm: 'Yes, revoke it',
    cancel: 'Cancel',
    revokedTitle: 'Key revoked',
    revokedLead: 'Done: the key is refused from now on.',
    notFound: 'No such key in your tenant.',
    hold: 'Complaint rate and hold',
    rate: 'Complaint rate',
    window: (d: number) => `over the last ${d} days`,
    sends: 'Deliveries',
    complaints: 'Complaints',
    thresholds: 'Warning / hold at',
    status: 'Status',
    holdSet: 'Hold set since',
    noHold: 'No hold: marketing email goes out.',
    held: 'held',
    lastLift: 'Last lift',
    reason: 'Why is it safe to send again? (kept in the audit trail)',
    lift: 'Lift the hold',
    liftedTitle: 'Hold lifted',
    purposes: 'Purposes',
    purpose: 'Purpose',
    type: 'Type',
    yours: 'the key of this session',
    category: 'Category',
    wording: 'Wording (version)',
    wordings: 'Wordings',
    version: 'Version',
    text: 'Text',
    identities: 'Email identities',
    smsSenders: 'SMS senders',
    origination: 'Origination identity',
    smsWindow: 'SMS sending window (R14)',
    days: 'Days',
    hours: 'Hours',
    holidays: 'Public holidays skipped',
    yes: 'yes',
    no: 'no',
    editNote:
      'Purposes, wordings, identities and SMS settings are changed through the API (PUT /v1/purposes, /v1/wordings, /v1/identities, /v1/sms-senders, /v1/settings/sms); the console shows them.',
  },
  fr: frenchSpacingOf({
    nav: 'Paramètres',
    title: 'Paramètres',
    keys: 'Clés d’API',
    credentials: 'Identifiants SES',
    id: 'Id',
    role: 'Rôle',
    label: 'Libellé',
    created: 'Créée le',
    scopes: 'Portées',
    state: 'État',
    active: 'active',
    revoked: 'révoquée',
    allScopes: 'toutes',
    revoke: 'Révoquer…',
    none: 'Aucun.',
    readOnly:
      'Révoquer une clé ou lever la suspension demande une clé admin : une session conformité ne fait que lire.',
    confirmTitle: 'Révoquer cette clé ?',
    confirmLead:
      'Dès maintenant, toute requête faite avec elle est refusée (401). C’est définitif : créez une nouvelle clé à la place.',
    confirm: 'Oui, la révoquer',
    cancel: 'Annuler',
    revokedTitle: 'Clé révoquée',
    revokedLead: 'C’est fait : la clé est refusée dès maintenant.',
    notFound: 'Aucune clé de ce nom dans votre organisation.',
    hold: 'Taux de plaintes et suspension',
    rate: 'Taux de plaintes',
    window: (d: number) => `sur les ${d} derniers jours`,
    sends: 'Remises',
    complaints: 'Plaintes',
    thresholds: 'Alerte / suspension à',
    status: 'État',
    holdSet: 'Suspension depuis',
    noHold: 'Pas de suspension : la prospection par e-mail part.',
    held: 'suspendu',
    lastLift: 'Dernière levée',
    reason: 'Pourquoi peut-on envoyer de nouveau ? (conservé dans la piste d’audit)',
    lift: 'Lever la suspension',
    liftedTitle: 'Suspension levée',
    purposes: 'Finalités',
    purpose: 'Finalité',
    type: 'Type',
    yours: 'la clé de cette session',
    category: 'Catégorie',
    wording: 'Formulation (version)',
    wordings: 'Formulations',
    version: 'Version',
    text: 'Texte',
    identities: 'Identités e-mail',
    smsSenders: 'Expéditeurs SMS',
    origination: 'Identité d’origine',
    smsWindow: 'Plage d’envoi des SMS (R14)',
    days: 'Jours',
    hours: 'Heures',
    holidays: 'Jours fériés exclus',
    yes: 'oui',
    no: 'non',
    editNote:
      'Finalités, formulations, identités et réglages SMS se modifient par l’API (PUT /v1/purposes, /v1/wordings, /v1/identities, /v1/sms-senders, /v1/settings/sms) ; la console les affiche.',
  }),
} as const;

type Texts = (typeof TEXT)[Lang];

const code = (v: unknown) => (typeof v === 'string' && v !== '' ? `<code>${e(v)}</code>` : '—');
const percent = (rate: number | null | undefined) =>
  rate === undefined || rate === null ? '—' : `${(rate * 100).toFixed(2)} %`;

function table(t: Texts, head: readonly string[], rows: readonly string[]): string {
  return rows.length === 0
    ? `<p>${t.none}</p>`
    : `<div class="table-wrap"><table><thead><tr>${head.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

/** The form of a revocation: which key, of which kind. */
const revokeSchema = z.object({
  kind: z.enum(['api_key', 'ses_credential'], { message: 'must be api_key or ses_credential' }),
  keyId: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,100}$/, 'is not a key id'),
});
const liftSchema = z.object({
  reason: z
    .string()
    .trim()
    .min(3, 'is required (at least 3 characters)')
    .max(500, 'is longer than 500 characters'),
});

/** An ISO weekday (1 = Monday) by its name: 1 January 2024 was a Monday. */
const weekday = (lang: Lang, day: number) =>
  new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { weekday: 'long', timeZone: 'UTC' }).format(
    new Date(Date.UTC(2024, 0, day)),
  );

type KeyRow = Awaited<ReturnType<typeof listKeys>>['keys'][number];

function keysTable(r: ConsoleRequest, rows: readonly KeyRow[], now: Date): string {
  const t = TEXT[r.lang];
  const admin = r.session.role === 'admin';
  return table(
    t,
    [t.id, t.role, t.label, t.created, t.scopes, t.state, ...(admin ? [''] : [])],
    rows.map((k) => {
      const revoked = k.revokedAt !== undefined && Date.parse(k.revokedAt) <= now.getTime();
      const scopes =
        k.scopes === undefined
          ? e(t.allScopes)
          : Object.entries(k.scopes)
              .map(([name, v]) => `${e(name)}: ${code(Array.isArray(v) ? v.join(', ') : String(v))}`)
              .join('<br>');
      // Revoking the key this session signed in with would end it: another admin does that.
      const own = r.session.principal.kind === 'key' && k.keyId === r.session.principal.keyId;
      const action =
        admin && own
          ? `<td class="muted">${t.yours}</td>`
          : admin && !revoked
            ? `<td><form method="post" action="/console/settings/revoke">${r.csrfField}<input type="hidden" name="kind" value="${e(k.kind)}"><input type="hidden" name="keyId" value="${e(k.keyId)}"><button type="submit" class="danger" aria-label="${e(`${t.revoke} ${k.keyId}`)}">${t.revoke}</button></form></td>`
            : admin
              ? '<td></td>'
              : '';
      return `<tr><td>${code(k.keyId)}${k.accessKeyId ? `<br>${code(k.accessKeyId)}` : ''}</td><td>${code(k.role)}</td><td>${k.label === undefined ? '—' : e(k.label)}</td><td>${instant(r.lang, k.createdAt)}</td><td>${scopes}</td><td>${revoked ? `${badge('bad', t.revoked)} ${instant(r.lang, k.revokedAt)}` : badge('ok', t.active)}</td>${action}</tr>`;
    }),
  );
}

async function holdHtml(r: ConsoleRequest, issues: readonly Issue[]): Promise<string> {
  const t = TEXT[r.lang];
  const c = await getComplaintRate(r.deps, r.caller);
  const figures = facts([
    [t.rate, `${percent(c.rate)} ${e(t.window(c.windowDays))}`],
    [t.sends, String(c.sends)],
    [t.complaints, String(c.complaints)],
    [t.thresholds, `${percent(c.thresholds.warningRate)} / ${percent(c.thresholds.holdRate)}`],
    [t.status, code(c.status)],
    [t.lastLift, c.lastHoldLift === undefined ? undefined : instant(r.lang, c.lastHoldLift.at)],
  ]);
  if (c.hold === undefined) return `${figures}\n<p class="notice" role="status">${t.noHold}</p>`;
  const held = `${figures}\n<p class="notice error">${badge('bad', t.held)} ${t.holdSet} ${instant(r.lang, c.hold.since)} (${percent(c.hold.rate)}, ${c.hold.complaints}/${c.hold.sends})</p>`;
  if (r.session.role !== 'admin') return held;
  const wrong = issues.some((i) => i.field === 'reason')
    ? ' aria-invalid="true" aria-describedby="form-errors"'
    : '';
  return `${held}
${issueList(issues)}<form method="post" action="/console/settings/lift-hold">
${r.csrfField}
<label class="field" for="reason">${t.reason}</label>
<input type="text" id="reason" name="reason" maxlength="500" required${wrong}>
<div class="actions"><button type="submit" class="danger">${t.lift}</button></div>
</form>`;
}

function tenantHtml(
  r: ConsoleRequest,
  tenant: Tenant,
  identities: Awaited<ReturnType<typeof listAssignedIdentities>>,
) {
  const t = TEXT[r.lang];
  const purposes = Object.values(tenant.purposes)
    .sort((a, b) => a.id.localeCompare(b.id))
    .map(
      (p) =>
        `<tr><td>${e(p.name)} ${code(p.id)}</td><td>${code(p.category)}</td><td>${p.wordingVersion === undefined ? '—' : code(p.wordingVersion)}</td></tr>`,
    );
  const wordings = Object.values(tenant.wordings)
    .sort((a, b) => a.versionId.localeCompare(b.versionId))
    .map(
      (w) =>
        `<tr><td>${code(w.versionId)}</td><td>${e(w.text)}</td><td>${instant(r.lang, w.createdAt)}</td></tr>`,
    );
  const senders = identities.smsSenders.map(
    (s) =>
      `<tr><td>${code(s.senderId)}</td><td>${code(tenant.smsSenders[s.senderId]?.type)}</td><td>${code(s.originationIdentity)}</td></tr>`,
  );
  const w = tenant.settings.sms.window;
  return `<section aria-labelledby="purposes">
<h2 id="purposes">${t.purposes}</h2>
${table(t, [t.purpose, t.category, t.wording], purposes)}
<h3>${t.wordings}</h3>
${table(t, [t.version, t.text, t.created], wordings)}
</section>
<section aria-labelledby="identities">
<h2 id="identities">${t.identities}</h2>
${identities.emailIdentities.length === 0 ? `<p>${t.none}</p>` : `<ul>${identities.emailIdentities.map((i) => `<li>${code(i)}</li>`).join('')}</ul>`}
<h3>${t.smsSenders}</h3>
${table(t, [t.id, t.type, t.origination], senders)}
<h3>${t.smsWindow}</h3>
${facts([
  [t.days, e(w.days.map((d) => weekday(r.lang, d)).join(', '))],
  [t.hours, `${e(w.start)}–${e(w.end)}`],
  [t.holidays, w.skipPublicHolidays ? t.yes : t.no],
])}
<p class="muted">${t.editNote}</p>
</section>`;
}

async function settingsPage(
  r: ConsoleRequest,
  holdIssues: readonly Issue[] = [],
  status = 200,
): Promise<ConsoleResult> {
  const t = TEXT[r.lang];
  const now = r.deps.clock.now();
  const [keys, credentials, tenant, identities, hold] = await Promise.all([
    listKeys(r.deps, r.caller.tenantId),
    listCredentials(r.deps, r.caller.tenantId),
    getTenant(r.deps, r.caller),
    listAssignedIdentities(r.deps, r.caller.tenantId),
    holdHtml(r, holdIssues),
  ]);
  return {
    kind: 'page',
    status,
    title: t.title,
    body: `<h1>${t.title}</h1>
${r.session.role === 'admin' ? '' : `<p class="muted">${t.readOnly}</p>`}
<section aria-labelledby="keys">
<h2 id="keys">${t.keys}</h2>
${keysTable(r, keys.keys, now)}
<h3>${t.credentials}</h3>
${keysTable(r, credentials.credentials, now)}
</section>
<section aria-labelledby="hold">
<h2 id="hold">${t.hold}</h2>
${hold}
</section>
${tenantHtml(r, tenant, identities)}`,
  };
}

function revokeTarget(r: ConsoleRequest): ConsoleResult | z.output<typeof revokeSchema> {
  const parsed = parseForm(revokeSchema, r.form);
  if (parsed.ok) return parsed.data;
  const t = TEXT[r.lang];
  return {
    kind: 'page',
    status: 400,
    title: t.title,
    body: `<h1>${t.title}</h1>\n${issueList(parsed.issues)}`,
  };
}

const notFound = (r: ConsoleRequest): ConsoleResult => ({
  kind: 'page',
  status: 404,
  title: TEXT[r.lang].title,
  body: `<h1>${TEXT[r.lang].title}</h1>\n<p class="notice warning" role="status">${TEXT[r.lang].notFound}</p>\n<p><a href="/console/settings">${TEXT[r.lang].title}</a></p>`,
});

export const settingsRoutes: readonly ConsoleRoute[] = [
  {
    path: '/console/settings',
    method: 'GET',
    roles: ['admin', 'compliance'],
    nav: { en: TEXT.en.nav, fr: TEXT.fr.nav },
    render: (r) => settingsPage(r),
  },
  {
    // The confirmation step: changes nothing, admins only (it leads to the revocation).
    path: '/console/settings/revoke',
    method: 'POST',
    roles: ['admin'],
    async render(r) {
      const t = TEXT[r.lang];
      const target = revokeTarget(r);
      if (!('keyId' in target)) return target;
      const { kind, keyId } = target;
      const list =
        kind === 'api_key'
          ? (await listKeys(r.deps, r.caller.tenantId)).keys
          : (await listCredentials(r.deps, r.caller.tenantId)).credentials;
      const key = list.find((k) => k.keyId === keyId);
      if (key === undefined) return notFound(r);
      return {
        kind: 'page',
        title: t.confirmTitle,
        body: `<h1>${t.confirmTitle}</h1>
${facts([
  [t.id, code(key.keyId)],
  [t.role, code(key.role)],
  [t.label, key.label === undefined ? undefined : e(key.label)],
  [t.created, instant(r.lang, key.createdAt)],
])}
<p>${t.confirmLead}</p>
<form method="post" action="/console/settings/revoke/confirm">
${r.csrfField}
<input type="hidden" name="kind" value="${e(kind)}"><input type="hidden" name="keyId" value="${e(keyId)}">
<div class="actions"><button type="submit" class="danger">${t.confirm}</button> <a href="/console/settings">${t.cancel}</a></div>
</form>`,
      };
    },
  },
  {
    // The API's DELETE /v1/keys/{keyId} and /v1/credentials/{keyId}: refused from this instant.
    path: '/console/settings/revoke/confirm',
    method: 'POST',
    roles: ['admin'],
    async render(r) {
      const t = TEXT[r.lang];
      const target = revokeTarget(r);
      if (!('keyId' in target)) return target;
      const { kind, keyId } = target;
      try {
        const revoked =
          kind === 'api_key'
            ? await revokeKey(r.deps, r.caller.tenantId, keyId, r.actor)
            : await revokeCredential(r.deps, r.caller.tenantId, keyId, r.actor);
        return {
          kind: 'page',
          title: t.revokedTitle,
          body: `<h1>${t.revokedTitle}</h1>
<p class="notice" role="status">${t.revokedLead}</p>
${facts([
  [t.id, code(revoked.keyId)],
  [t.state, `${badge('bad', t.revoked)} ${instant(r.lang, revoked.revokedAt)}`],
])}
<p><a href="/console/settings">${t.title}</a></p>`,
        };
      } catch (error) {
        if (error instanceof NotFoundError) return notFound(r);
        throw error;
      }
    },
  },
  {
    // Mailbox provider thresholds: the API's lift, with the console user and their reason in the tenant's trail.
    path: '/console/settings/lift-hold',
    method: 'POST',
    roles: ['admin'],
    async render(r) {
      const t = TEXT[r.lang];
      const parsed = parseForm(liftSchema, r.form);
      if (!parsed.ok) return settingsPage(r, parsed.issues, 400);
      const lifted = await liftComplaintHold(r.deps, r.caller, {
        actor: r.actor,
        reason: parsed.data.reason,
      });
      return {
        kind: 'page',
        title: t.liftedTitle,
        body: `<h1>${t.liftedTitle}</h1>
<p class="notice" role="status">${e(lifted.message)}</p>
<p><a href="/console/settings">${t.title}</a></p>`,
      };
    },
  },
];
