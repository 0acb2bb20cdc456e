import { frenchSpacingOf } from '../../domain/french-typography';
import { ConsoleSignInError, resolveSession, signIn, signOut } from '../../services/console-sessions';
import { escapeHtml as e } from '../pages/layout';
import { type ConsoleRoute, expiredSessionCookie, sessionCookie } from './router';

/**
 * Sign-in with an API key (admin or compliance), exchanged for a session; sign-out. In AWS
 * this is the only sign-in so far, and a deployment may turn it off (the construct's
 * `consoleKeySignIn: false`): the page then says so and the form is refused.
 */
const TEXT = {
  en: {
    title: 'Sign in',
    lead: 'Sign in with an API key of your tenant: an admin key (cg_admin_…) reads and changes; a compliance key (cg_compliance_…) only reads. The key is exchanged for a session of at most 12 hours (8 hours idle) and is not kept.',
    key: 'API key',
    keyHint: 'Create a compliance key with POST /v1/keys {"role":"compliance"}.',
    submit: 'Sign in',
    disabled: 'Sign-in with an API key is turned off on this deployment.',
    refused: {
      unknown_key: 'key: this is not a key of any tenant.',
      revoked: 'key: this key is revoked.',
      expired: 'key: this key has expired.',
      wrong_role:
        'key: only an admin or a compliance key opens the console (a sender key sends, the operator key acts for no tenant).',
      missing: 'key: enter an API key.',
    },
  },
  fr: frenchSpacingOf({
    title: 'Connexion',
    lead: 'Connectez-vous avec une clé d’API de votre organisation : une clé admin (cg_admin_…) lit et modifie ; une clé conformité (cg_compliance_…) ne fait que lire. La clé est échangée contre une session de 12 heures au plus (8 heures sans activité) et n’est pas conservée.',
    key: 'Clé d’API',
    keyHint: 'Créez une clé conformité avec POST /v1/keys {"role":"compliance"}.',
    submit: 'Se connecter',
    disabled: 'La connexion par clé d’API est désactivée sur ce déploiement.',
    refused: {
      unknown_key: 'key : cette clé n’appartient à aucune organisation.',
      revoked: 'key : cette clé est révoquée.',
      expired: 'key : cette clé a expiré.',
      wrong_role:
        'key : seule une clé admin ou conformité ouvre la console (une clé d’envoi envoie, la clé d’opérateur n’agit pour aucune organisation).',
      missing: 'key : saisissez une clé d’API.',
    },
  }),
} as const;

type Refusal = keyof (typeof TEXT)['en']['refused'];

function signInPage(lang: 'en' | 'fr', keySignIn: boolean, refusal?: Refusal): string {
  const t = TEXT[lang];
  if (!keySignIn) return `<h1>${t.title}</h1>\n<p class="notice warning" role="status">${t.disabled}</p>`;
  const error =
    refusal === undefined
      ? ''
      : `<p class="notice error" role="alert" id="key-error">${e(t.refused[refusal])}</p>\n`;
  return `<h1>${t.title}</h1>
<p>${t.lead}</p>
${error}<form method="post" action="/console/sign-in">
<label class="field" for="key">${t.key}</label>
<input type="password" id="key" name="key" autocomplete="off" spellcheck="false" required aria-describedby="key-hint${refusal === undefined ? '' : ' key-error'}">
<p class="muted" id="key-hint">${e(t.keyHint)}</p>
<div class="actions"><button type="submit">${t.submit}</button></div>
</form>`;
}

export function signInRoutes(options: { readonly keySignIn: boolean }): ConsoleRoute[] {
  return [
    {
      path: '/console/sign-in',
      method: 'GET',
      public: true,
      async render({ deps, lang, sessionId }) {
        // Signed in already: on to the console.
        if (sessionId !== undefined && (await resolveSession(deps, sessionId)) !== undefined)
          return { kind: 'redirect', to: '/console' };
        return { kind: 'page', title: TEXT[lang].title, body: signInPage(lang, options.keySignIn) };
      },
    },
    {
      path: '/console/sign-in',
      method: 'POST',
      public: true,
      async render({ deps, lang, form }) {
        const t = TEXT[lang];
        if (!options.keySignIn)
          return { kind: 'page', status: 403, title: t.title, body: signInPage(lang, false) };
        const key = form?.get('key');
        if (typeof key !== 'string' || key.trim() === '')
          return { kind: 'page', status: 400, title: t.title, body: signInPage(lang, true, 'missing') };
        try {
          const { sessionId } = await signIn(deps, key);
          return { kind: 'redirect', to: '/console', cookies: [sessionCookie(sessionId)] };
        } catch (error) {
          if (!(error instanceof ConsoleSignInError)) throw error;
          return { kind: 'page', status: 401, title: t.title, body: signInPage(lang, true, error.reason) };
        }
      },
    },
    {
      path: '/console/sign-out',
      method: 'POST',
      roles: ['admin', 'compliance'],
      async render({ deps, sessionId }) {
        await signOut(deps, sessionId);
        return { kind: 'redirect', to: '/console/sign-in', cookies: [expiredSessionCookie] };
      },
    },
  ];
}
