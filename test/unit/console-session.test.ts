import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { hashApiKey } from '../../shared/domain/api-key';
import {
  csrfMatches,
  SESSION_IDLE_MS,
  SESSION_MAX_MS,
  SESSION_TOUCH_MS,
  sessionEnded,
  sessionIdHash,
  sessionTtl,
  shouldTouch,
} from '../../shared/domain/console-session';
import { cookiesOf, originAllowed } from '../../shared/http/console/router';
import type { ConsoleSession, ConsoleSessionStore } from '../../shared/ports/console-session-store';
import type { ApiKeyRecord, CredentialStore } from '../../shared/ports/credential-store';
import { ConsoleSignInError, resolveSession, signIn, signOut } from '../../shared/services/console-sessions';

/** The console's sessions: 8 h idle, 12 h at most, the key checked on each use; CSRF and Origin. */
const t0 = new Date('2026-12-02T08:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const HOUR = 3_600_000;

describe('session times', () => {
  const session = (lastSeenMs: number) => ({
    createdAt: t0.toISOString(),
    lastSeenAt: at(lastSeenMs).toISOString(),
  });
  it.each([
    ['just signed in', 0, 1, false],
    ['idle a moment short of 8 h', 0, SESSION_IDLE_MS - 1, false],
    ['idle 8 h', 0, SESSION_IDLE_MS, true],
    ['used 7 h ago, 11 h after sign-in', 4 * HOUR, 11 * HOUR, false],
    ['used a minute ago, but 12 h after sign-in', SESSION_MAX_MS - 60_000, SESSION_MAX_MS, true],
  ])('%s: ended %s', (_title, lastSeen, now, ended) => {
    expect(sessionEnded(session(lastSeen), at(now))).toBe(ended);
  });

  it('ends a session whose instants cannot be read (fail closed)', () => {
    expect(sessionEnded({ createdAt: 'nonsense', lastSeenAt: t0.toISOString() }, t0)).toBe(true);
  });

  it('writes the last use at most every few minutes, and the TTL is the end', () => {
    expect(shouldTouch(session(0), at(SESSION_TOUCH_MS - 1))).toBe(false);
    expect(shouldTouch(session(0), at(SESSION_TOUCH_MS))).toBe(true);
    expect(sessionTtl(session(0))).toBe((t0.getTime() + SESSION_IDLE_MS) / 1000);
    expect(sessionTtl(session(10 * HOUR))).toBe((t0.getTime() + SESSION_MAX_MS) / 1000);
  });

  it('compares CSRF tokens whole', () => {
    expect(csrfMatches('abc123', 'abc123')).toBe(true);
    expect(csrfMatches('abc123', 'abc12')).toBe(false);
    expect(csrfMatches('abc123', 'abc124')).toBe(false);
    expect(csrfMatches('abc123', undefined)).toBe(false);
    expect(csrfMatches('abc123', '')).toBe(false);
  });
});

/** In-memory fakes of the two ports the service uses. */
function fakes(now: { value: Date }) {
  const sessions = new Map<string, ConsoleSession>();
  const keys = new Map<string, ApiKeyRecord>();
  const consoleSessions: ConsoleSessionStore = {
    putSession: async (s) => void sessions.set(s.idHash, s),
    getSession: async (h) => sessions.get(h),
    touchSession: async (h, lastSeenAt) => {
      const s = sessions.get(h);
      if (s) sessions.set(h, { ...s, lastSeenAt });
    },
    deleteSession: async (h) => void sessions.delete(h),
  };
  const credentials = { getApiKey: async (h: string) => keys.get(h) } as unknown as CredentialStore;
  const put = (key: string, record: Partial<ApiKeyRecord> & Pick<ApiKeyRecord, 'role'>) =>
    keys.set(hashApiKey(key), {
      keyId: `key-${keys.size + 1}`,
      tenantId: 'demo',
      createdAt: t0.toISOString(),
      ...record,
    });
  return { deps: { consoleSessions, credentials, clock: { now: () => now.value } }, sessions, keys, put };
}

describe('sign-in and sessions', () => {
  it('exchanges an admin or compliance key for a session the table holds by hash only', async () => {
    const now = { value: t0 };
    const { deps, sessions, put } = fakes(now);
    put('cg_compliance_x', { role: 'compliance' });
    const { sessionId, session } = await signIn(deps, ' cg_compliance_x ');
    expect(session).toMatchObject({
      tenantId: 'demo',
      principal: { kind: 'key', keyId: 'key-1' },
      role: 'compliance',
    });
    expect([...sessions.keys()]).toEqual([sessionIdHash(sessionId)]);
    expect(JSON.stringify([...sessions.values()])).not.toContain(sessionId);
    expect(JSON.stringify([...sessions.values()])).not.toContain('cg_compliance_x');
    expect(await resolveSession(deps, sessionId)).toMatchObject({ principal: { keyId: 'key-1' } });
    await signOut(deps, sessionId);
    expect(sessions.size).toBe(0);
    expect(await resolveSession(deps, sessionId)).toBeUndefined();
  });

  it.each([
    ['an unknown key', undefined, 'unknown_key'],
    ['a sender key', { role: 'sender' as const }, 'wrong_role'],
    ['the operator key', { role: 'operator' as const }, 'wrong_role'],
    ['a revoked admin key', { role: 'admin' as const, revokedAt: at(-1).toISOString() }, 'revoked'],
    ['an expired admin key', { role: 'admin' as const, expiresAt: at(-1).toISOString() }, 'expired'],
  ])('refuses %s', async (_title, record, reason) => {
    const { deps, sessions, put } = fakes({ value: t0 });
    if (record !== undefined) put('cg_key', record);
    await expect(signIn(deps, 'cg_key')).rejects.toEqual(new ConsoleSignInError(reason as never));
    expect(sessions.size).toBe(0);
  });

  it('ends a session 8 h idle, and one whose key was revoked since: the item is deleted', async () => {
    const now = { value: t0 };
    const { deps, sessions, keys, put } = fakes(now);
    put('cg_admin_a', { role: 'admin' });
    const idle = await signIn(deps, 'cg_admin_a');
    const revoked = await signIn(deps, 'cg_admin_a');
    now.value = at(7 * HOUR);
    expect(await resolveSession(deps, revoked.sessionId)).toBeDefined();
    keys.set(hashApiKey('cg_admin_a'), {
      ...keys.get(hashApiKey('cg_admin_a'))!,
      revokedAt: at(7 * HOUR).toISOString(),
    });
    expect(await resolveSession(deps, revoked.sessionId)).toBeUndefined();
    expect(sessions.has(sessionIdHash(revoked.sessionId))).toBe(false);
    now.value = at(SESSION_IDLE_MS);
    expect(await resolveSession(deps, idle.sessionId)).toBeUndefined();
    expect(sessions.size).toBe(0);
  });

  it('keeps a session in use open, writing its last use', async () => {
    const now = { value: t0 };
    const { deps, sessions, put } = fakes(now);
    put('cg_admin_b', { role: 'admin' });
    const { sessionId } = await signIn(deps, 'cg_admin_b');
    now.value = at(6 * HOUR);
    await resolveSession(deps, sessionId);
    now.value = at(13 * HOUR - 1);
    // 7 h after its last use but 13 h after sign-in: ended by the 12 h bound.
    expect(await resolveSession(deps, sessionId)).toBeUndefined();
    expect(sessions.size).toBe(0);
  });
});

const event = (headers: Record<string, string>, cookies?: string[]) =>
  ({
    headers,
    cookies,
    requestContext: { domainName: 'api.example.com' },
  }) as unknown as APIGatewayProxyEventV2;

describe('the Origin check and cookies', () => {
  it.each([
    ['the request’s own origin', { origin: 'https://api.example.com', host: 'api.example.com' }, '', true],
    [
      'the public base URL',
      { origin: 'https://mail.example.com', host: 'x.execute-api' },
      'https://mail.example.com/',
      true,
    ],
    ['another site', { origin: 'https://attacker.example', host: 'api.example.com' }, '', false],
    ['Origin: null', { origin: 'null', host: 'api.example.com' }, '', false],
    ['no Origin', { host: 'api.example.com' }, '', false],
    [
      'a look-alike host',
      { origin: 'https://api.example.com.attacker.example', host: 'api.example.com' },
      '',
      false,
    ],
  ])('%s: %s', (_title, headers, base, allowed) => {
    expect(originAllowed(event(headers), base)).toBe(allowed);
  });

  it('reads payload 2.0 cookies, or the Cookie header', () => {
    expect(cookiesOf(event({}, ['a=1', '__Host-cg_console=xyz'])).get('__Host-cg_console')).toBe('xyz');
    expect(cookiesOf(event({ cookie: 'a=1; __Host-cg_console=abc=' })).get('__Host-cg_console')).toBe('abc=');
  });
});
