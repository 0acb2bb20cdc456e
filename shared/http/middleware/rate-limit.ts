import type middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { fixedWindow, type RateLimit } from '../../domain/rate-limit';
import type { RequestCounter } from '../../ports/request-counter';
import { RateLimitedError } from '../errors';
import type { HttpResponse } from '../responses';
import type { AuthenticatedContext } from './authenticate';

export interface RateLimitOptions {
  /** The per-key limit; undefined turns the middleware off (the local runner unless asked). */
  readonly limit: () => RateLimit | undefined;
  readonly counter: () => RequestCounter;
  readonly now?: () => number;
  /** Told when the counter cannot be reached (the request then goes on: see below). */
  readonly warn?: (message: string, data: Record<string, unknown>) => void;
}

const defaults = { now: Date.now, warn: () => {} } satisfies Partial<RateLimitOptions>;

/**
 * Nobody starves the others: each API key gets its own fixed-window limit,
 * counted in the store (one conditional write per request), so that one tenant's sender
 * cannot use up the authenticated routes' shared throttle. Runs after `authenticate`: the
 * key id is the counter's key. A refused request gets 429 and `Retry-After`.
 *
 * When the counter's write fails the request goes on: the limit is about fairness, not
 * about the law; a send still reads the recipient's state and fails closed without it (R1),
 * and an objection must never be refused for want of a counter (R7).
 */
export function rateLimit(
  options: RateLimitOptions,
): middy.MiddlewareObj<APIGatewayProxyEventV2, HttpResponse, Error, AuthenticatedContext> {
  const { limit, counter, now, warn } = { ...defaults, ...options };
  const before: middy.MiddlewareFn<
    APIGatewayProxyEventV2,
    HttpResponse,
    Error,
    AuthenticatedContext
  > = async (request) => {
    const current = limit();
    if (current === undefined) return;
    const window = fixedWindow(now(), current);
    let allowed: boolean;
    try {
      allowed = await counter().take(
        request.context.caller.keyId,
        window.start,
        window.limit,
        window.expiresAt,
      );
    } catch (error) {
      warn('rate limit counter unavailable; request not limited', { error: (error as Error).name });
      return;
    }
    if (!allowed) throw new RateLimitedError(window.retryAfterSeconds);
  };
  return { before };
}
