import * as z from 'zod';
import { frenchSpacingOf } from '../../../domain/french-typography';
import { NotFoundError } from '../../../ports/gateway-store';
import { listCredentials, listKeys, revokeCredential, revokeKey } from '../../../services/keys';
import { escapeHtml as e } from '../../pages/layout';
import { issueList, parseForm } from '../fields';
import { badge, facts, instant } from '../layout';
import type { ConsoleRequest, ConsoleResult, ConsoleRoute } from '../router';
import { COMMON, code, notFound, table } from './common';

/**
 * The tenant's API keys and SES credentials: metadata only, never a secret. An admin revokes
 * one after a confirmation step, through the API's service (keys.ts: `key.revoked` in the
 * tenant's trail, with the console user).
 */
const TEXT = {
  en: {
    keys: 'API keys',
    credentials: 'SES credentials',
    role: 'Role',
    label: 'Label',
    created: 'Created',
    scopes: 'Scopes',
    state: 'State',
    active: 'active',
    revoked: 'revoked',
    allScopes: 'all',
    revoke: 'Revoke…',
    yours: 'the key of this session',
    confirmTitle: 'Revoke this key?',
    confirmLead:
      'From now on every request made with it is refused (401). This cannot be undone: create a new key instead.',
    confirm: 'Yes, revoke it',
    revokedTitle: 'Key revoked',
    revokedLead: 'Done: the key is refused from now on.',
    notFound: 'No such key in your tenant.',
  },
  fr: frenchSpacingOf({
    keys: 'Clés d’API',
    credentials: 'Identifiants SES',
    role: 'Rôle',
    label: 'Libellé',
    created: 'Créée le',
    scopes: 'Portées',
    state: 'État',
    active: 'active',
    revoked: 'révoquée',
    allScopes: 'toutes',
    revoke: 'Révoquer…',
    yours: 'la clé de cette session',
    confirmTitle: 'Révoquer cette clé ?',
    confirmLead:
      'Dès maintenant, toute requête faite avec elle est refusée (401). C’est définitif : créez une nouvelle clé à la place.',
    confirm: 'Oui, la révoquer',
    revokedTitle: 'Clé révoquée',
    revokedLead: 'C’est fait : la clé est refusée dès maintenant.',
    notFound: 'Aucune clé de ce nom dans votre organisation.',
  }),
} as const;

/** The form of a revocation: which key, of which kind. */
const revokeSchema = z.object({
  kind: z.enum(['api_key', 'ses_credential'], { message: 'must be api_key or ses_credential' }),
  keyId: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,100}$/, 'is not a key id'),
});

type KeyRow = Awaited<ReturnType<typeof listKeys>>['keys'][number];

function keysTable(r: ConsoleRequest, rows: readonly KeyRow[], now: Date): string {
  const t = TEXT[r.lang];
  const admin = r.session.role === 'admin';
  return table(
    r.lang,
    [COMMON[r.lang].id, t.role, t.label, t.created, t.scopes, t.state, ...(admin ? [''] : [])],
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

/** The keys section of the page. */
export async function keysSection(r: ConsoleRequest): Promise<string> {
  const t = TEXT[r.lang];
  const now = r.deps.clock.now();
  const [keys, credentials] = await Promise.all([
    listKeys(r.deps, r.caller.tenantId),
    listCredentials(r.deps, r.caller.tenantId),
  ]);
  return `<section aria-labelledby="keys">
<h2 id="keys">${t.keys}</h2>
${keysTable(r, keys.keys, now)}
<h3>${t.credentials}</h3>
${keysTable(r, credentials.credentials, now)}
</section>`;
}

function revokeTarget(r: ConsoleRequest): ConsoleResult | z.output<typeof revokeSchema> {
  const parsed = parseForm(revokeSchema, r.form);
  if (parsed.ok) return parsed.data;
  const title = COMMON[r.lang].title;
  return { kind: 'page', status: 400, title, body: `<h1>${title}</h1>\n${issueList(parsed.issues)}` };
}

export const keysRoutes: readonly ConsoleRoute[] = [
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
      if (key === undefined) return notFound(r, t.notFound);
      return {
        kind: 'page',
        title: t.confirmTitle,
        body: `<h1>${t.confirmTitle}</h1>
${facts([
  [COMMON[r.lang].id, code(key.keyId)],
  [t.role, code(key.role)],
  [t.label, key.label === undefined ? undefined : e(key.label)],
  [t.created, instant(r.lang, key.createdAt)],
])}
<p>${t.confirmLead}</p>
<form method="post" action="/console/settings/revoke/confirm">
${r.csrfField}
<input type="hidden" name="kind" value="${e(kind)}"><input type="hidden" name="keyId" value="${e(keyId)}">
<div class="actions"><button type="submit" class="danger">${t.confirm}</button> <a href="/console/settings">${COMMON[r.lang].cancel}</a></div>
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
  [COMMON[r.lang].id, code(revoked.keyId)],
  [t.state, `${badge('bad', t.revoked)} ${instant(r.lang, revoked.revokedAt)}`],
])}
<p><a href="/console/settings">${COMMON[r.lang].title}</a></p>`,
        };
      } catch (error) {
        if (error instanceof NotFoundError) return notFound(r, t.notFound);
        throw error;
      }
    },
  },
];
