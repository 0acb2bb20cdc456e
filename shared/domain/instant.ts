/**
 * RULES.md vocabulary, "Time": every instant is compared as an instant, whatever offset or
 * precision it was written with, and evidence dated in the future is not evidence. Pure:
 * the clock is always an argument.
 */

/**
 * How far ahead of the gate's clock a date may be and still count as "now": the CRM's or
 * the person's device clock may run a little fast. Five minutes, the skew AWS allows for a
 * SigV4 signature (domain/sigv4.ts), so that one notion of "a few minutes" holds across the
 * gate. Beyond it, a consent, purchase, activity, withdrawal or objection "given" after it
 * is recorded is refused at recording (R3, R7, R9).
 */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

/** Milliseconds since the epoch of an ISO 8601 instant (NaN when unreadable). */
export function instantMs(iso: string): number {
  return Date.parse(iso);
}

/**
 * The one canonical form every stored instant takes: UTC, milliseconds, `Z`
 * (`2026-06-01T20:00:00.000Z`). Fixed width, so that even a textual comparison orders
 * it as time; the store still compares epoch numbers where it conditions on time.
 */
export function canonicalInstant(iso: string): string {
  return new Date(instantMs(iso)).toISOString();
}

/** True when `iso` is later than `now` plus the allowed clock skew. */
export function isFutureDated(iso: string, now: Date): boolean {
  return instantMs(iso) > now.getTime() + MAX_FUTURE_SKEW_MS;
}

/** The problems of the dated fields given (path, value) that lie in the future, for a 400 naming each. */
export function futureDatedFields(
  fields: readonly (readonly [string, string | undefined])[],
  now: Date,
): { field: string; problem: string }[] {
  return fields
    .filter((f): f is readonly [string, string] => f[1] !== undefined && isFutureDated(f[1], now))
    .map(([field, value]) => ({
      field,
      problem: `${value} is in the future (the gate's clock says ${now.toISOString()}, ${MAX_FUTURE_SKEW_MS / 60_000} min of skew allowed): evidence cannot be dated after it is recorded`,
    }));
}

/** The later of two instants, as epoch ms (an undefined one is ignored). */
export function laterMs(a: string | undefined, b: string | undefined): number {
  const ms = [a, b].filter((x): x is string => x !== undefined).map(instantMs);
  return ms.length === 0 ? Number.NaN : Math.max(...ms);
}

/** The earlier of two instants, as epoch ms (an undefined one is ignored). */
export function earlierMs(a: string | undefined, b: string | undefined): number {
  const ms = [a, b].filter((x): x is string => x !== undefined).map(instantMs);
  return ms.length === 0 ? Number.NaN : Math.min(...ms);
}
