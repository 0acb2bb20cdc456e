import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type ConsoleRole, csrfMatches } from '../../domain/console-session';
import type { ConsoleSession } from '../../ports/console-session-store';
import type { Actor } from '../../schemas/audit';
import { callerOf, principalLabel, resolveSession } from '../../services/console-sessions';
import type { Caller, Dependencies } from '../../services/dependencies';
import { actorOf } from '../../services/record-change';
import { formOf } from '../forms';
import { escapeHtml as e, type Lang, negotiateLanguage } from '../pages/layout';
import { type HttpResponse, html, json } from '../responses';
import { CONSOLE_CSS_PATH, CONSOLE_STYLE, consolePage, type NavEntry } from './layout';

/**
 * The compliance console's router. Every page module exports a list of `ConsoleRoute`s;
 * `shared/http/console/routes.ts` concatenates them, and this router serves them behind
 * `GET /console` and `GET|POST /console/{proxy+}` (the `Console` entry point):
 *
 * ```ts
 * export const fooRoutes: readonly ConsoleRoute[] = [
 *   {
 *     path: '/console/foo',            // the exact path
 *     method: 'GET',                   // GET changes nothing; POST is checked (below)
 *     roles: ['admin', 'compliance'],  // who may; any other signed-in role gets 403
 *     nav: { en: 'Foo', fr: 'Foo' },   // optional: a header link (for its roles), in route order
 *     render: async (r) => ({ kind: 'page', title: 'Foo', body: `<h1>Foo</h1>${r.csrfField}` }),
 *   },
 * ];
 * ```
 *
 * `render` gets a `ConsoleRequest` (the dependencies, the session, its `caller` and `actor`
 * for the services, the language, the form of a POST, the query, the hidden CSRF field to put
 * in every form) and returns a `ConsoleResult`: a page (wrapped in the console's chrome), a
 * redirect (303) or a download (JSON from `body`, or `bytes` with their `contentType`); a page may name the assets it loads (`scripts`, `styles`:
 * `ConsoleAsset` names, added to `allConsoleAssets()` in routes.ts). Before `render`, the router has checked, in this order:
 * a session (none: the sign-in page, or 401 on a POST); the route's roles (403); and on every
 * POST the Origin header (the request's own origin, or the deployment's public base URL) and
 * the session's CSRF token in the form field `csrf` (403 when missing or wrong). A route with
 * `public: true` (the sign-in form) takes no session; its POST still needs the Origin.
 *
 * Every action that changes or exports something goes through the same services as the API,
 * with `actor` (the key's id, `via: console`), so that it lands in the audit trail as theirs.
 * Static files (a stylesheet, a chart library) are `ConsoleAsset`s, served under
 * `/console/assets/`: the CSP allows scripts and styles from the gateway only, none inline.
 */
export type ConsoleResult =
  | {
      readonly kind: 'page';
      readonly title: string;
      /** The page's content, HTML already escaped. */
      readonly body: string;
      readonly status?: number;
      /** Asset names (`ConsoleAsset.name`) the page loads: scripts (deferred) and stylesheets. */
      readonly scripts?: readonly string[];
      readonly styles?: readonly string[];
    }
  | { readonly kind: 'redirect'; readonly to: string; readonly cookies?: readonly string[] }
  | { readonly kind: 'download'; readonly filename: string; readonly body: unknown }
  /** A download of bytes (a ZIP, a PDF) with its content type. */
  | {
      readonly kind: 'download';
      readonly filename: string;
      readonly contentType: string;
      readonly bytes: Uint8Array;
    };

export interface ConsoleRequest {
  readonly deps: Dependencies;
  readonly session: ConsoleSession;
  /** The session as the services' caller (its tenant, key id and role). */
  readonly caller: Caller;
  /** The audit trail's actor of whatever this request changes or exports. */
  readonly actor: Actor;
  readonly lang: Lang;
  /** A POST's form (urlencoded or multipart); undefined for a GET. */
  readonly form: FormData | undefined;
  readonly query: URLSearchParams;
  readonly event: APIGatewayProxyEventV2;
  /** `<input type="hidden" name="csrf" …>`: put it in every form that posts. */
  readonly csrfField: string;
  /** The session's cookie value (sign-out only needs it). */
  readonly sessionId: string;
}

interface RouteBase {
  readonly path: string;
  readonly method: 'GET' | 'POST';
  /** A link in the header (GET routes), in the order of the routes; `/console` opens the first. */
  readonly nav?: NavEntry['label'];
}

/** A page of a signed-in user. */
export interface SessionRoute extends RouteBase {
  readonly public?: undefined;
  readonly roles: readonly ConsoleRole[];
  render(request: ConsoleRequest): Promise<ConsoleResult>;
}

/** A page without a session (the sign-in form): a POST still needs the Origin. */
export interface PublicRoute extends RouteBase {
  readonly public: true;
  render(request: PublicConsoleRequest): Promise<ConsoleResult>;
}

export type ConsoleRoute = SessionRoute | PublicRoute;

export interface PublicConsoleRequest {
  readonly deps: Dependencies;
  readonly lang: Lang;
  readonly form: FormData | undefined;
  readonly query: URLSearchParams;
  readonly event: APIGatewayProxyEventV2;
  /** The session cookie's value, if the browser sent one (the sign-in page sends a signed-in user on). */
  readonly sessionId: string | undefined;
}

export interface ConsoleAsset {
  /** The file's name under `/console/assets/`. */
  readonly name: string;
  readonly contentType: string;
  body(): string;
}

/** The session cookie: `__Host-` (Secure, Path=/, no Domain) so no subdomain can set or read it. */
export const SESSION_COOKIE = '__Host-cg_console';
/** The language chosen with the switch. */
export const LANG_COOKIE = '__Host-cg_console_lang';

export const sessionCookie = (id: string) =>
  `${SESSION_COOKIE}=${id}; HttpOnly; Secure; SameSite=Strict; Path=/`;
export const expiredSessionCookie = `${SESSION_COOKIE}=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0`;

/**
 * `same-origin`, not the recipient pages' `no-referrer`: with `no-referrer` a browser sends
 * `Origin: null` on every form POST (Fetch, "append a request Origin header"), and the Origin
 * check could not tell the console's own forms from another site's. Other sites still get no
 * referrer.
 */
const CONSOLE_HEADERS = { 'referrer-policy': 'same-origin' };

/** Scripts and styles from the gateway only, none inline; forms post to it only; no framing. */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const TEXT = {
  en: {
    forbiddenTitle: 'Not allowed',
    forbiddenRole: 'Your role may not do this: it needs an admin key. A compliance session only reads.',
    forbiddenCsrf:
      'This form is out of date or did not come from this console (its security token is missing or wrong). Go back, reload the page and try again.',
    notFoundTitle: 'Page not found',
    notFound: 'There is no console page at this address.',
    back: 'Back to the console',
    expired: 'Your session has ended. Sign in again.',
  },
  fr: {
    forbiddenTitle: 'Action non autorisée',
    forbiddenRole:
      'Votre rôle ne permet pas cette action : il faut une clé admin. Une session conformité ne fait que lire.',
    forbiddenCsrf:
      'Ce formulaire est périmé ou ne vient pas de cette console (son jeton de sécurité manque ou est faux). Revenez en arrière, rechargez la page et recommencez.',
    notFoundTitle: 'Page introuvable',
    notFound: 'Aucune page de la console à cette adresse.',
    back: 'Revenir à la console',
    expired: 'Votre session est terminée. Reconnectez-vous.',
  },
} as const;

/** Cookies as API Gateway's payload 2.0 gives them (`event.cookies`), or the raw header. */
export function cookiesOf(event: APIGatewayProxyEventV2): Map<string, string> {
  const raw = event.cookies ?? (event.headers?.cookie ?? '').split(';');
  const out = new Map<string, string>();
  for (const part of raw) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    const name = part.slice(0, at).trim();
    if (!out.has(name)) out.set(name, part.slice(at + 1).trim());
  }
  return out;
}

/**
 * The console's language: the switch's `?lang=` (remembered in a cookie), else the cookie,
 * else Accept-Language.
 */
function languageOf(event: APIGatewayProxyEventV2, query: URLSearchParams, cookies: Map<string, string>) {
  const asked = query.get('lang');
  if (asked === 'fr' || asked === 'en') return { lang: asked as Lang, remember: true };
  const kept = cookies.get(LANG_COOKIE);
  if (kept === 'fr' || kept === 'en') return { lang: kept as Lang, remember: false };
  return { lang: negotiateLanguage(event.headers?.['accept-language']), remember: false };
}

/**
 * CSRF, second line: a POST must come from a page of this gateway. Browsers send Origin
 * with every form POST; its absence is refused too.
 */
export function originAllowed(event: APIGatewayProxyEventV2, publicBaseUrl: string): boolean {
  const origin = event.headers?.origin;
  if (origin === undefined || origin === 'null') return false;
  let given: URL;
  try {
    given = new URL(origin);
  } catch {
    return false;
  }
  const host = event.headers?.host ?? event.requestContext.domainName;
  if (host !== undefined && given.host === host) return true;
  try {
    return publicBaseUrl !== '' && new URL(publicBaseUrl).origin === given.origin;
  } catch {
    return false;
  }
}

export interface ConsoleRouterOptions {
  readonly routes: readonly ConsoleRoute[];
  readonly assets: readonly ConsoleAsset[];
}

export function consoleAssets(extra: readonly ConsoleAsset[] = []): ConsoleAsset[] {
  return [
    { name: 'console.css', contentType: 'text/css; charset=utf-8', body: () => CONSOLE_STYLE },
    ...extra,
  ];
}

/** Serves one request of the console (the Console entry point's handler calls it). */
export function consoleRouter(options: ConsoleRouterOptions) {
  const nav: (NavEntry & { roles: readonly ConsoleRole[] })[] = options.routes.flatMap((r) =>
    r.nav !== undefined && r.method === 'GET' && r.public !== true
      ? [{ path: r.path, label: r.nav, roles: r.roles }]
      : [],
  );
  const assets = new Map(options.assets.map((a) => [`/console/assets/${a.name}`, a]));
  if (!assets.has(CONSOLE_CSS_PATH)) throw new Error('The console stylesheet is not among the assets');

  return async function handle(event: APIGatewayProxyEventV2, deps: Dependencies): Promise<HttpResponse> {
    const method = event.requestContext.http.method;
    const path = event.rawPath.replace(/\/+$/, '') || '/console';
    const query = new URLSearchParams(event.rawQueryString ?? '');
    const cookies = cookiesOf(event);
    const { lang, remember } = languageOf(event, query, cookies);
    const langCookies = remember ? [`${LANG_COOKIE}=${lang}; Secure; SameSite=Strict; Path=/`] : [];
    const t = TEXT[lang];
    const respond = (result: ConsoleResult, chrome?: Parameters<typeof consolePage>[3]): HttpResponse => {
      if (result.kind === 'redirect') {
        return {
          statusCode: 303,
          headers: { location: result.to, 'cache-control': 'no-store', ...CONSOLE_HEADERS },
          cookies: [...langCookies, ...(result.cookies ?? [])],
          body: '',
        };
      }
      if (result.kind === 'download' && 'bytes' in result) {
        return {
          statusCode: 200,
          headers: {
            'content-type': result.contentType,
            'cache-control': 'no-store',
            'x-content-type-options': 'nosniff',
            'content-disposition': `attachment; filename="${result.filename.replace(/[^\w.-]/g, '_')}"`,
            ...CONSOLE_HEADERS,
          },
          cookies: langCookies,
          isBase64Encoded: true,
          body: Buffer.from(result.bytes).toString('base64'),
        };
      }
      if (result.kind === 'download') {
        return {
          ...json(200, result.body, {
            'content-disposition': `attachment; filename="${result.filename.replace(/[^\w.-]/g, '_')}"`,
          }),
          cookies: langCookies,
        };
      }
      return {
        ...html(result.status ?? 200, consolePage(lang, result.title, result.body, chrome, result), {
          'content-security-policy': CONSOLE_CSP,
          ...CONSOLE_HEADERS,
        }),
        cookies: langCookies,
      };
    };
    const message = (
      status: number,
      title: string,
      text: string,
      chrome?: Parameters<typeof consolePage>[3],
    ) =>
      respond(
        {
          kind: 'page',
          status,
          title,
          body: `<h1>${title}</h1>\n<p class="notice error" role="alert">${text}</p>\n<p><a href="/console">${t.back}</a></p>`,
        },
        chrome,
      );

    const asset = method === 'GET' ? assets.get(path) : undefined;
    if (asset !== undefined) {
      return {
        statusCode: 200,
        headers: {
          'content-type': asset.contentType,
          'cache-control': 'public, max-age=300',
          'x-content-type-options': 'nosniff',
        },
        body: asset.body(),
      };
    }
    const route = options.routes.find((r) => r.path === path && r.method === method);
    const known = options.routes.some((r) => r.path === path) || path === '/console';
    if (route === undefined && !(path === '/console' && method === 'GET'))
      return message(known ? 405 : 404, t.notFoundTitle, t.notFound);

    let form: FormData | undefined;
    if (method === 'POST') {
      if (!originAllowed(event, deps.publicBaseUrl)) return message(403, t.forbiddenTitle, t.forbiddenCsrf);
      form = (await formOf(event)) ?? new FormData();
    }
    const sessionId = cookies.get(SESSION_COOKIE) ?? '';
    const base = { deps, lang, form, query, event };
    if (route?.public === true)
      return respond(await route.render({ ...base, sessionId: sessionId === '' ? undefined : sessionId }));

    const session = sessionId === '' ? undefined : await resolveSession(deps, sessionId);
    if (session === undefined) {
      // No session (or an ended one): to the sign-in page; a POST's form is not replayed.
      const cleared = sessionId === '' ? [] : [expiredSessionCookie];
      if (method === 'POST')
        return { ...message(401, t.forbiddenTitle, t.expired), cookies: [...langCookies, ...cleared] };
      return respond({ kind: 'redirect', to: '/console/sign-in', cookies: cleared });
    }
    const csrfField = `<input type="hidden" name="csrf" value="${e(session.csrfToken)}">`;
    // The header links only the pages this role may open.
    const links = nav.filter((n) => n.roles.includes(session.role));
    const chrome = {
      tenantId: session.tenantId,
      role: session.role,
      who: principalLabel(session.principal),
      nav: links,
      currentPath: path,
      csrfField,
    };
    // The console's address: its first page.
    if (route === undefined) {
      const first = links[0];
      if (first !== undefined) return respond({ kind: 'redirect', to: first.path });
      return message(404, t.notFoundTitle, t.notFound, chrome);
    }
    if (method === 'POST' && !csrfMatches(session.csrfToken, form?.get('csrf')))
      return message(403, t.forbiddenTitle, t.forbiddenCsrf, chrome);
    if (!route.roles.includes(session.role)) return message(403, t.forbiddenTitle, t.forbiddenRole, chrome);
    const caller = callerOf(session);
    return respond(
      await route.render({
        ...base,
        session,
        caller,
        actor: actorOf(caller, 'console'),
        csrfField,
        sessionId,
      }),
      chrome,
    );
  };
}

/**
 * What a thrown error becomes (the error handler maps it to a status first): a 4xx says what
 * was wrong, a 5xx nothing internal.
 */
export function consoleErrorPage(status: number, message: string): HttpResponse {
  const title = status >= 500 ? 'Something went wrong' : 'This request was refused';
  const text =
    status >= 500
      ? 'The console could not answer (the store may be unavailable). Try again in a moment.'
      : message;
  return html(
    status,
    consolePage(
      'en',
      title,
      `<h1>${title}</h1>\n<p class="notice error" role="alert">${e(text)}</p>\n<p><a href="/console">Back to the console</a></p>`,
    ),
    { 'content-security-policy': CONSOLE_CSP, ...CONSOLE_HEADERS },
  );
}
