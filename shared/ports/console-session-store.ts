import type { ConsoleRole } from '../domain/console-session';

/** A signed-in console user: the key they signed in with, by its id and hash (never the key). */
export interface ConsoleSession {
  /** SHA-256 of the session id (domain/console-session.ts); the id itself is only in the cookie. */
  readonly idHash: string;
  readonly tenantId: string;
  readonly keyId: string;
  /** The API key's hash: each request checks the key is still valid (a revoked key ends its sessions). */
  readonly keyHash: string;
  readonly role: ConsoleRole;
  readonly csrfToken: string;
  readonly createdAt: string;
  readonly lastSeenAt: string;
}

/** The console's sessions (one item each, expiring with the table's TTL). */
export interface ConsoleSessionStore {
  putSession(session: ConsoleSession, ttl: number): Promise<void>;
  getSession(idHash: string): Promise<ConsoleSession | undefined>;
  /** The session's last use and TTL; a session deleted meanwhile (signed out) stays deleted. */
  touchSession(idHash: string, lastSeenAt: string, ttl: number): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
}
