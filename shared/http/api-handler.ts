import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { ApiKeyRole } from '../ports/gateway-store';
import type { Caller, Dependencies } from '../services/dependencies';
import { type AuthenticatedContext, authenticate } from './middleware/authenticate';
import { type ErrorHandlerOptions, errorHandler } from './middleware/error-handler';
import { type JsonEvent, jsonBody } from './middleware/json-body';
import type { HttpResponse } from './responses';
import { logger, runtimeDependencies } from './runtime';

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
export function apiHandler(role: ApiKeyRole, handle: (request: ApiRequest) => Promise<HttpResponse>) {
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
    .use(authenticate({ role, store: () => runtimeDependencies().store }))
    .use(jsonBody())
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
