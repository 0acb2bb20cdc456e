import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SNSEvent } from 'aws-lambda';
import { z } from 'zod';
import { logger, runtimeDependencies } from '../shared/http/runtime';
import { parseInput } from '../shared/schemas/validation';
import { handleInboundSms } from '../shared/services/sms-inbound';

/** End User Messaging two-way SMS, as published to the SNS topic (JSON in Sns.Message). */
const inboundSchema = z.object({
  originationNumber: z.string().min(3).max(40),
  destinationNumber: z.string().min(1).max(40),
  messageBody: z.string().max(2000),
  inboundMessageId: z.string().min(1).max(200),
});

/** SNS → Lambda: replies to the tenants' numbers (STOP, START…). A failure makes SNS retry; recording is idempotent. */
export const handler = middy<SNSEvent, { processed: number }>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => {
    const deps = runtimeDependencies();
    for (const record of event.Records) {
      const message = parseInput(inboundSchema, JSON.parse(record.Sns.Message));
      await handleInboundSms(deps, { ...message, receivedAt: record.Sns.Timestamp });
    }
    return { processed: event.Records.length };
  });
