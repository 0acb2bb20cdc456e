import { describe, expect, it } from 'vitest';
import { fixedWindow, RateLimitError, takeToken, validateRateLimit } from '../../shared/domain/rate-limit';
import { RateLimitedError } from '../../shared/http/errors';
import { toResponse } from '../../shared/http/middleware/error-handler';
import { rateLimit } from '../../shared/http/middleware/rate-limit';
import { toSesErrorResponse } from '../../shared/http/middleware/ses-error-handler';
import { StoreUnavailableError } from '../../shared/ports/gateway-store';
import type { RequestCounter } from '../../shared/ports/request-counter';

const LIMIT = { rateLimit: 2, burstLimit: 4 };

describe('token bucket (the HTTP API route throttle, applied locally)', () => {
  it('admits a full burst, then refuses with the seconds until a token is back', () => {
    let bucket: Parameters<typeof takeToken>[0];
    const answers = Array.from({ length: 5 }, () => {
      const d = takeToken(bucket, 1_000, LIMIT);
      bucket = d.bucket;
      return d;
    });
    expect(answers.map((a) => a.allowed)).toEqual([true, true, true, true, false]);
    expect(answers[4]!.retryAfterSeconds).toBe(1);
  });

  it('refills at the steady rate, never above the burst', () => {
    const empty = { tokens: 0, at: 0 };
    expect(takeToken(empty, 499, LIMIT).allowed).toBe(false);
    expect(takeToken(empty, 500, LIMIT).allowed).toBe(true);
    expect(takeToken(empty, 3_600_000, LIMIT).bucket.tokens).toBe(LIMIT.burstLimit - 1);
  });
});

describe('fixed window (the per-key limit)', () => {
  it('is burst / rate seconds long, admits the burst, and says when the next one starts', () => {
    const w = fixedWindow(10_500, LIMIT);
    expect(w).toEqual({ start: 10, limit: 4, retryAfterSeconds: 2, expiresAt: 72 });
    expect(fixedWindow(11_999, LIMIT).start).toBe(10);
    expect(fixedWindow(12_000, LIMIT).start).toBe(12);
  });

  it('is at least one second long', () => {
    expect(fixedWindow(0, { rateLimit: 100, burstLimit: 10 })).toMatchObject({ start: 0, limit: 10 });
    expect(fixedWindow(999, { rateLimit: 100, burstLimit: 10 }).retryAfterSeconds).toBe(1);
  });

  it('refuses limits that would refuse everything', () => {
    expect(() => validateRateLimit({ rateLimit: 0, burstLimit: 1 }, 'keyRateLimit')).toThrow(RateLimitError);
    expect(() => validateRateLimit({ rateLimit: 1, burstLimit: 0.5 }, 'keyRateLimit')).toThrow(/burstLimit/);
  });
});

describe('rateLimit middleware', () => {
  const request = () =>
    ({ event: {}, context: { caller: { tenantId: 't', keyId: 'k1', role: 'sender' } } }) as never;
  const counter = (answer: boolean | Error, calls: unknown[][] = []): RequestCounter => ({
    take: async (...args) => {
      calls.push(args);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  });

  it('counts the key in its window and lets the request on', async () => {
    const calls: unknown[][] = [];
    const mw = rateLimit({ limit: () => LIMIT, counter: () => counter(true, calls), now: () => 10_500 });
    await mw.before!(request());
    expect(calls).toEqual([['k1', 10, 4, 72]]);
  });

  it('refuses a full window with 429 and Retry-After, JSON and SES-shaped', async () => {
    const mw = rateLimit({ limit: () => LIMIT, counter: () => counter(false), now: () => 10_500 });
    const error = await mw.before!(request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    const { response } = toResponse(error);
    expect(response.statusCode).toBe(429);
    expect(response.headers?.['retry-after']).toBe('2');
    expect(JSON.parse(response.body as string).error).toBe('rate_limited');
    const ses = toSesErrorResponse(error).response;
    expect(ses.statusCode).toBe(429);
    expect(ses.headers?.['x-amzn-errortype']).toBe('TooManyRequestsException');
    expect(ses.headers?.['retry-after']).toBe('2');
  });

  it('lets the request on when the counter cannot be reached (the decision still fails closed), and says so', async () => {
    const warnings: string[] = [];
    const mw = rateLimit({
      limit: () => LIMIT,
      counter: () => counter(new StoreUnavailableError('down')),
      warn: (message) => warnings.push(message),
    });
    await expect(mw.before!(request())).resolves.toBeUndefined();
    expect(warnings).toHaveLength(1);
  });

  it('does nothing without a limit', async () => {
    const calls: unknown[][] = [];
    const mw = rateLimit({ limit: () => undefined, counter: () => counter(false, calls) });
    await mw.before!(request());
    expect(calls).toHaveLength(0);
  });
});

/** Rows the mutation run (docs/testing.md) showed unpinned: the limits' edges and a refused bucket. */
describe('rate limits: edges', () => {
  it.each([
    ['the smallest limits', { rateLimit: 0.01, burstLimit: 1 }, undefined],
    ['a rate of 0', { rateLimit: 0, burstLimit: 1 }, /keyRateLimit\.rateLimit/],
    ['an infinite rate', { rateLimit: Number.POSITIVE_INFINITY, burstLimit: 1 }, /keyRateLimit\.rateLimit/],
    ['a rate that is not a number', { rateLimit: Number.NaN, burstLimit: 1 }, /keyRateLimit\.rateLimit/],
    ['a burst of 0', { rateLimit: 1, burstLimit: 0 }, /keyRateLimit\.burstLimit/],
    ['a burst below 0', { rateLimit: 1, burstLimit: -3 }, /keyRateLimit\.burstLimit/],
    ['a burst that is not whole', { rateLimit: 1, burstLimit: 1.5 }, /keyRateLimit\.burstLimit/],
  ])('validateRateLimit: %s', (_title, limit, refused) => {
    if (refused === undefined) return expect(validateRateLimit(limit, 'keyRateLimit')).toBe(limit);
    expect(() => validateRateLimit(limit, 'keyRateLimit')).toThrow(refused);
    expect(() => validateRateLimit(limit, 'keyRateLimit')).toThrow(
      expect.objectContaining({ name: 'RateLimitError' }),
    );
  });

  it('a refused request keeps the partly refilled bucket, and waits for the missing part of a token', () => {
    const slow = { rateLimit: 0.25, burstLimit: 2 }; // one token every 4 s
    // 1 s after an empty bucket: a quarter of a token, three quarters missing, 3 s to wait.
    expect(takeToken({ tokens: 0, at: 0 }, 1_000, slow)).toEqual({
      allowed: false,
      bucket: { tokens: 0.25, at: 1_000 },
      retryAfterSeconds: 3,
    });
    // Never less than one second, even when almost a whole token is back.
    expect(takeToken({ tokens: 0, at: 0 }, 3_990, slow).retryAfterSeconds).toBe(1);
    // A clock that went back refills nothing.
    expect(takeToken({ tokens: 0.5, at: 10_000 }, 9_000, slow).bucket).toEqual({ tokens: 0.5, at: 9_000 });
  });
});
