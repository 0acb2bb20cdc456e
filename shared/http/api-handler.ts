import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { DynamoDbRequestCounter } from '../adapters/dynamodb-request-counter';
import { createDocumentClient } from '../adapters/dynamodb-table';
import { ConfigurationError, ENV, optionalEnv, requireEnv } from '../config';
import { type RateLimit, validateRateLimit } from '../domain/rate-limit';
import type { ApiKeyRole } from '../ports/credential-store';
import type { RequestCounter } from '../ports/request-counter';
import type { Caller, Dependencies } from '../services/dependencies';
import { type AuthenticatedContext, authenticate } from './middleware/authenticate';
import { type ErrorHandlerOptions, errorHandler } from './middleware/error-handler';
import { type JsonEvent, jsonBody } from './middleware/json-body';
import { rateLimit } from './middleware/rate-limit';
import { sesErrorHandler } from './middleware/ses-error-handler';
import { type SignedContext, sigv4Authenticate } from './middleware/sigv4-authenticate';
import type { HttpResponse } from './responses';
import { logger, requestHandler, runtimeDependencies } from './runtime';

const rateLimitSchema = z.object({ rateLimit: z.number(), burstLimit: z.number() }).strict();
let keyLimit: { value: RateLimit | undefined } | undefined;
let counter: RequestCounter | undefined;

/** KEY_RATE_LIMIT, read on first use (the local runner sets it when it starts). */
function keyRateLimit(): RateLimit | undefined {
  if (keyLimit === undefined) {
    const raw = optionalEnv(ENV.keyRateLimit);
    let value: RateLimit | undefined;
    if (raw !== undefined) {
      const parsed = rateLimitSchema.safeParse(JSON.parse(raw));
      if (!parsed.success) throw new ConfigurationError(`${ENV.keyRateLimit} is not {rateLimit, burstLimit}`);
      value = validateRateLimit(parsed.data, ENV.keyRateLimit);
    }
    keyLimit = { value };
  }
  return keyLimit.value;
}

/** The per-key counter: the gateway's table, one conditional write per request. */
function requestCounter(): RequestCounter {
  counter ??= new DynamoDbRequestCounter(
    createDocumentClient(new DynamoDBClient({ requestHandler, maxAttempts: 2 })),
    requireEnv(ENV.tableName),
  );
  return counter;
}

/** The per-key limit, after authentication (the key id is the counter's key). */
const keyRateLimiter = () =>
  rateLimit({
    limit: keyRateLimit,
    counter: requestCounter,
    warn: (message, data) => logger.warn(message, data),
  });

export interface ApiRequest {
  readonly event: JsonEvent;
  readonly caller: Caller;
  readonly deps: Dependencies;
}

/**
 * The middy stack of every JSON endpoint: Lambda context in the logs, errors mapped at
 * the edge, JSON body parsed, API key resolved to its tenant. The handler itself only
 * parses its input, calls a service and shapes the answer.
 */
export function apiHandler(
  role: ApiKeyRole,
  handle: (request: ApiRequest) => Promise<HttpResponse>,
  /** Routes that also accept a text body, by content type (e.g. a CSV import). */
  textBodies: Readonly<Record<string, RegExp>> = {},
) {
  return middy<APIGatewayProxyEventV2, HttpResponse, Error, AuthenticatedContext>()
    .use(
      injectLambdaContext(logger) as middy.MiddlewareObj<
        APIGatewayProxyEventV2,
        HttpResponse,
        Error,
        AuthenticatedContext
      >,
    )
    .use(errorHandler({ logError: (message, data) => logger.error(message, data) }))
    .use(
      authenticate({
        role,
        credentials: () => runtimeDependencies().credentials,
        now: () => runtimeDependencies().clock.now(),
        warn: (message, data) => logger.warn(message, data),
      }),
    )
    .use(keyRateLimiter())
    .use(jsonBody(textBodies))
    .handler((event, context) =>
      handle({ event: event as unknown as JsonEvent, caller: context.caller, deps: runtimeDependencies() }),
    );
}

/**
 * Public endpoints (pages, documents): no key, same error mapping. Dependencies are
 * built on first use, so an endpoint that needs none (the OpenAPI document) runs
 * without the table or the keys in its environment.
 */
export function publicHandler(
  handle: (event: APIGatewayProxyEventV2, deps: () => Dependencies) => Promise<HttpResponse>,
  render?: ErrorHandlerOptions['render'],
) {
  return middy<APIGatewayProxyEventV2, HttpResponse, Error, Context>()
    .use(
      injectLambdaContext(logger) as middy.MiddlewareObj<
        APIGatewayProxyEventV2,
        HttpResponse,
        Error,
        Context
      >,
    )
    .use(errorHandler({ logError: (message, data) => logger.error(message, data), render }))
    .handler((event) => handle(event, runtimeDependencies));
}

export interface SesRequest {
  readonly event: APIGatewayProxyEventV2;
  readonly caller: Caller;
  readonly deps: Dependencies;
  /** The request's verified SigV4 signature (hex). */
  readonly signature: string;
}

/**
 * The middy stack of the SES-compatible endpoints: SES-shaped errors, SigV4 verified
 * against the sender's gateway-issued secret. The body stays raw: it was signed as bytes.
 */
export function sesHandler(handle: (request: SesRequest) => Promise<HttpResponse>) {
  return middy<APIGatewayProxyEventV2, HttpResponse, Error, AuthenticatedContext>()
    .use(
      injectLambdaContext(logger) as middy.MiddlewareObj<
        APIGatewayProxyEventV2,
        HttpResponse,
        Error,
        AuthenticatedContext
      >,
    )
    .use(sesErrorHandler({ logError: (message, data) => logger.error(message, data) }))
    .use(
      sigv4Authenticate({
        service: 'ses',
        region: () => requireEnv(ENV.gatewayRegion),
        deps: runtimeDependencies,
      }),
    )
    .use(keyRateLimiter())
    .handler((event, context) =>
      handle({
        event,
        caller: context.caller,
        deps: runtimeDependencies(),
        signature: (context as SignedContext).signature,
      }),
    );
}
