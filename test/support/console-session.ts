import { expect } from 'vitest';

/**
 * A console session as a browser gets one: the sign-in form posted with the gateway's Origin,
 * the session cookie it sets, and the CSRF token read from `page` (a page the role may open).
 * `post` sends a urlencoded form as the page's own forms do: cookie, Origin, token.
 */
export async function consoleSession(apiUrl: string, key: string, page = '/console/justify') {
  const signIn = await fetch(`${apiUrl}/console/sign-in`, {
    method: 'POST',
    headers: { origin: apiUrl, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key }),
    redirect: 'manual',
  });
  expect(signIn.status).toBe(303);
  const cookie = signIn.headers.getSetCookie()[0]!.split(';')[0]!;
  const get = async (path = page) => {
    const r = await fetch(`${apiUrl}${path}`, { headers: { cookie } });
    return { status: r.status, html: await r.text() };
  };
  const first = await get();
  const csrf = /name="csrf" value="([^"]+)"/.exec(first.html)![1]!;
  const post = (path: string, form: Record<string, string>) =>
    fetch(`${apiUrl}${path}`, {
      method: 'POST',
      headers: { cookie, origin: apiUrl, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, ...form }),
      redirect: 'manual',
    });
  return { cookie, csrf, page: first.html, get, post };
}
