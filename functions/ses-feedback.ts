import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SNSEvent } from 'aws-lambda';
import { logger, runtimeDependencies } from '../shared/http/runtime';
import { sesFeedbackEventSchema } from '../shared/schemas/ses-feedback';
import { parseInput } from '../shared/schemas/validation';
import { handleSesFeedback } from '../shared/services/ses-feedback';

/**
 * SNS → Lambda: SES event publishing (bounces, complaints, sends). A failure makes SNS
 * retry the whole record; recording is idempotent, so a retry never loses nor doubles a
 * suppression (R8).
 */
export const handler = middy<SNSEvent, { processed: number }>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => {
    const deps = runtimeDependencies();
    for (const record of event.Records) {
      const message = parseInput(sesFeedbackEventSchema, JSON.parse(record.Sns.Message));
      await handleSesFeedback(deps, message);
    }
    return { processed: event.Records.length };
  });
