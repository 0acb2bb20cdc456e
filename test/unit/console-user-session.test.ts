import { describe, expect, it } from 'vitest';
import { SESSION_TOUCH_MS } from '../../shared/domain/console-session';
import { type ConsoleUserStanding, consoleRoleOf, userSessionStands } from '../../shared/domain/console-user';
import type { ConsoleSession, ConsoleSessionStore } from '../../shared/ports/console-session-store';
import type { ConsoleAuthentication, ConsoleUserDirectory } from '../../shared/ports/console-user-directory';
import type { CredentialStore } from '../../shared/ports/credential-store';
import type { TenantStore } from '../../shared/ports/tenant-store';
import {
  ConsoleSignInError,
  callerOf,
  resolveSession,
  setNewPassword,
  signInUser,
} from '../../shared/services/console-sessions';
import { actorOf } from '../../shared/services/record-change';

/** A console session from a user of the user pool: role from the group, tenant from custom:tenant, re-checked. */
const t0 = new Date('2026-12-02T08:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

const alice: ConsoleUserStanding = {
  sub: 'sub-alice',
  username: 'alice@shop.example',
  enabled: true,
  tenantId: 'demo',
  groups: ['admin'],
};

describe('the role of a user', () => {
  it.each([
    [['admin'], { role: 'admin' }],
    [['compliance', 'readers'], { role: 'compliance' }],
    [[], { refusal: 'no_group' }],
    [['readers'], { refusal: 'no_group' }],
    [['admin', 'compliance'], { refusal: 'both_groups' }],
  ])('groups %j: %j', (groups, expected) => {
    expect(consoleRoleOf(groups)).toEqual(expected);
  });

  it('a session stands only for the same enabled user, tenant and role', () => {
    const session = { sub: 'sub-alice', tenantId: 'demo', role: 'admin' as const };
    expect(userSessionStands(session, alice)).toBe(true);
    expect(userSessionStands(session, undefined)).toBe(false);
    expect(userSessionStands(session, { ...alice, enabled: false })).toBe(false);
    expect(userSessionStands(session, { ...alice, sub: 'someone-else' })).toBe(false);
    expect(userSessionStands(session, { ...alice, tenantId: 'other' })).toBe(false);
    expect(userSessionStands(session, { ...alice, groups: ['compliance'] })).toBe(false);
    expect(userSessionStands(session, { ...alice, groups: ['admin', 'compliance'] })).toBe(false);
  });
});

function fakes() {
  const now = { value: t0 };
  const sessions = new Map<string, ConsoleSession>();
  const consoleSessions: ConsoleSessionStore = {
    putSession: async (s) => void sessions.set(s.idHash, s),
    getSession: async (h) => sessions.get(h),
    touchSession: async (h, lastSeenAt) => {
      const s = sessions.get(h);
      if (s) sessions.set(h, { ...s, lastSeenAt });
    },
    deleteSession: async (h) => void sessions.delete(h),
  };
  const users = new Map<string, { standing: ConsoleUserStanding; password: string }>();
  const lookUps: string[] = [];
  let first: ConsoleAuthentication | undefined;
  const consoleUsers: ConsoleUserDirectory = {
    authenticate: async (username, password) => {
      if (first !== undefined) return first;
      const user = users.get(username);
      return user === undefined || user.password !== password || !user.standing.enabled
        ? { kind: 'refused' }
        : { kind: 'authenticated', user: user.standing };
    },
    setNewPassword: async (username, challengeSession, newPassword) => {
      if (challengeSession !== 'challenge-1') return { kind: 'challenge_expired' };
      if (newPassword.length < 12) return { kind: 'weak_password' };
      return { kind: 'authenticated', user: users.get(username)!.standing };
    },
    lookUp: async (username) => {
      lookUps.push(username);
      return users.get(username)?.standing;
    },
  };
  const tenants = {
    getTenant: async (id: string) => (id === 'demo' ? { id } : undefined),
  } as unknown as TenantStore;
  const deps = {
    consoleSessions,
    credentials: {} as CredentialStore,
    tenants,
    consoleUsers,
    clock: { now: () => now.value },
  };
  const add = (standing: ConsoleUserStanding, password = 'correct horse') =>
    users.set(standing.username, { standing, password });
  return { deps, now, sessions, users, lookUps, add, challenge: (c: ConsoleAuthentication) => (first = c) };
}

describe('sign-in as a user', () => {
  it('opens a session with the sub and username, never the password', async () => {
    const { deps, sessions, add } = fakes();
    add(alice);
    const result = await signInUser(deps, ' alice@shop.example ', 'correct horse');
    expect(result.kind).toBe('signed_in');
    if (result.kind !== 'signed_in') return;
    expect(result.session).toMatchObject({
      tenantId: 'demo',
      role: 'admin',
      principal: { kind: 'user', sub: 'sub-alice', username: 'alice@shop.example' },
    });
    expect(JSON.stringify([...sessions.values()])).not.toContain('correct horse');
    const caller = callerOf(result.session);
    expect(actorOf(caller, 'console')).toEqual({ type: 'console_user', id: 'sub-alice', via: 'console' });
  });

  it.each([
    ['a wrong password', alice, 'wrong', 'credentials'],
    ['a disabled user', { ...alice, enabled: false }, 'correct horse', 'credentials'],
    ['a user in no group', { ...alice, groups: [] }, 'correct horse', 'no_group'],
    ['a user in both groups', { ...alice, groups: ['admin', 'compliance'] }, 'correct horse', 'both_groups'],
    ['a user with no tenant', { ...alice, tenantId: undefined }, 'correct horse', 'no_tenant'],
    [
      'a user of a tenant that does not exist',
      { ...alice, tenantId: 'ghost' },
      'correct horse',
      'unknown_tenant',
    ],
  ])('refuses %s', async (_title, user, password, reason) => {
    const { deps, sessions, add } = fakes();
    add(user);
    await expect(signInUser(deps, alice.username, password)).rejects.toEqual(
      new ConsoleSignInError(reason as never),
    );
    expect(sessions.size).toBe(0);
  });

  it('refuses an unknown user with the same reason as a wrong password', async () => {
    const { deps } = fakes();
    await expect(signInUser(deps, 'nobody@shop.example', 'x')).rejects.toEqual(
      new ConsoleSignInError('credentials'),
    );
  });

  it('has no user sign-in where the deployment has no user pool', async () => {
    const { deps } = fakes();
    await expect(signInUser({ ...deps, consoleUsers: undefined }, 'a', 'b')).rejects.toEqual(
      new ConsoleSignInError('no_user_pool'),
    );
  });

  it('passes NEW_PASSWORD_REQUIRED on, then opens the session with the new password', async () => {
    const { deps, add, challenge } = fakes();
    add(alice);
    challenge({ kind: 'new_password_required', username: alice.username, challengeSession: 'challenge-1' });
    expect(await signInUser(deps, alice.username, 'temporary')).toEqual({
      kind: 'new_password_required',
      username: alice.username,
      challengeSession: 'challenge-1',
    });
    await expect(setNewPassword(deps, alice.username, 'challenge-1', 'short')).rejects.toEqual(
      new ConsoleSignInError('weak_password'),
    );
    await expect(setNewPassword(deps, alice.username, 'stale', 'long enough password')).rejects.toEqual(
      new ConsoleSignInError('challenge_expired'),
    );
    expect((await setNewPassword(deps, alice.username, 'challenge-1', 'long enough password')).kind).toBe(
      'signed_in',
    );
  });
});

describe('a user session, re-checked when its last use is written', () => {
  it.each([
    ['disabled', (u: ConsoleUserStanding) => ({ ...u, enabled: false })],
    ['moved to the compliance group', (u: ConsoleUserStanding) => ({ ...u, groups: ['compliance'] })],
    ['moved to another tenant', (u: ConsoleUserStanding) => ({ ...u, tenantId: 'other' })],
    ['deleted', undefined],
  ])('ends the session of a user %s, at the next re-check only', async (_title, change) => {
    const { deps, now, sessions, users, lookUps, add } = fakes();
    add(alice);
    const result = await signInUser(deps, alice.username, 'correct horse');
    if (result.kind !== 'signed_in') throw new Error('not signed in');
    if (change === undefined) users.delete(alice.username);
    else users.set(alice.username, { standing: change(alice), password: 'correct horse' });
    // Between re-checks the session stands, the directory not asked.
    now.value = at(SESSION_TOUCH_MS - 1);
    expect(await resolveSession(deps, result.sessionId)).toBeDefined();
    expect(lookUps).toEqual([]);
    now.value = at(SESSION_TOUCH_MS);
    expect(await resolveSession(deps, result.sessionId)).toBeUndefined();
    expect(lookUps).toEqual([alice.username]);
    expect(sessions.size).toBe(0);
  });

  it('keeps the session of a user unchanged, and ends every user session when the pool is gone', async () => {
    const { deps, now, add } = fakes();
    add(alice);
    const result = await signInUser(deps, alice.username, 'correct horse');
    if (result.kind !== 'signed_in') throw new Error('not signed in');
    now.value = at(SESSION_TOUCH_MS);
    expect(await resolveSession(deps, result.sessionId)).toMatchObject({
      lastSeenAt: now.value.toISOString(),
    });
    expect(await resolveSession({ ...deps, consoleUsers: undefined }, result.sessionId)).toBeUndefined();
  });

  it('fails closed when the directory cannot answer: the error, not a session', async () => {
    const { deps, now, add } = fakes();
    add(alice);
    const result = await signInUser(deps, alice.username, 'correct horse');
    if (result.kind !== 'signed_in') throw new Error('not signed in');
    now.value = at(SESSION_TOUCH_MS);
    const broken = {
      ...deps,
      consoleUsers: { ...deps.consoleUsers, lookUp: () => Promise.reject(new Error('unreachable')) },
    };
    await expect(resolveSession(broken, result.sessionId)).rejects.toThrow('unreachable');
  });
});
