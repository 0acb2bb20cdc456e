import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { SNSEvent } from 'aws-lambda';
import * as z from 'zod';
import { publishSmsReplyOutcome } from '../shared/adapters/sms-reply-metrics';
import { METRICS } from '../shared/config';
import { logger, runtimeDependencies, wire } from '../shared/http/runtime';
import { secretsManager, table } from '../shared/http/wiring';
import { parseInput } from '../shared/schemas/validation';
import { handleInboundSms } from '../shared/services/sms-inbound';

// The SDK clients this function's `needs` grant (infra/entry-points.ts), and no others.
wire(table, secretsManager);

const metrics = new Metrics({ namespace: METRICS.namespace, serviceName: METRICS.service });

/** End User Messaging two-way SMS, as published to the SNS topic (JSON in Sns.Message). */
const inboundSchema = z.object({
  originationNumber: z.string().min(3).max(40),
  destinationNumber: z.string().min(1).max(40),
  messageBody: z.string().max(2000),
  inboundMessageId: z.string().min(1).max(200),
});

/**
 * SNS → Lambda (asynchronous invocation): replies to the tenants' numbers (STOP, START…).
 * A failure makes Lambda retry twice, then the event goes to the function's dead-letter
 * queue (infra/gateway.ts; `npm run redrive`); recording is idempotent (ids derive from the
 * inbound message id), so a retry completes what a failed attempt left half done.
 */
export const handler = middy<SNSEvent, { processed: number }>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => {
    const deps = runtimeDependencies();
    for (const record of event.Records) {
      const message = parseInput(inboundSchema, JSON.parse(record.Sns.Message));
      const outcome = await handleInboundSms(deps, { ...message, receivedAt: record.Sns.Timestamp });
      publishSmsReplyOutcome(metrics, outcome);
    }
    return { processed: event.Records.length };
  });
