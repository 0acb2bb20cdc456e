import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger, runtimeDependencies, wire } from '../shared/http/runtime';
import { s3, secretsManager, table } from '../shared/http/wiring';
import { queuedObjectionSchema } from '../shared/schemas/queued-objection';
import { parseInput } from '../shared/schemas/validation';
import { applyQueuedObjection } from '../shared/services/unsubscribe';

// The SDK clients this function's `needs` grant (infra/entry-points.ts), and no others.
wire(table, secretsManager, s3);

/**
 * The objection queue's consumer (SQS): unsubscribes accepted while the store was
 * unavailable (R7), applied once it is back. Each record is retried a few times at once;
 * a record still failing is reported as a batch item failure (Powertools batch) and
 * delivered again; one that never applies ends in the dead-letter queue, never dropped.
 */
const processor = new BatchProcessor(EventType.SQS);

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  const deps = runtimeDependencies();
  return processPartialResponse(
    event,
    async (record: SQSRecord) => {
      try {
        const queued = parseInput(queuedObjectionSchema, JSON.parse(record.body));
        return await applyQueuedObjection(deps, queued);
      } catch (error) {
        logger.warn('queued objection not applied; SQS will deliver it again', {
          sqsMessageId: record.messageId,
          receiveCount: record.attributes.ApproximateReceiveCount,
          error: (error as Error).name,
        });
        throw error;
      }
    },
    processor,
    { context },
  );
};
