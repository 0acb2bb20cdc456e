import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { SNSEvent } from 'aws-lambda';
import { publishComplaintRate } from '../shared/adapters/complaint-rate-metrics';
import { METRICS } from '../shared/config';
import { logger, runtimeDependencies, wire } from '../shared/http/runtime';
import { feedbackForwarding, secretsManager, table } from '../shared/http/wiring';
import { sesFeedbackEventSchema } from '../shared/schemas/ses-feedback';
import { parseInput } from '../shared/schemas/validation';
import { handleSesFeedback } from '../shared/services/ses-feedback';

// The SDK clients this function's `needs` grant (infra/entry-points.ts), and no others.
wire(table, secretsManager, feedbackForwarding);

const metrics = new Metrics({ namespace: METRICS.namespace, serviceName: METRICS.service });

/**
 * SNS → Lambda: SES event publishing (bounces, complaints, deliveries). A failure makes SNS
 * retry the whole record; recording and complaint counting are idempotent, so a retry never
 * loses nor doubles a suppression (R8) or a complaint. The complaint rate, when judged, goes
 * out as CloudWatch metrics. The tenant's own copy is then forwarded to the destination it set
 * (services/feedback-forwarding.ts); a forwarding failure fails the record, so SNS retries it.
 */
export const handler = middy<SNSEvent, { processed: number }>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => {
    const deps = runtimeDependencies();
    for (const record of event.Records) {
      const raw = JSON.parse(record.Sns.Message) as Record<string, unknown>;
      const message = parseInput(sesFeedbackEventSchema, raw);
      const result = await handleSesFeedback(deps, message, raw);
      if (result.complaintRate) publishComplaintRate(metrics, result.complaintRate);
    }
    return { processed: event.Records.length };
  });
