import {
  AdminDisableUserCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CognitoUserDirectory, idTokenVerifier } from '../../shared/adapters/cognito-user-directory';
import { SESSION_TOUCH_MS } from '../../shared/domain/console-session';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import { UserDirectoryUnavailableError } from '../../shared/ports/console-user-directory';
import { type CognitoLocal, startCognitoLocal } from '../support/cognito-local';
import { type LocalGateway, startLocalGateway } from '../support/local-gateway';

/**
 * The console's sign-in as a user of the user pool, against cognito-local (Cognito's local
 * stand-in, test/support/cognito-local.ts) and the real Console handler on DynamoDB Local:
 * the role from the user's group, the tenant from their attribute, the first sign-in's new
 * password, one refusal for every wrong credential, a disabled user's session ended at the
 * next re-check, and what a user does audited as them (`console_user`, their sub).
 */
let gw: LocalGateway;
let cognito: CognitoLocal;
const PASSWORD = 'Correct-horse-42!';

beforeAll(async () => {
  cognito = await startCognitoLocal();
  gw = await startLocalGateway({ consoleUserPool: cognito.pool });
  const tenants = runtimeDependencies().tenants;
  for (const [email, groups] of [
    ['admin@shop.example', ['admin']],
    ['dpo@shop.example', ['compliance']],
    ['nogroup@shop.example', []],
    ['both@shop.example', ['admin', 'compliance']],
    ['later-disabled@shop.example', ['admin']],
  ] as const)
    await cognito.addUser({ email, tenantId: 'demo', groups, password: PASSWORD, tenants });
  await cognito.addUser({
    email: 'first@shop.example',
    tenantId: 'demo',
    groups: ['compliance'],
    password: 'Temporary-1!',
    temporary: true,
    tenants,
  });
  // A tenant the gateway does not have: written by hand in the pool (the CLI refuses it).
  await cognito.addUser({
    email: 'ghost@elsewhere.example',
    tenantId: 'ghost',
    groups: [],
    password: PASSWORD,
    tenants,
  });
  await cognito.client.send(
    new (await import('@aws-sdk/client-cognito-identity-provider')).AdminAddUserToGroupCommand({
      UserPoolId: cognito.pool.userPoolId,
      Username: 'ghost@elsewhere.example',
      GroupName: 'admin',
    }),
  );
}, 120_000);

afterAll(async () => {
  setDependencies(undefined);
  await gw?.stop();
  await cognito?.stop();
});

const form = (path: string, fields: Record<string, string>, cookie?: string) =>
  fetch(`${gw.apiUrl}${path}`, {
    method: 'POST',
    headers: {
      origin: gw.apiUrl,
      'content-type': 'application/x-www-form-urlencoded',
      ...(cookie === undefined ? {} : { cookie }),
    },
    body: new URLSearchParams(fields),
    redirect: 'manual',
  });

const alertOf = (html: string) => /<p class="notice error" role="alert"[^>]*>([^<]*)<\/p>/.exec(html)?.[1];

/** A session as a user: the cookie, its CSRF token read from a page, and a form poster. */
async function userSession(username: string, password = PASSWORD) {
  const signIn = await form('/console/sign-in/user', { username, password });
  expect(signIn.status, await signIn.clone().text()).toBe(303);
  const cookie = signIn.headers.getSetCookie()[0]!.split(';')[0]!;
  const get = async (path: string) => {
    const r = await fetch(`${gw.apiUrl}${path}`, { headers: { cookie }, redirect: 'manual' });
    return { status: r.status, location: r.headers.get('location'), html: await r.text() };
  };
  const page = await get('/console/recipient');
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.html)![1]!;
  return {
    cookie,
    get,
    page,
    post: (path: string, fields: Record<string, string>) => form(path, { csrf, ...fields }, cookie),
  };
}

describe('sign-in with the user pool', () => {
  it('shows both forms: the account and the API key', async () => {
    const html = await (await fetch(`${gw.apiUrl}/console/sign-in`)).text();
    expect(html).toContain('action="/console/sign-in/user"');
    expect(html).toContain('name="username"');
    expect(html).toContain('action="/console/sign-in"');
  });

  it.each([
    ['admin@shop.example', 'admin'],
    ['dpo@shop.example', 'compliance (read only)'],
  ])('signs %s in, with the role of their group', async (username, role) => {
    const { page } = await userSession(username);
    expect(page.status).toBe(200);
    expect(page.html).toContain(`demo · ${role} · <span class="mono">${username}</span>`);
  });

  it('asks for a new password at the first sign-in, carrying the challenge, never the password', async () => {
    const first = await form('/console/sign-in/user', {
      username: 'first@shop.example',
      password: 'Temporary-1!',
    });
    expect(first.status).toBe(200);
    const html = await first.text();
    expect(html).toContain('action="/console/sign-in/new-password"');
    expect(html).not.toContain('Temporary-1!');
    const challenge = /name="challenge" value="([^"]+)"/.exec(html)![1]!;
    const different = await form('/console/sign-in/new-password', {
      username: 'first@shop.example',
      challenge,
      newPassword: 'Brand-new-pass-7!',
      newPasswordAgain: 'Brand-new-pass-8!',
    });
    expect(different.status).toBe(400);
    expect(alertOf(await different.text())).toContain('newPasswordAgain');
    const set = await form('/console/sign-in/new-password', {
      username: 'first@shop.example',
      challenge,
      newPassword: 'Brand-new-pass-7!',
      newPasswordAgain: 'Brand-new-pass-7!',
    });
    expect(set.status).toBe(303);
    expect(set.headers.get('location')).toBe('/console');
    // The new password is the password now.
    await userSession('first@shop.example', 'Brand-new-pass-7!');
  });

  it('refuses a wrong password and an unknown user with one text that says neither', async () => {
    const wrong = await form('/console/sign-in/user', { username: 'admin@shop.example', password: 'wrong' });
    const unknown = await form('/console/sign-in/user', {
      username: 'nobody@shop.example',
      password: 'wrong',
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const [a, b] = [alertOf(await wrong.text()), alertOf(await unknown.text())];
    expect(a).toBe('The email address or password is wrong, or this account may not sign in.');
    expect(b).toBe(a);
    expect(wrong.headers.getSetCookie()).toEqual([]);
  });

  it('says so in French too', async () => {
    const r = await fetch(`${gw.apiUrl}/console/sign-in/user?lang=fr`, {
      method: 'POST',
      headers: { origin: gw.apiUrl, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'nobody@shop.example', password: 'x' }),
    });
    expect(alertOf(await r.text())).toBe(
      'L’adresse e-mail ou le mot de passe est faux, ou ce compte ne peut pas se connecter.',
    );
  });

  it.each([
    ['nogroup@shop.example', 'neither the admin nor the compliance group'],
    ['both@shop.example', 'both the admin and the compliance group'],
    ['ghost@elsewhere.example', 'an organisation this gateway does not have'],
  ])('refuses %s, named', async (username, text) => {
    const r = await form('/console/sign-in/user', { username, password: PASSWORD });
    expect(r.status).toBe(403);
    expect(alertOf(await r.text())).toContain(text);
    expect(r.headers.getSetCookie()).toEqual([]);
  });

  it('names a missing field', async () => {
    const r = await form('/console/sign-in/user', { username: 'admin@shop.example', password: '' });
    expect(r.status).toBe(400);
    expect(alertOf(await r.text())).toBe('password: enter your password.');
  });
});

describe('a user session', () => {
  it('ends at the next re-check once the user is disabled', async () => {
    const { get } = await userSession('later-disabled@shop.example');
    await cognito.client.send(
      new AdminDisableUserCommand({
        UserPoolId: cognito.pool.userPoolId,
        Username: 'later-disabled@shop.example',
      }),
    );
    // Before the re-check the session stands (the user is looked up when its last use is written).
    expect((await get('/console/recipient')).status).toBe(200);
    const real = runtimeDependencies();
    const later = new Date(Date.now() + SESSION_TOUCH_MS + 1000);
    setDependencies({ ...real, clock: { now: () => later } });
    try {
      const after = await get('/console/recipient');
      expect(after.status).toBe(303);
      expect(after.location).toBe('/console/sign-in');
    } finally {
      setDependencies(real);
    }
    // Deleted, not just refused once.
    expect((await get('/console/recipient')).status).toBe(303);
  });

  it('keeps a compliance user to reading: a forged POST that would erase answers 403', async () => {
    const key = (
      await gw.call('PUT', '/v1/recipients', {
        key: gw.adminKey,
        body: { channel: 'email', address: 'kept.user@example.org', audience: 'consumer' },
      })
    ).body.recipientKey as string;
    const { post } = await userSession('dpo@shop.example');
    const erase = await post('/console/recipient/erase/confirm', { recipientKey: key, channel: 'email' });
    expect(erase.status).toBe(403);
    expect((await gw.call('GET', `/v1/recipients/${key}`, { key: gw.adminKey })).body.profile).toBeDefined();
  });

  it("does not show tenant A's user tenant B's recipient", async () => {
    const other = await gw.call('POST', '/v1/operator/tenants', {
      key: gw.operatorKey,
      body: { id: 'other-users', name: 'Other' },
    });
    expect(other.status, other.text).toBe(201);
    const put = await gw.call('PUT', '/v1/recipients', {
      key: other.body.adminKey,
      body: { channel: 'email', address: 'only.other@example.org', audience: 'consumer' },
    });
    expect(put.status, put.text).toBe(200);
    const { post } = await userSession('admin@shop.example');
    const r = await post('/console/recipient', { address: 'only.other@example.org', channel: 'email' });
    expect(r.status).toBe(404);
    const html = await r.text();
    expect(html).toContain('No recipient with this address in your tenant.');
    expect(html).not.toContain(put.body.recipientKey);
  });

  it("audits an admin user's erasure as console_user, by their sub", async () => {
    const key = (
      await gw.call('PUT', '/v1/recipients', {
        key: gw.adminKey,
        body: { channel: 'email', address: 'erased.by.user@example.org', audience: 'consumer' },
      })
    ).body.recipientKey as string;
    const { post } = await userSession('admin@shop.example');
    const erase = await post('/console/recipient/erase/confirm', { recipientKey: key, channel: 'email' });
    expect(erase.status).toBe(200);
    const audit = await gw.call('GET', `/v1/recipients/${key}/audit`, { key: gw.adminKey });
    expect(audit.status, audit.text).toBe(200);
    const erased = (audit.body.events as { type: string; actor: unknown }[]).find(
      (e) => e.type === 'recipient.erased',
    );
    const sessions = await import('@aws-sdk/client-cognito-identity-provider');
    const user = await cognito.client.send(
      new sessions.AdminGetUserCommand({
        UserPoolId: cognito.pool.userPoolId,
        Username: 'admin@shop.example',
      }),
    );
    const sub = user.UserAttributes!.find((a) => a.Name === 'sub')!.Value;
    expect(erased?.actor).toEqual({ type: 'console_user', id: sub, via: 'console' });
  });
});

describe('the ID token check', () => {
  const tokens = async (clientId: string) =>
    (
      await cognito.client.send(
        new InitiateAuthCommand({
          AuthFlow: 'USER_PASSWORD_AUTH',
          ClientId: clientId,
          AuthParameters: { USERNAME: 'admin@shop.example', PASSWORD: PASSWORD },
        }),
      )
    ).AuthenticationResult!;

  it("takes the pool's ID token for the console's client, and refuses its access token", async () => {
    const verifier = idTokenVerifier(cognito.pool);
    const { IdToken, AccessToken } = await tokens(cognito.pool.clientId);
    await expect(verifier.verify(IdToken!)).resolves.toMatchObject({ token_use: 'id' });
    await expect(verifier.verify(AccessToken!)).rejects.toThrow();
  });

  it('refuses an ID token of another app client (audience) or another issuer', async () => {
    const { UserPoolClient } = await cognito.client.send(
      new CreateUserPoolClientCommand({ UserPoolId: cognito.pool.userPoolId, ClientName: 'another' }),
    );
    const { IdToken } = await tokens(UserPoolClient!.ClientId!);
    await expect(idTokenVerifier(cognito.pool).verify(IdToken!)).rejects.toThrow(/audience/i);
    const own = (await tokens(cognito.pool.clientId)).IdToken!;
    await expect(
      idTokenVerifier({
        ...cognito.pool,
        issuer: 'https://cognito-idp.eu-west-3.amazonaws.com/elsewhere',
      }).verify(own),
    ).rejects.toThrow(/issuer/i);
  });
});

describe('a user pool that cannot be reached', () => {
  it('is an error of the directory, never a refusal or a session (the SDK failing to connect)', async () => {
    const dead = new CognitoUserDirectory(
      new CognitoIdentityProviderClient({
        endpoint: 'http://127.0.0.1:9',
        region: 'eu-west-3',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxAttempts: 1,
      }),
      cognito.pool,
    );
    await expect(dead.authenticate('admin@shop.example', PASSWORD)).rejects.toBeInstanceOf(
      UserDirectoryUnavailableError,
    );
    await expect(dead.lookUp('admin@shop.example')).rejects.toBeInstanceOf(UserDirectoryUnavailableError);
  });

  it('answers 503 at sign-in and at a re-check, lets nobody in, and keeps the session for when it is back', async () => {
    const { get } = await userSession('admin@shop.example');
    const real = runtimeDependencies();
    const down = () => Promise.reject(new UserDirectoryUnavailableError('Cognito unreachable (injected)'));
    const later = new Date(Date.now() + SESSION_TOUCH_MS + 1000);
    setDependencies({
      ...real,
      clock: { now: () => later },
      consoleUsers: { authenticate: down, setNewPassword: down, lookUp: down },
    });
    try {
      const signIn = await form('/console/sign-in/user', {
        username: 'admin@shop.example',
        password: PASSWORD,
      });
      expect(signIn.status).toBe(503);
      expect(signIn.headers.getSetCookie()).toEqual([]);
      const body = await signIn.text();
      expect(body).not.toContain('injected');
      const page = await get('/console/recipient');
      expect(page.status).toBe(503);
      expect(page.html).not.toContain('kept.user');
    } finally {
      setDependencies(real);
    }
    expect((await get('/console/recipient')).status).toBe(200);
  });
});
