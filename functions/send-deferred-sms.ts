import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger, runtimeDependencies, wire } from '../shared/http/runtime';
import { endUserMessaging, s3, secretsManager, ses, table } from '../shared/http/wiring';
import { sendDueSms } from '../shared/services/deferred-sms';

// The SDK clients this function's `needs` grant (infra/entry-points.ts), and no others.
wire(table, secretsManager, endUserMessaging, ses, s3);

/** Runs on a schedule (R14): sends the deferred SMS whose window has opened. */
export const handler = middy<unknown, Awaited<ReturnType<typeof sendDueSms>>>()
  .use(injectLambdaContext(logger))
  .handler(() => sendDueSms(runtimeDependencies()));
