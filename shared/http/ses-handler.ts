import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ENV, requireEnv } from '../config';
import type { Caller, Dependencies } from '../services/dependencies';
import { keyRateLimiter } from './api-handler';
import type { AuthenticatedContext } from './middleware/authenticate';
import { sesErrorHandler } from './middleware/ses-error-handler';
import { type SignedContext, sigv4Authenticate } from './middleware/sigv4-authenticate';
import type { HttpResponse } from './responses';
import { logger, runtimeDependencies } from './runtime';

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
