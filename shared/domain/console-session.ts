import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The compliance console's sessions: a random id (256 bits) in an HttpOnly cookie, exchanged
 * for an admin or compliance key at sign-in. The table keeps the id's SHA-256, never the id
 * (as it keeps API keys: a read of the table signs nobody in). A session ends 8 hours after its
 * last use or 12 hours after sign-in, whichever comes first, and at sign-out.
 */
export const SESSION_IDLE_MS = 8 * 3_600_000;
export const SESSION_MAX_MS = 12 * 3_600_000;
/** The last use is written at most this often (a page view is not a write each time). */
export const SESSION_TOUCH_MS = 5 * 60_000;

export type ConsoleRole = 'admin' | 'compliance';

export interface ConsoleSessionTimes {
  readonly createdAt: string;
  readonly lastSeenAt: string;
}

export const newSessionId = (): string => randomBytes(32).toString('base64url');
/** The CSRF token of a session's forms (one per session, compared in constant time). */
export const newCsrfToken = (): string => randomBytes(24).toString('base64url');
export const sessionIdHash = (id: string): string => createHash('sha256').update(id).digest('hex');

/** When the session ends if not used again: 8 h after its last use, at most 12 h after sign-in. */
export function sessionEnd(session: ConsoleSessionTimes): Date {
  return new Date(
    Math.min(
      Date.parse(session.lastSeenAt) + SESSION_IDLE_MS,
      Date.parse(session.createdAt) + SESSION_MAX_MS,
    ),
  );
}

/** Whether the session has ended at `now` (DynamoDB's TTL removes the item later, not at once). */
export function sessionEnded(session: ConsoleSessionTimes, now: Date): boolean {
  const end = sessionEnd(session).getTime();
  // An unreadable instant ends the session (fail closed).
  return !(end > now.getTime());
}

/** Whether this use should be written as the session's last (at most once per SESSION_TOUCH_MS). */
export const shouldTouch = (session: ConsoleSessionTimes, now: Date): boolean =>
  now.getTime() - Date.parse(session.lastSeenAt) >= SESSION_TOUCH_MS;

/** The item's TTL (epoch seconds): its end, as DynamoDB's TTL reads it. */
export const sessionTtl = (session: ConsoleSessionTimes): number =>
  Math.ceil(sessionEnd(session).getTime() / 1000);

/** Constant-time comparison of a form's CSRF token with the session's. */
export function csrfMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
