/**
 * Rate limits (nobody starves the others). Pure arithmetic, no clock, no I/O.
 *
 * - `takeToken`: a token bucket, the algorithm API Gateway applies to a route (a steady
 *   `rateLimit` per second, a bucket of `burstLimit`). The local adapter uses it to apply the
 *   same route limits as the HTTP API's route settings.
 * - `fixedWindow`: the per-key limit of the gateway, kept as one counter per key and window
 *   in the store (one conditional write per request). A window is `burstLimit / rateLimit`
 *   seconds long (at least 1 s) and admits `burstLimit` requests: the same long-run rate as
 *   the bucket, and at most `burstLimit` at once (up to twice that across a window boundary,
 *   the usual price of a fixed window).
 */
export interface RateLimit {
  /** Steady rate, requests per second (> 0). */
  readonly rateLimit: number;
  /** Most requests admitted at once (≥ 1). */
  readonly burstLimit: number;
}

export class RateLimitError extends Error {
  override name = 'RateLimitError';
}

/** Refuses limits that would refuse everything or nothing. */
export function validateRateLimit(limit: RateLimit, what: string): RateLimit {
  if (!(Number.isFinite(limit.rateLimit) && limit.rateLimit > 0)) {
    throw new RateLimitError(`${what}.rateLimit must be a number above 0 (got ${limit.rateLimit})`);
  }
  if (!(Number.isInteger(limit.burstLimit) && limit.burstLimit >= 1)) {
    throw new RateLimitError(`${what}.burstLimit must be an integer of at least 1 (got ${limit.burstLimit})`);
  }
  return limit;
}

export interface Bucket {
  readonly tokens: number;
  /** Epoch milliseconds of the last refill. */
  readonly at: number;
}

export interface BucketDecision {
  readonly allowed: boolean;
  readonly bucket: Bucket;
  /** Whole seconds until a token is back (0 when allowed). */
  readonly retryAfterSeconds: number;
}

/** Refills `bucket` (a full one when absent) up to `nowMs`, then takes one token if there is one. */
export function takeToken(bucket: Bucket | undefined, nowMs: number, limit: RateLimit): BucketDecision {
  const start = bucket ?? { tokens: limit.burstLimit, at: nowMs };
  const elapsed = Math.max(0, nowMs - start.at) / 1000;
  const tokens = Math.min(limit.burstLimit, start.tokens + elapsed * limit.rateLimit);
  if (tokens >= 1) return { allowed: true, bucket: { tokens: tokens - 1, at: nowMs }, retryAfterSeconds: 0 };
  return {
    allowed: false,
    bucket: { tokens, at: nowMs },
    retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / limit.rateLimit)),
  };
}

export interface Window {
  /** Epoch seconds the window starts at: the counter's key. */
  readonly start: number;
  /** Requests the window admits. */
  readonly limit: number;
  /** Whole seconds until the next window (≥ 1): the `Retry-After` of a refused request. */
  readonly retryAfterSeconds: number;
  /** Epoch seconds after which the counter is useless (the store's TTL). */
  readonly expiresAt: number;
}

/** The fixed window `nowMs` falls in, for a per-key limit. */
export function fixedWindow(nowMs: number, limit: RateLimit): Window {
  const seconds = Math.max(1, Math.ceil(limit.burstLimit / limit.rateLimit));
  const now = nowMs / 1000;
  const start = Math.floor(now / seconds) * seconds;
  return {
    start,
    limit: limit.burstLimit,
    retryAfterSeconds: Math.max(1, Math.ceil(start + seconds - now)),
    expiresAt: start + seconds + 60,
  };
}
