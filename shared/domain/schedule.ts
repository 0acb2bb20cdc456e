/**
 * When a decision or a send may be asked for another time than now. Pure: the service
 * passes its clock's now.
 *
 * - A decision `at` (POST /v1/decisions) is read on today's state: at most a year ahead
 *   (beyond, the retention and soft opt-in rules, R9 and R2, say nothing useful), and not
 *   in the past beyond a clock skew, since today's state at a past time is a state that
 *   never existed there (the audit trail answers "what was decided then").
 * - A `sendAt` (POST /v1/messages) is kept in the table until due: at most 30 days ahead,
 *   so that no campaign waits on consents that may lapse (R9) for longer; an instant within
 *   the skew of now, or before, by that much, means "now".
 */
export const CLOCK_SKEW_MS = 5 * 60_000;
export const MAX_DECISION_AHEAD_MS = 365 * 86_400_000;
export const MAX_SEND_AHEAD_MS = 30 * 86_400_000;

/** A problem for the 400 naming the field, or the instant to use. */
export type InstantCheck = { ok: true; at: Date } | { ok: false; problem: string };

export function checkDecisionAt(raw: string, now: Date): InstantCheck {
  const at = new Date(raw);
  if (at.getTime() > now.getTime() + MAX_DECISION_AHEAD_MS)
    return {
      ok: false,
      problem: `is more than one year ahead (${raw}); the latest is ${new Date(now.getTime() + MAX_DECISION_AHEAD_MS).toISOString()}`,
    };
  if (at.getTime() < now.getTime() - CLOCK_SKEW_MS)
    return {
      ok: false,
      problem: `is in the past (${raw}): a decision is made on today's state, so it can be asked for now or a later instant only; the audit trail holds past decisions`,
    };
  return { ok: true, at };
}

/** `undefined` for "send now" (absent, or not after now); otherwise the instant to schedule. */
export function checkSendAt(raw: string | undefined, now: Date): InstantCheck | undefined {
  if (raw === undefined) return undefined;
  const at = new Date(raw);
  if (at.getTime() > now.getTime() + MAX_SEND_AHEAD_MS)
    return {
      ok: false,
      problem: `is more than 30 days ahead (${raw}); the latest is ${new Date(now.getTime() + MAX_SEND_AHEAD_MS).toISOString()}`,
    };
  if (at.getTime() < now.getTime() - CLOCK_SKEW_MS)
    return { ok: false, problem: `is in the past (${raw}); leave it out to send now` };
  if (at.getTime() <= now.getTime()) return undefined;
  return { ok: true, at };
}
