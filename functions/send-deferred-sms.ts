import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger, runtimeDependencies } from '../shared/http/runtime';
import { sendDueSms } from '../shared/services/deferred-sms';

/** Runs on a schedule (R14): sends the deferred SMS whose window has opened. */
export const handler = middy<unknown, Awaited<ReturnType<typeof sendDueSms>>>()
  .use(injectLambdaContext(logger))
  .handler(() => sendDueSms(runtimeDependencies()));
