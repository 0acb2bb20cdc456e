import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger, runtimeDependencies, wire } from '../shared/http/runtime';
import { secretsManager, table } from '../shared/http/wiring';
import { replanDueRetention } from '../shared/services/retention';

// The SDK clients this function's `needs` grant (infra/entry-points.ts), and no others.
wire(table, secretsManager);

/**
 * Runs on a schedule (R9, R11): re-plans the TTLs of the partitions whose recipient had an
 * activity that extends retention, off the request path (partitions that grow).
 */
export const handler = middy<unknown, Awaited<ReturnType<typeof replanDueRetention>>>()
  .use(injectLambdaContext(logger))
  // Stops taking new partitions 10 s before the function's timeout; what is left waits for the next run.
  .handler((_event, context) =>
    replanDueRetention(runtimeDependencies(), 100, Date.now() + context.getRemainingTimeInMillis() - 10_000),
  );
