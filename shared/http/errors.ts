/** Errors that only the HTTP edge raises; their messages are safe to show. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class UnauthorizedError extends HttpError {
  override name = 'UnauthorizedError';
  constructor(message = 'A valid API key is required: Authorization: Bearer <key>') {
    super(401, 'unauthorized', message);
  }
}

export class ForbiddenError extends HttpError {
  override name = 'ForbiddenError';
  constructor(message: string) {
    super(403, 'forbidden', message);
  }
}

/** The API key sent more than its limit; `Retry-After` says when to try again. */
export class RateLimitedError extends HttpError {
  override name = 'RateLimitedError';
  constructor(readonly retryAfterSeconds: number) {
    super(
      429,
      'rate_limited',
      `This API key sent more requests than its limit allows; retry after ${retryAfterSeconds} s (Retry-After)`,
    );
  }
}
