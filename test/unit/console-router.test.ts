import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { CONSOLE_CSP, consoleRouter } from '../../shared/http/console/router';
import { allConsoleAssets, consoleRoutes } from '../../shared/http/console/routes';
import type { Dependencies } from '../../shared/services/dependencies';

/** The router's answers that need no store: sign-in turned off, the stylesheet, an unknown page, the Origin. */
const request = (method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
  ({
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'gw.example', ...headers },
    body,
    isBase64Encoded: false,
    requestContext: { http: { method }, domainName: 'gw.example' },
  }) as unknown as APIGatewayProxyEventV2;
/** No store at all: a route that reached one would throw. */
const deps = { publicBaseUrl: '' } as unknown as Dependencies;
const form = { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://gw.example' };

describe('the console router', () => {
  it('sends a download of bytes base64-encoded with its content type, and a JSON download as JSON', async () => {
    const bytes = new Uint8Array([0x50, 0x4b, 0, 0xff, 0x80]);
    const handle = consoleRouter({
      routes: [
        {
          path: '/console/bytes',
          method: 'GET',
          public: true,
          render: async () => ({
            kind: 'download',
            filename: 'a pack.zip',
            contentType: 'application/zip',
            bytes,
          }),
        },
        {
          path: '/console/json',
          method: 'GET',
          public: true,
          render: async () => ({ kind: 'download', filename: 'a.json', body: { ok: true } }),
        },
      ],
      assets: allConsoleAssets(),
    });
    const zip = await handle(request('GET', '/console/bytes'), deps);
    expect(zip.statusCode).toBe(200);
    expect(zip.isBase64Encoded).toBe(true);
    expect([...Buffer.from(zip.body ?? '', 'base64')]).toEqual([...bytes]);
    expect(zip.headers).toMatchObject({
      'content-type': 'application/zip',
      'content-disposition': 'attachment; filename="a_pack.zip"',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    const doc = await handle(request('GET', '/console/json'), deps);
    expect(doc.isBase64Encoded).toBeUndefined();
    expect(doc.headers?.['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(doc.body ?? '')).toEqual({ ok: true });
  });

  it('says sign-in with a key is turned off, and refuses the form, when the deployment turned it off', async () => {
    const handle = consoleRouter({ routes: consoleRoutes({ keySignIn: false }), assets: allConsoleAssets() });
    const page = await handle(request('GET', '/console/sign-in'), deps);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('turned off on this deployment');
    expect(page.body).not.toContain('<form');
    expect(page.headers?.['content-security-policy']).toBe(CONSOLE_CSP);
    const post = await handle(request('POST', '/console/sign-in', form, 'key=cg_admin_x'), deps);
    expect(post.statusCode).toBe(403);
    expect(post.cookies ?? []).toEqual([]);
  });

  it('keeps the account form when key sign-in is off and the deployment has a user pool', async () => {
    const handle = consoleRouter({ routes: consoleRoutes({ keySignIn: false }), assets: allConsoleAssets() });
    // A directory that was asked anything would throw: the page and the refused key form need none.
    const withUsers = { ...deps, consoleUsers: {} } as unknown as Dependencies;
    const page = await handle(request('GET', '/console/sign-in'), withUsers);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('action="/console/sign-in/user"');
    expect(page.body).not.toContain('action="/console/sign-in"');
    expect(page.body).toContain('Sign-in with an API key is turned off on this deployment.');
    const post = await handle(request('POST', '/console/sign-in', form, 'key=cg_admin_x'), withUsers);
    expect(post.statusCode).toBe(403);
    expect(post.cookies ?? []).toEqual([]);
  });

  it('names a missing field of the account form, and has no account form without a user pool', async () => {
    const handle = consoleRouter({ routes: consoleRoutes({ keySignIn: true }), assets: allConsoleAssets() });
    const withUsers = { ...deps, consoleUsers: {} } as unknown as Dependencies;
    const missing = await handle(
      request('POST', '/console/sign-in/user', form, 'username=a%40b.example&password='),
      withUsers,
    );
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('password: enter your password.');
    expect(missing.body).toContain('value="a@b.example"');
    const none = await handle(request('GET', '/console/sign-in'), deps);
    expect(none.body).not.toContain('action="/console/sign-in/user"');
    const refused = await handle(
      request('POST', '/console/sign-in/user', form, 'username=a%40b.example&password=x'),
      deps,
    );
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('Sign-in with an account is not available on this deployment.');
  });

  it('refuses a sign-in posted from another origin before reading the key', async () => {
    const handle = consoleRouter({ routes: consoleRoutes({ keySignIn: true }), assets: allConsoleAssets() });
    const post = await handle(
      request('POST', '/console/sign-in', { ...form, origin: 'https://attacker.example' }, 'key=cg_admin_x'),
      deps,
    );
    expect(post.statusCode).toBe(403);
  });

  it('serves its stylesheet, and a 404 page for a page it does not have; no session: to the sign-in page', async () => {
    const handle = consoleRouter({ routes: consoleRoutes({ keySignIn: true }), assets: allConsoleAssets() });
    const css = await handle(request('GET', '/console/assets/console.css'), deps);
    expect(css.headers?.['content-type']).toMatch(/^text\/css/);
    expect(css.body).toContain('main.console');
    expect((await handle(request('GET', '/console/nothing-here'), deps)).statusCode).toBe(404);
    const home = await handle(request('GET', '/console'), deps);
    expect(home.statusCode).toBe(303);
    expect(home.headers?.location).toBe('/console/sign-in');
  });

  it('remembers the language the switch chose, and answers in it', async () => {
    const handle = consoleRouter({ routes: consoleRoutes({ keySignIn: true }), assets: allConsoleAssets() });
    const page = await handle(request('GET', '/console/sign-in', { 'accept-language': 'en' }), deps);
    expect(page.body).toContain('<html lang="en">');
    const switched = await handle({ ...request('GET', '/console/sign-in'), rawQueryString: 'lang=fr' }, deps);
    expect(switched.body).toContain('<h1>Connexion</h1>');
    expect(switched.cookies).toEqual(['__Host-cg_console_lang=fr; Secure; SameSite=Strict; Path=/']);
    const kept = await handle(
      {
        ...request('GET', '/console/sign-in', { 'accept-language': 'en' }),
        cookies: ['__Host-cg_console_lang=fr'],
      },
      deps,
    );
    expect(kept.body).toContain('<html lang="fr">');
  });
});

describe('assets of a page', () => {
  it('serves a page module’s own asset and loads it from the page, never inline', async () => {
    const { consolePage } = await import('../../shared/http/console/layout');
    const html = consolePage('en', 'Chart', '<h1>Chart</h1>', undefined, {
      scripts: ['chart.js'],
      styles: ['chart.css'],
    });
    expect(html).toContain('<script src="/console/assets/chart.js" defer></script>');
    expect(html).toContain('<link rel="stylesheet" href="/console/assets/chart.css">');
    expect(html).not.toMatch(/<script>|<style>/);
    const handle = consoleRouter({
      routes: consoleRoutes({ keySignIn: true }),
      assets: allConsoleAssets().concat({
        name: 'chart.js',
        contentType: 'text/javascript; charset=utf-8',
        body: () => 'export {};',
      }),
    });
    const served = await handle(request('GET', '/console/assets/chart.js'), deps);
    expect(served.statusCode).toBe(200);
    expect(served.headers?.['content-type']).toMatch(/^text\/javascript/);
  });
});

describe('the header and the first page follow the role', () => {
  it('links a page only for the roles it lists, and opens the first page the role may see', async () => {
    const { hashApiKey } = await import('../../shared/domain/api-key');
    const { signIn } = await import('../../shared/services/console-sessions');
    const sessions = new Map<string, unknown>();
    const now = new Date('2026-12-02T08:00:00.000Z');
    const withStore = {
      publicBaseUrl: '',
      clock: { now: () => now },
      consoleSessions: {
        putSession: async (s: { idHash: string }) => void sessions.set(s.idHash, s),
        getSession: async (h: string) => sessions.get(h),
        touchSession: async () => {},
        deleteSession: async (h: string) => void sessions.delete(h),
      },
      credentials: {
        getApiKey: async (h: string) =>
          h === hashApiKey('cg_compliance_k')
            ? { keyId: 'k', tenantId: 'demo', role: 'compliance', createdAt: now.toISOString() }
            : undefined,
      },
    } as unknown as Dependencies;
    const adminOnly = {
      path: '/console/admin-only',
      method: 'GET' as const,
      roles: ['admin' as const],
      nav: { en: 'Admin only', fr: 'Admin seulement' },
      render: async () => ({ kind: 'page' as const, title: 'Admin only', body: '<h1>Admin only</h1>' }),
    };
    const handle = consoleRouter({
      routes: [adminOnly, ...consoleRoutes({ keySignIn: true })],
      assets: allConsoleAssets(),
    });
    const { sessionId } = await signIn(withStore, 'cg_compliance_k');
    const cookies = [`__Host-cg_console=${sessionId}`];
    const home = await handle({ ...request('GET', '/console'), cookies }, withStore);
    expect(home.headers?.location).toBe('/console/justify');
    const page = await handle({ ...request('GET', '/console/justify'), cookies }, withStore);
    expect(page.body).toContain('href="/console/recipient"');
    expect(page.body).not.toContain('href="/console/admin-only"');
    expect((await handle({ ...request('GET', '/console/admin-only'), cookies }, withStore)).statusCode).toBe(
      403,
    );
  });
});
