import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger, runtimeDependencies, wire } from '../shared/http/runtime';
import { s3, secretsManager, sqs, table } from '../shared/http/wiring';
import { sesReceiptEventSchema } from '../shared/schemas/ses-receipt';
import { parseInput } from '../shared/schemas/validation';
import { type MailUnsubscribeOutcome, unsubscribeByMail } from '../shared/services/unsubscribe-mail';

// The SDK clients this function's `needs` grant (infra/entry-points.ts), and no others.
wire(table, secretsManager, sqs, s3);

/**
 * SES receipt rule → Lambda (R10 / RFC 2369): a mail to a `mailto:` unsubscribe address records
 * the objection as the one-click POST does. A failure throws: SES invokes asynchronously, so
 * Lambda retries and then keeps the event on the on-failure queue (no objection lost).
 */
export const handler = middy<unknown, { outcomes: MailUnsubscribeOutcome[] }>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => {
    const deps = runtimeDependencies();
    const parsed = parseInput(sesReceiptEventSchema, event);
    const outcomes: MailUnsubscribeOutcome[] = [];
    for (const record of parsed.Records) outcomes.push(...(await unsubscribeByMail(deps, record)));
    return { outcomes };
  });
