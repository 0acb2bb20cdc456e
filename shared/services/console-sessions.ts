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
import type { ConsoleSession } from '../ports/console-session-store';
import type { Caller, Dependencies } from './dependencies';

/**
 * The console's sign-in with an API key (admin or compliance) exchanged for a session, the
 * session read back on each request, and sign-out. The key is read once, at sign-in, and
 * never kept: the session holds its id and hash, so that a key revoked or expired later
 * ends its sessions at their next request.
 */
export class ConsoleSignInError extends Error {
  override name = 'ConsoleSignInError';
  constructor(readonly reason: 'unknown_key' | 'revoked' | 'expired' | 'wrong_role') {
    super(`Console sign-in refused: ${reason}`);
  }
}

type SessionDeps = Pick<Dependencies, 'consoleSessions' | 'credentials' | 'clock'>;

const CONSOLE_ROLES: readonly string[] = ['admin', 'compliance'] satisfies ConsoleRole[];

/** A new session for this key; the id is for the cookie only (the table keeps its hash). */
export async function signIn(
  deps: SessionDeps,
  key: string,
): Promise<{ sessionId: string; session: ConsoleSession }> {
  const keyHash = hashApiKey(key.trim());
  const record = await deps.credentials.getApiKey(keyHash);
  if (record === undefined) throw new ConsoleSignInError('unknown_key');
  const now = deps.clock.now();
  const refusal = keyRefusal(record, now);
  if (refusal !== undefined) throw new ConsoleSignInError(refusal);
  // A sender key sends; the operator key acts for no tenant: neither opens the console.
  if (!CONSOLE_ROLES.includes(record.role)) throw new ConsoleSignInError('wrong_role');
  const sessionId = newSessionId();
  const at = now.toISOString();
  const session: ConsoleSession = {
    idHash: sessionIdHash(sessionId),
    tenantId: record.tenantId,
    keyId: record.keyId,
    keyHash,
    role: record.role as ConsoleRole,
    csrfToken: newCsrfToken(),
    createdAt: at,
    lastSeenAt: at,
  };
  await deps.consoleSessions.putSession(session, sessionTtl(session));
  return { sessionId, session };
}

/**
 * The session of this cookie value, if it is still open and its key still valid; its last
 * use written at most every few minutes. An ended session (or one whose key was revoked)
 * is deleted and answers undefined.
 */
export async function resolveSession(
  deps: SessionDeps,
  sessionId: string,
): Promise<ConsoleSession | undefined> {
  const idHash = sessionIdHash(sessionId);
  const session = await deps.consoleSessions.getSession(idHash);
  if (session === undefined) return undefined;
  const now = deps.clock.now();
  const record = sessionEnded(session, now) ? undefined : await deps.credentials.getApiKey(session.keyHash);
  if (record === undefined || keyRefusal(record, now) !== undefined || record.keyId !== session.keyId) {
    await deps.consoleSessions.deleteSession(idHash);
    return undefined;
  }
  if (!shouldTouch(session, now)) return session;
  const touched = { ...session, lastSeenAt: now.toISOString() };
  await deps.consoleSessions.touchSession(idHash, touched.lastSeenAt, sessionTtl(touched));
  return touched;
}

export async function signOut(deps: SessionDeps, sessionId: string): Promise<void> {
  await deps.consoleSessions.deleteSession(sessionIdHash(sessionId));
}

/** The session as the services' caller: the key it signed in with, by its id. */
export const callerOf = (session: ConsoleSession): Caller => ({
  tenantId: session.tenantId,
  keyId: session.keyId,
  role: session.role,
});
