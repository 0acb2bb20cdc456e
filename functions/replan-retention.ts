import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger, runtimeDependencies } from '../shared/http/runtime';
import { replanDueRetention } from '../shared/services/retention';

/**
 * Runs on a schedule (R9, R11): re-plans the TTLs of the partitions whose recipient had an
 * activity that extends retention, off the request path (issue 11: partitions that grow).
 */
export const handler = middy<unknown, Awaited<ReturnType<typeof replanDueRetention>>>()
  .use(injectLambdaContext(logger))
  .handler(() => replanDueRetention(runtimeDependencies()));
