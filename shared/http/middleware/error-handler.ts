import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { EmailProviderError, EmailRejectedByProviderError } from '../../ports/email-sender';
import { ConflictError, NotFoundError, StoreUnavailableError } from '../../ports/gateway-store';
import { ObjectionQueueUnavailableError } from '../../ports/objection-queue';
import { SmsProviderError } from '../../ports/sms-sender';
import { IdentityTakenError } from '../../ports/tenant-store';
import { InvalidInputError } from '../../schemas/validation';
import {
  IdentityNotAssignedError,
  OutOfScopeError,
  TenantConfigurationError,
  TenantExistsError,
  WordingExistsError,
} from '../../services/errors';
import { IdempotencyInProgressError, IdempotencyKeyReusedError } from '../../services/idempotency';
import { HttpError, RateLimitedError } from '../errors';
import { type HttpResponse, json } from '../responses';

export interface ErrorHandlerOptions {
  /** Receives every error mapped to a 5xx, for the logs. */
  readonly logError?: (message: string, data: Record<string, unknown>) => void;
  /** Renders the response instead of JSON (pages). */
  readonly render?: (status: number, code: string, message: string) => HttpResponse;
}

/**
 * The only place where errors become status codes. 4xx bodies say what is wrong and are
 * safe to show; 5xx bodies reveal nothing internal.
 */
export function toResponse(
  error: unknown,
  render?: ErrorHandlerOptions['render'],
): { response: HttpResponse; internal: boolean } {
  const out = (status: number, code: string, message: string, extra: Record<string, unknown> = {}) =>
    render ? render(status, code, message) : json(status, { error: code, message, ...extra });
  if (error instanceof InvalidInputError) {
    return {
      response: out(400, 'invalid_request', error.message, { issues: error.issues }),
      internal: false,
    };
  }
  if (error instanceof IdempotencyKeyReusedError)
    return { response: out(422, 'idempotency_key_reused', error.message), internal: false };
  if (error instanceof IdempotencyInProgressError)
    return { response: out(409, 'idempotency_in_progress', error.message), internal: false };
  if (error instanceof RateLimitedError) {
    const response = out(error.statusCode, error.code, error.message);
    response.headers = { ...response.headers, 'retry-after': String(error.retryAfterSeconds) };
    return { response, internal: false };
  }
  if (error instanceof HttpError)
    return { response: out(error.statusCode, error.code, error.message), internal: false };
  if (error instanceof NotFoundError)
    return { response: out(404, 'not_found', error.message), internal: false };
  if (error instanceof IdentityNotAssignedError)
    return { response: out(403, 'identity_not_assigned', error.message), internal: false };
  // Only operator routes can meet it: they may name the tenant that holds the identity.
  if (error instanceof IdentityTakenError)
    return { response: out(409, 'identity_taken', error.message), internal: false };
  if (error instanceof TenantExistsError)
    return { response: out(409, 'tenant_exists', error.message), internal: false };
  if (error instanceof WordingExistsError)
    return { response: out(409, 'wording_exists', error.message, { issues: error.issues }), internal: false };
  if (error instanceof ConflictError)
    return { response: out(409, 'conflict', error.message), internal: false };
  if (error instanceof OutOfScopeError)
    return { response: out(403, 'out_of_scope', error.message, { scope: error.scope }), internal: false };
  if (error instanceof TenantConfigurationError) {
    return { response: out(409, 'tenant_configuration', error.message), internal: false };
  }
  if (error instanceof StoreUnavailableError) {
    return {
      response: out(
        503,
        'store_unavailable',
        'The state store cannot be reached; nothing was sent. Retry later.',
        {},
      ),
      internal: true,
    };
  }
  if (error instanceof ObjectionQueueUnavailableError) {
    return {
      response: out(
        503,
        'objection_not_recorded',
        'Neither the store nor the objection queue can be reached; nothing was recorded. Retry.',
      ),
      internal: true,
    };
  }
  if (error instanceof EmailRejectedByProviderError) {
    return {
      response: out(502, 'provider_rejected', 'The email provider refused the message; nothing was sent.'),
      internal: true,
    };
  }
  if (error instanceof SmsProviderError) {
    return {
      response: out(
        503,
        'provider_unavailable',
        'The SMS provider cannot be reached; nothing was sent. Retry later.',
      ),
      internal: true,
    };
  }
  if (error instanceof EmailProviderError) {
    return {
      response: out(
        503,
        'provider_unavailable',
        'The email provider cannot be reached; nothing was sent. Retry later.',
      ),
      internal: true,
    };
  }
  return { response: out(500, 'internal_error', 'Internal error'), internal: true };
}

export function errorHandler(
  options: ErrorHandlerOptions = {},
): middy.MiddlewareObj<APIGatewayProxyEventV2, HttpResponse, Error, Context> {
  const onError: middy.MiddlewareFn<APIGatewayProxyEventV2, HttpResponse, Error, Context> = async (
    request,
  ) => {
    const { response, internal } = toResponse(request.error, options.render);
    if (internal) {
      const error = request.error as Error | undefined;
      options.logError?.('request failed', {
        error: error?.name,
        message: error?.message,
        cause: (error?.cause as Error | undefined)?.name,
        status: response.statusCode,
      });
    }
    request.response = response;
  };
  return { onError };
}
