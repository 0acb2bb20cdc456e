import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import { DynamoDbRequestCounter } from '../adapters/dynamodb-request-counter';
import { createDocumentClient } from '../adapters/dynamodb-table';
import { ConfigurationError, ENV, optionalEnv, requireEnv } from '../config';
import type { KeyUse } from '../domain/api-key';
import { type RateLimit, validateRateLimit } from '../domain/rate-limit';
import type { RequestCounter } from '../ports/request-counter';
import type { Caller, Dependencies } from '../services/dependencies';
import { type AuthenticatedContext, authenticate } from './middleware/authenticate';
import { errorHandler } from './middleware/error-handler';
import { type JsonEvent, jsonBody } from './middleware/json-body';
import { rateLimit } from './middleware/rate-limit';
import type { HttpResponse } from './responses';
import { logger, requestHandler, runtimeDependencies } from './runtime';

const rateLimitSchema = z.object({ rateLimit: z.number(), burstLimit: z.number() }).strict();
let keyLimit: { value: RateLimit | undefined } | undefined;
let counter: RequestCounter | undefined;

/** KEY_RATE_LIMIT, read on first use (the local runner sets it when it starts). */
export function keyRateLimit(): RateLimit | undefined {
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

/**
 * The per-key limit, after authentication (the key id is the counter's key). The public and
 * SES-compatible stacks live in public-handler.ts and ses-handler.ts: each function bundles
 * only the stack it uses (the SES one maps MIME errors, and would bring the MIME stack to all).
 */
export const keyRateLimiter = () =>
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
  role: KeyUse,
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
