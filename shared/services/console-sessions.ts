import { hashApiKey, keyRefusal } from '../domain/api-key';
import {
  type ConsoleRole,
  newCsrfToken,
  newSessionId,
  sessionEnded,
  sessionIdHash,
  sessionTtl,
  shouldTouch,
} from '../domain/console-session';
import { type ConsoleUserStanding, consoleRoleOf, userSessionStands } from '../domain/console-user';
import type { ConsolePrincipal, ConsoleSession } from '../ports/console-session-store';
import type { ConsoleAuthentication } from '../ports/console-user-directory';
import type { Caller, Dependencies } from './dependencies';

/**
 * The console's sign-in, exchanged for a session: with an API key (admin or compliance), or
 * as a user of the console's user pool (a username and password, checked by Cognito; the
 * user's group gives the role, their `custom:tenant` the tenant). The session read back on
 * each request, and sign-out. Neither the key nor the password is kept: a key session holds
 * the key's id and hash, so that a key revoked or expired later ends its sessions at their
 * next request; a user session holds the user's sub and username, and the user is looked up
 * again each time the session's last use is written (every few minutes), so that a user
 * disabled, deleted, or moved to another group or tenant loses the session then.
 */
export class ConsoleSignInError extends Error {
  override name = 'ConsoleSignInError';
  constructor(
    readonly reason:
      | 'unknown_key'
      | 'revoked'
      | 'expired'
      | 'wrong_role'
      /** A user: wrong password, unknown or disabled user, one reason for all three (no enumeration). */
      | 'credentials'
      | 'no_group'
      | 'both_groups'
      | 'no_tenant'
      | 'unknown_tenant'
      | 'weak_password'
      | 'challenge_expired'
      /** This deployment has no user pool. */
      | 'no_user_pool',
  ) {
    super(`Console sign-in refused: ${reason}`);
  }
}

type SessionDeps = Pick<Dependencies, 'consoleSessions' | 'credentials' | 'clock'> &
  Partial<Pick<Dependencies, 'consoleUsers' | 'tenants'>>;

const CONSOLE_ROLES: readonly string[] = ['admin', 'compliance'] satisfies ConsoleRole[];

async function openSession(
  deps: SessionDeps,
  tenantId: string,
  role: ConsoleRole,
  principal: ConsolePrincipal,
): Promise<{ sessionId: string; session: ConsoleSession }> {
  const sessionId = newSessionId();
  const at = deps.clock.now().toISOString();
  const session: ConsoleSession = {
    idHash: sessionIdHash(sessionId),
    tenantId,
    principal,
    role,
    csrfToken: newCsrfToken(),
    createdAt: at,
    lastSeenAt: at,
  };
  await deps.consoleSessions.putSession(session, sessionTtl(session));
  return { sessionId, session };
}

/** A new session for this key; the id is for the cookie only (the table keeps its hash). */
export async function signIn(
  deps: SessionDeps,
  key: string,
): Promise<{ sessionId: string; session: ConsoleSession }> {
  const keyHash = hashApiKey(key.trim());
  const record = await deps.credentials.getApiKey(keyHash);
  if (record === undefined) throw new ConsoleSignInError('unknown_key');
  const refusal = keyRefusal(record, deps.clock.now());
  if (refusal !== undefined) throw new ConsoleSignInError(refusal);
  // A sender key sends; the operator key acts for no tenant: neither opens the console.
  if (!CONSOLE_ROLES.includes(record.role)) throw new ConsoleSignInError('wrong_role');
  return openSession(deps, record.tenantId, record.role as ConsoleRole, {
    kind: 'key',
    keyId: record.keyId,
    keyHash,
  });
}

export type UserSignIn =
  | { readonly kind: 'signed_in'; readonly sessionId: string; readonly session: ConsoleSession }
  | { readonly kind: 'new_password_required'; readonly username: string; readonly challengeSession: string };

/** A user who authenticated: a session if their group and tenant open one, else the named refusal. */
async function sessionOfUser(deps: SessionDeps, user: ConsoleUserStanding): Promise<UserSignIn> {
  const role = consoleRoleOf(user.groups);
  if ('refusal' in role) throw new ConsoleSignInError(role.refusal);
  if (user.tenantId === undefined || user.tenantId === '') throw new ConsoleSignInError('no_tenant');
  if (deps.tenants === undefined || (await deps.tenants.getTenant(user.tenantId)) === undefined)
    throw new ConsoleSignInError('unknown_tenant');
  const opened = await openSession(deps, user.tenantId, role.role, {
    kind: 'user',
    sub: user.sub,
    username: user.username,
    ...(user.email === undefined ? {} : { email: user.email }),
  });
  return { kind: 'signed_in', ...opened };
}

async function afterAuthentication(deps: SessionDeps, result: ConsoleAuthentication): Promise<UserSignIn> {
  switch (result.kind) {
    case 'authenticated':
      return sessionOfUser(deps, result.user);
    case 'new_password_required':
      return result;
    case 'refused':
      throw new ConsoleSignInError('credentials');
    case 'weak_password':
      throw new ConsoleSignInError('weak_password');
    case 'challenge_expired':
      throw new ConsoleSignInError('challenge_expired');
  }
}

/** Sign-in with the user pool: a session, or the first sign-in's new password to set. */
export async function signInUser(deps: SessionDeps, username: string, password: string): Promise<UserSignIn> {
  if (deps.consoleUsers === undefined) throw new ConsoleSignInError('no_user_pool');
  return afterAuthentication(deps, await deps.consoleUsers.authenticate(username.trim(), password));
}

/** NEW_PASSWORD_REQUIRED answered: the challenge's session (never the first password) and the new password. */
export async function setNewPassword(
  deps: SessionDeps,
  username: string,
  challengeSession: string,
  newPassword: string,
): Promise<UserSignIn> {
  if (deps.consoleUsers === undefined) throw new ConsoleSignInError('no_user_pool');
  return afterAuthentication(
    deps,
    await deps.consoleUsers.setNewPassword(username.trim(), challengeSession, newPassword),
  );
}

/** Whether the session's key or user still opens it (a user is looked up only when `recheck`). */
async function principalStands(deps: SessionDeps, session: ConsoleSession, recheck: boolean) {
  const { principal } = session;
  if (principal.kind === 'key') {
    const record = await deps.credentials.getApiKey(principal.keyHash);
    return (
      record !== undefined &&
      keyRefusal(record, deps.clock.now()) === undefined &&
      record.keyId === principal.keyId
    );
  }
  // The pool is gone from this deployment: its users' sessions with it.
  if (deps.consoleUsers === undefined) return false;
  if (!recheck) return true;
  return userSessionStands(
    { sub: principal.sub, tenantId: session.tenantId, role: session.role },
    await deps.consoleUsers.lookUp(principal.username),
  );
}

/**
 * The session of this cookie value, if it is still open and its key (or user) still valid;
 * its last use written at most every few minutes, and a user looked up again at those
 * moments. An ended session (its key revoked, its user disabled…) is deleted and answers
 * undefined. The directory unreachable: the error propagates (503), nothing is let through.
 */
export async function resolveSession(
  deps: SessionDeps,
  sessionId: string,
): Promise<ConsoleSession | undefined> {
  const idHash = sessionIdHash(sessionId);
  const session = await deps.consoleSessions.getSession(idHash);
  if (session === undefined) return undefined;
  const now = deps.clock.now();
  const touch = shouldTouch(session, now);
  if (sessionEnded(session, now) || !(await principalStands(deps, session, touch))) {
    await deps.consoleSessions.deleteSession(idHash);
    return undefined;
  }
  if (!touch) return session;
  const touched = { ...session, lastSeenAt: now.toISOString() };
  await deps.consoleSessions.touchSession(idHash, touched.lastSeenAt, sessionTtl(touched));
  return touched;
}

export async function signOut(deps: SessionDeps, sessionId: string): Promise<void> {
  await deps.consoleSessions.deleteSession(sessionIdHash(sessionId));
}

/** The session as the services' caller: the key it signed in with, by its id, or the user, by their sub. */
export const callerOf = (session: ConsoleSession): Caller =>
  session.principal.kind === 'key'
    ? { tenantId: session.tenantId, keyId: session.principal.keyId, role: session.role }
    : {
        tenantId: session.tenantId,
        keyId: session.principal.sub,
        userSub: session.principal.sub,
        role: session.role,
      };

/** How the console's header names who is signed in: a key by the start of its id, a user by their email. */
export const principalLabel = (principal: ConsolePrincipal): string =>
  principal.kind === 'key' ? principal.keyId.slice(0, 8) : (principal.email ?? principal.username);
