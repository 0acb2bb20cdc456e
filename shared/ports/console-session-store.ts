import type { ConsoleRole } from '../domain/console-session';

/**
 * Who a session signed in as: an API key (by its id and hash, never the key), or a user of
 * the console's user pool (by their `sub` and username, never a password or a token).
 */
export type ConsolePrincipal =
  | {
      readonly kind: 'key';
      readonly keyId: string;
      /** The API key's hash: each request checks the key is still valid (a revoked key ends its sessions). */
      readonly keyHash: string;
    }
  | {
      readonly kind: 'user';
      /** The user's immutable id: the audit trail's actor (`console_user`). */
      readonly sub: string;
      /** The pool's username: the periodic re-check looks the user up by it. */
      readonly username: string;
      /** Their email address at sign-in, shown in the console's header. */
      readonly email?: string;
    };

/** A signed-in console user. */
export interface ConsoleSession {
  /** SHA-256 of the session id (domain/console-session.ts); the id itself is only in the cookie. */
  readonly idHash: string;
  readonly tenantId: string;
  readonly principal: ConsolePrincipal;
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
