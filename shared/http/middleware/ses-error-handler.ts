import { randomUUID } from 'node:crypto';
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { MimeInjectionError } from '../../domain/mime-errors';
import { CredentialDecryptionError } from '../../domain/sender-credential';
import { SignatureError } from '../../domain/sigv4';
import { EmailProviderError, EmailRejectedByProviderError } from '../../ports/email-sender';
import { NotFoundError, StoreUnavailableError } from '../../ports/gateway-store';
import { TemplateExistsError } from '../../ports/template-store';
import { InvalidInputError } from '../../schemas/validation';
import { OutOfScopeError } from '../../services/errors';
import { IdempotencyInProgressError, IdempotencyKeyReusedError } from '../../services/idempotency';
import {
  SesBadRequestError,
  SesMessageRefusedError,
  SesUnsupportedOperationError,
} from '../../services/ses-send-email';
import { RateLimitedError } from '../errors';
import type { HttpResponse } from '../responses';
import { sesV1Error } from '../ses-v1-xml';

/**
 * Errors as SES v2 answers them, so that the AWS SDK raises the matching exception: the
 * REST-JSON protocol reads the error's name from the `x-amzn-ErrorType` header (and the
 * body's `code`/`__type`), its message from the body's `message`. The `Date` header lets
 * the SDK correct its clock after a skew error, as it does against AWS.
 */
export function sesResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    statusCode,
    headers: {
      'content-type': 'application/json',
      'x-amzn-requestid': randomUUID(),
      date: new Date().toUTCString(),
      ...headers,
    },
    body: JSON.stringify(body),
  };
}

export function sesError(statusCode: number, type: string, message: string): HttpResponse {
  return sesResponse(statusCode, { __type: type, message }, { 'x-amzn-errortype': type });
}

export function toSesErrorResponse(error: unknown): { response: HttpResponse; internal: boolean } {
  const out = (status: number, type: string, message: string, internal = false) => ({
    response: sesError(status, type, message),
    internal,
  });
  if (error instanceof SignatureError) return out(403, error.code, error.message);
  if (error instanceof SesMessageRefusedError) return out(400, 'MessageRejected', error.message);
  // As SES answers a send its IAM policy does not allow (ses:FromAddress and the like).
  if (error instanceof OutOfScopeError) return out(403, 'AccessDeniedException', error.message);
  if (error instanceof SesBadRequestError || error instanceof MimeInjectionError)
    return out(400, 'BadRequestException', error.message);
  if (error instanceof InvalidInputError) return out(400, 'BadRequestException', error.message);
  if (error instanceof IdempotencyKeyReusedError) return out(400, 'BadRequestException', error.message);
  // A throttling error: the SDK retries it (same invocation id) and gets the first outcome.
  if (error instanceof IdempotencyInProgressError) return out(429, 'TooManyRequestsException', error.message);
  // The key's own limit; the SDK backs off and retries a TooManyRequestsException.
  if (error instanceof RateLimitedError) {
    const limited = out(429, 'TooManyRequestsException', error.message);
    limited.response.headers = {
      ...limited.response.headers,
      'retry-after': String(error.retryAfterSeconds),
    };
    return limited;
  }
  if (error instanceof NotFoundError) return out(404, 'NotFoundException', error.message);
  // An SES v2 operation the gateway does not serve: SES's word for an unknown resource, never a bare 404.
  if (error instanceof SesUnsupportedOperationError) return out(404, 'NotFoundException', error.message);
  if (error instanceof TemplateExistsError) return out(400, 'AlreadyExistsException', error.message);
  if (error instanceof EmailRejectedByProviderError)
    return out(400, 'MessageRejected', 'The email provider refused the message; nothing was sent.', true);
  if (error instanceof EmailProviderError || error instanceof StoreUnavailableError)
    return out(503, 'ServiceUnavailable', 'Service unavailable; nothing was sent. Retry later.', true);
  if (error instanceof CredentialDecryptionError) return out(500, 'InternalFailure', 'Internal error', true);
  return out(500, 'InternalFailure', 'Internal error', true);
}

/** An SES v1 (Query API) request: `POST /` with a form body. Its errors are answered in XML. */
export const isSesV1Request = (event: APIGatewayProxyEventV2) =>
  event.requestContext?.http?.method === 'POST' && event.rawPath === '/';

/**
 * SES v1's names for the same errors, so that the v1 SDK (awsQuery: the code from
 * `<Error><Code>`) raises its own classes and retries what it retries: `Throttling`,
 * `SignatureDoesNotMatch` (also a clock-skew code for the SDK), `InvalidAction`.
 */
const V1_CODES: Record<string, string> = {
  BadRequestException: 'InvalidParameterValue',
  NotFoundException: 'InvalidParameterValue',
  AccessDeniedException: 'AccessDenied',
  TooManyRequestsException: 'Throttling',
  InvalidSignatureException: 'SignatureDoesNotMatch',
};

export function toSesV1ErrorResponse(error: unknown): { response: HttpResponse; internal: boolean } {
  const { response, internal } = toSesErrorResponse(error);
  const { __type: type, message } = JSON.parse(response.body ?? '{}') as { __type: string; message: string };
  const unsupported = error instanceof SesUnsupportedOperationError;
  const code = unsupported ? 'InvalidAction' : (V1_CODES[type] ?? type);
  // SES v1 answers its client errors with 400 (throttling included), signature errors with 403.
  const status =
    unsupported || code === 'InvalidParameterValue' || code === 'Throttling' ? 400 : response.statusCode;
  const v1 = sesV1Error(status, code, message);
  const retryAfter = response.headers?.['retry-after'];
  if (retryAfter !== undefined) v1.headers = { ...v1.headers, 'retry-after': String(retryAfter) };
  return { response: v1, internal };
}

export function sesErrorHandler(options: {
  logError?: (message: string, data: Record<string, unknown>) => void;
}): middy.MiddlewareObj<APIGatewayProxyEventV2, HttpResponse, Error, Context> {
  const onError: middy.MiddlewareFn<APIGatewayProxyEventV2, HttpResponse, Error, Context> = async (
    request,
  ) => {
    const { response, internal } = isSesV1Request(request.event)
      ? toSesV1ErrorResponse(request.error)
      : toSesErrorResponse(request.error);
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
