import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { Dependencies } from '../services/dependencies';
import { type ErrorHandlerOptions, errorHandler } from './middleware/error-handler';
import type { HttpResponse } from './responses';
import { logger, runtimeDependencies } from './runtime';

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
