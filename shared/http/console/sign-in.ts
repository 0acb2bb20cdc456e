import { frenchSpacingOf } from '../../domain/french-typography';
import {
  ConsoleSignInError,
  resolveSession,
  setNewPassword,
  signIn,
  signInUser,
  signOut,
  type UserSignIn,
} from '../../services/console-sessions';
import { escapeHtml as e } from '../pages/layout';
import { type ConsoleResult, type ConsoleRoute, expiredSessionCookie, sessionCookie } from './router';

/**
 * Sign-in, exchanged for a session, and sign-out. Two ways in: as a user of the console's user
 * pool (Cognito: a username and password, the user's group giving the role), where the
 * deployment has one; and with an API key (admin or compliance), unless the deployment turned
 * it off (the construct's `consoleKeySignIn: false`). With neither, the page says so and every
 * form is refused. A user's first sign-in asks for a new password (NEW_PASSWORD_REQUIRED): the
 * second form carries the challenge's session, never the first password.
 */
const TEXT = {
  en: {
    title: 'Sign in',
    userHeading: 'Sign in with your account',
    userLead:
      'Your administrator created your account in your organisation: the admin group reads and changes, the compliance group only reads.',
    username: 'Email address',
    password: 'Password',
    keyHeading: 'Sign in with an API key',
    lead: 'Sign in with an API key of your tenant: an admin key (cg_admin_…) reads and changes; a compliance key (cg_compliance_…) only reads. The key is exchanged for a session of at most 12 hours (8 hours idle) and is not kept.',
    key: 'API key',
    keyHint: 'Create a compliance key with POST /v1/keys {"role":"compliance"}.',
    submit: 'Sign in',
    disabled: 'Sign-in with an API key is turned off on this deployment.',
    noWayIn:
      'Sign-in with an API key is turned off on this deployment, and it has no user pool: there is no way to sign in to the console.',
    newPasswordTitle: 'Choose a new password',
    newPasswordLead:
      'This is your first sign-in: choose your own password to replace the one you were given. It must follow your organisation’s password policy.',
    newPassword: 'New password',
    newPasswordAgain: 'New password, again',
    setPassword: 'Set the password and sign in',
    refused: {
      unknown_key: 'key: this is not a key of any tenant.',
      revoked: 'key: this key is revoked.',
      expired: 'key: this key has expired.',
      wrong_role:
        'key: only an admin or a compliance key opens the console (a sender key sends, the operator key acts for no tenant).',
      missing: 'key: enter an API key.',
      credentials: 'The email address or password is wrong, or this account may not sign in.',
      missing_username: 'username: enter your email address.',
      missing_password: 'password: enter your password.',
      no_group:
        'Your account is in neither the admin nor the compliance group: ask your administrator to add it to one.',
      both_groups:
        'Your account is in both the admin and the compliance group: ask your administrator to leave it in one only.',
      no_tenant:
        'Your account names no organisation (its tenant attribute is empty): ask your administrator.',
      unknown_tenant:
        'Your account names an organisation this gateway does not have (its tenant attribute): ask your administrator.',
      weak_password:
        'newPassword: the password policy refused this password. Choose a longer or more varied one.',
      different_passwords: 'newPasswordAgain: the two new passwords are not the same.',
      missing_new_password: 'newPassword: choose a new password.',
      challenge_expired: 'The time to choose a new password has run out (a few minutes). Sign in again.',
      no_user_pool: 'Sign-in with an account is not available on this deployment.',
    },
  },
  fr: frenchSpacingOf({
    title: 'Connexion',
    userHeading: 'Connexion avec votre compte',
    userLead:
      'Votre administrateur a créé votre compte dans votre organisation : le groupe admin lit et modifie, le groupe conformité ne fait que lire.',
    username: 'Adresse e-mail',
    password: 'Mot de passe',
    keyHeading: 'Connexion avec une clé d’API',
    lead: 'Connectez-vous avec une clé d’API de votre organisation : une clé admin (cg_admin_…) lit et modifie ; une clé conformité (cg_compliance_…) ne fait que lire. La clé est échangée contre une session de 12 heures au plus (8 heures sans activité) et n’est pas conservée.',
    key: 'Clé d’API',
    keyHint: 'Créez une clé conformité avec POST /v1/keys {"role":"compliance"}.',
    submit: 'Se connecter',
    disabled: 'La connexion par clé d’API est désactivée sur ce déploiement.',
    noWayIn:
      'La connexion par clé d’API est désactivée sur ce déploiement, et il n’a pas de groupe d’utilisateurs : il n’y a aucun moyen de se connecter à la console.',
    newPasswordTitle: 'Choisissez un nouveau mot de passe',
    newPasswordLead:
      'C’est votre première connexion : choisissez votre propre mot de passe pour remplacer celui qui vous a été donné. Il doit suivre la politique de mots de passe de votre organisation.',
    newPassword: 'Nouveau mot de passe',
    newPasswordAgain: 'Nouveau mot de passe, à nouveau',
    setPassword: 'Enregistrer le mot de passe et se connecter',
    refused: {
      unknown_key: 'key : cette clé n’appartient à aucune organisation.',
      revoked: 'key : cette clé est révoquée.',
      expired: 'key : cette clé a expiré.',
      wrong_role:
        'key : seule une clé admin ou conformité ouvre la console (une clé d’envoi envoie, la clé d’opérateur n’agit pour aucune organisation).',
      missing: 'key : saisissez une clé d’API.',
      credentials: 'L’adresse e-mail ou le mot de passe est faux, ou ce compte ne peut pas se connecter.',
      missing_username: 'username : saisissez votre adresse e-mail.',
      missing_password: 'password : saisissez votre mot de passe.',
      no_group:
        'Votre compte n’est ni dans le groupe admin ni dans le groupe conformité : demandez à votre administrateur de l’ajouter à l’un des deux.',
      both_groups:
        'Votre compte est à la fois dans le groupe admin et dans le groupe conformité : demandez à votre administrateur de ne le laisser que dans un seul.',
      no_tenant:
        'Votre compte ne nomme aucune organisation (son attribut tenant est vide) : demandez à votre administrateur.',
      unknown_tenant:
        'Votre compte nomme une organisation que cette passerelle n’a pas (son attribut tenant) : demandez à votre administrateur.',
      weak_password:
        'newPassword : la politique de mots de passe refuse ce mot de passe. Choisissez-en un plus long ou plus varié.',
      different_passwords: 'newPasswordAgain : les deux nouveaux mots de passe ne sont pas les mêmes.',
      missing_new_password: 'newPassword : choisissez un nouveau mot de passe.',
      challenge_expired:
        'Le délai pour choisir un nouveau mot de passe est écoulé (quelques minutes). Reconnectez-vous.',
      no_user_pool: 'La connexion avec un compte n’est pas disponible sur ce déploiement.',
    },
  }),
} as const;

type Lang = keyof typeof TEXT;
type Refusal = keyof (typeof TEXT)['en']['refused'];
const KEY_REFUSALS: readonly Refusal[] = ['unknown_key', 'revoked', 'expired', 'wrong_role', 'missing'];

interface SignInOptions {
  readonly keySignIn: boolean;
}

const alert = (lang: Lang, refusal: Refusal, id: string) =>
  `<p class="notice error" role="alert" id="${id}">${e(TEXT[lang].refused[refusal])}</p>\n`;

function userForm(lang: Lang, refusal: Refusal | undefined, username = ''): string {
  const t = TEXT[lang];
  const error = refusal === undefined ? '' : alert(lang, refusal, 'user-error');
  const described = refusal === undefined ? '' : ' aria-describedby="user-error"';
  return `<h2>${t.userHeading}</h2>
<p>${t.userLead}</p>
${error}<form method="post" action="/console/sign-in/user">
<label class="field" for="username">${t.username}</label>
<input type="email" id="username" name="username" autocomplete="username" spellcheck="false" required value="${e(username)}"${described}>
<label class="field" for="password">${t.password}</label>
<input type="password" id="password" name="password" autocomplete="current-password" required${described}>
<div class="actions"><button type="submit">${t.submit}</button></div>
</form>`;
}

function keyForm(lang: Lang, refusal: Refusal | undefined, heading: boolean): string {
  const t = TEXT[lang];
  const error = refusal === undefined ? '' : alert(lang, refusal, 'key-error');
  return `${heading ? `<h2>${t.keyHeading}</h2>\n` : ''}<p>${t.lead}</p>
${error}<form method="post" action="/console/sign-in">
<label class="field" for="key">${t.key}</label>
<input type="password" id="key" name="key" autocomplete="off" spellcheck="false" required aria-describedby="key-hint${refusal === undefined ? '' : ' key-error'}">
<p class="muted" id="key-hint">${e(t.keyHint)}</p>
<div class="actions"><button type="submit">${t.submit}</button></div>
</form>`;
}

/** The sign-in page: the account form where there is a user pool, the key form where key sign-in is on. */
function signInPage(
  lang: Lang,
  ways: { readonly users: boolean; readonly keys: boolean },
  refusal?: Refusal,
  username?: string,
): string {
  const t = TEXT[lang];
  const keyRefusal = refusal !== undefined && KEY_REFUSALS.includes(refusal) ? refusal : undefined;
  const userRefusal = refusal !== undefined && keyRefusal === undefined ? refusal : undefined;
  if (!ways.users && !ways.keys)
    return `<h1>${t.title}</h1>\n${userRefusal === undefined ? '' : alert(lang, userRefusal, 'user-error')}<p class="notice warning" role="status">${t.noWayIn}</p>`;
  if (!ways.users)
    return `<h1>${t.title}</h1>\n${userRefusal === undefined ? '' : alert(lang, userRefusal, 'user-error')}${keyForm(lang, keyRefusal, false)}`;
  const keys = ways.keys ? `\n${keyForm(lang, keyRefusal, true)}` : `\n<p class="muted">${t.disabled}</p>`;
  return `<h1>${t.title}</h1>\n${userForm(lang, userRefusal, username)}${keys}`;
}

/** NEW_PASSWORD_REQUIRED: the second form, with the challenge's session (never the first password). */
function newPasswordPage(lang: Lang, username: string, challengeSession: string, refusal?: Refusal): string {
  const t = TEXT[lang];
  const error = refusal === undefined ? '' : alert(lang, refusal, 'new-password-error');
  const described = `new-password-hint${refusal === undefined ? '' : ' new-password-error'}`;
  return `<h1>${t.newPasswordTitle}</h1>
<p id="new-password-hint">${t.newPasswordLead}</p>
${error}<form method="post" action="/console/sign-in/new-password">
<input type="hidden" name="username" value="${e(username)}">
<input type="hidden" name="challenge" value="${e(challengeSession)}">
<label class="field" for="new-password">${t.newPassword}</label>
<input type="password" id="new-password" name="newPassword" autocomplete="new-password" required aria-describedby="${described}">
<label class="field" for="new-password-again">${t.newPasswordAgain}</label>
<input type="password" id="new-password-again" name="newPasswordAgain" autocomplete="new-password" required aria-describedby="${described}">
<div class="actions"><button type="submit">${t.setPassword}</button></div>
</form>`;
}

const field = (form: FormData | undefined, name: string): string => {
  const value = form?.get(name);
  return typeof value === 'string' ? value : '';
};

/** A user's sign-in as a page: on to the console, or the new-password form. */
function signedIn(lang: Lang, result: UserSignIn): ConsoleResult {
  if (result.kind === 'signed_in')
    return { kind: 'redirect', to: '/console', cookies: [sessionCookie(result.sessionId)] };
  return {
    kind: 'page',
    title: TEXT[lang].newPasswordTitle,
    body: newPasswordPage(lang, result.username, result.challengeSession),
  };
}

/** Credentials refused: 401; a user who did authenticate but may not open the console: 403; a form: 400. */
const statusOf = (refusal: Refusal): number =>
  refusal.startsWith('missing') || refusal === 'different_passwords' || refusal === 'weak_password'
    ? 400
    : refusal === 'credentials' || refusal === 'challenge_expired' || KEY_REFUSALS.includes(refusal)
      ? 401
      : 403;

export function signInRoutes(options: SignInOptions): ConsoleRoute[] {
  const ways = (users: boolean) => ({ users, keys: options.keySignIn });
  const page = (lang: Lang, users: boolean, refusal?: Refusal, username?: string): ConsoleResult => ({
    kind: 'page',
    status: refusal === undefined ? undefined : statusOf(refusal),
    title: TEXT[lang].title,
    body: signInPage(lang, ways(users), refusal, username),
  });
  return [
    {
      path: '/console/sign-in',
      method: 'GET',
      public: true,
      async render({ deps, lang, sessionId }) {
        // Signed in already: on to the console.
        if (sessionId !== undefined && (await resolveSession(deps, sessionId)) !== undefined)
          return { kind: 'redirect', to: '/console' };
        return page(lang, deps.consoleUsers !== undefined);
      },
    },
    {
      path: '/console/sign-in',
      method: 'POST',
      public: true,
      async render({ deps, lang, form }) {
        const users = deps.consoleUsers !== undefined;
        if (!options.keySignIn) return { ...page(lang, users), status: 403 };
        const key = field(form, 'key');
        if (key.trim() === '') return page(lang, users, 'missing');
        try {
          const { sessionId } = await signIn(deps, key);
          return { kind: 'redirect', to: '/console', cookies: [sessionCookie(sessionId)] };
        } catch (error) {
          if (!(error instanceof ConsoleSignInError)) throw error;
          return page(lang, users, error.reason);
        }
      },
    },
    {
      path: '/console/sign-in/user',
      method: 'POST',
      public: true,
      async render({ deps, lang, form }) {
        const users = deps.consoleUsers !== undefined;
        if (!users) return page(lang, false, 'no_user_pool');
        const username = field(form, 'username').trim();
        const password = field(form, 'password');
        if (username === '') return page(lang, true, 'missing_username');
        if (password === '') return page(lang, true, 'missing_password', username);
        try {
          return signedIn(lang, await signInUser(deps, username, password));
        } catch (error) {
          if (!(error instanceof ConsoleSignInError)) throw error;
          return page(lang, true, error.reason, username);
        }
      },
    },
    {
      path: '/console/sign-in/new-password',
      method: 'POST',
      public: true,
      async render({ deps, lang, form }) {
        if (deps.consoleUsers === undefined) return page(lang, false, 'no_user_pool');
        const username = field(form, 'username').trim();
        const challenge = field(form, 'challenge');
        const newPassword = field(form, 'newPassword');
        if (username === '' || challenge === '') return page(lang, true, 'challenge_expired');
        const again = (refusal: Refusal): ConsoleResult => ({
          kind: 'page',
          status: statusOf(refusal),
          title: TEXT[lang].newPasswordTitle,
          body: newPasswordPage(lang, username, challenge, refusal),
        });
        if (newPassword === '') return again('missing_new_password');
        if (newPassword !== field(form, 'newPasswordAgain')) return again('different_passwords');
        try {
          return signedIn(lang, await setNewPassword(deps, username, challenge, newPassword));
        } catch (error) {
          if (!(error instanceof ConsoleSignInError)) throw error;
          // The same challenge may be answered again with a better password; anything else starts over.
          if (error.reason === 'weak_password') return again('weak_password');
          return page(lang, true, error.reason, username);
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
