import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger, runtimeDependencies, wire } from '../shared/http/runtime';
import { endUserMessaging, s3, secretsManager, ses, table } from '../shared/http/wiring';
import { prepareBatch, processQueuedMessage, type QueuedMessage } from '../shared/services/bulk-send';

// The SDK clients this function's `needs` grant (infra/entry-points.ts), and no others.
wire(table, secretsManager, ses, endUserMessaging, s3);

/**
 * The bulk queue's consumer (SQS, batches of up to 10): a batch is prepared at once
 * (batched state reads), each message is sent or rejected once, and only the messages
 * whose outcome is unknown are reported as batch item failures (Powertools batch), to be
 * delivered again and, after three receives, dead-lettered.
 */
const processor = new BatchProcessor(EventType.SQS);

const queued = (record: SQSRecord): QueuedMessage => ({
  messageId: record.messageId,
  body: record.body,
  authorization: record.messageAttributes?.Authorization?.stringValue,
});

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  const deps = runtimeDependencies();
  const prepared = await prepareBatch(deps, event.Records.map(queued));
  return processPartialResponse(
    event,
    async (record: SQSRecord) => {
      try {
        const result = await processQueuedMessage(deps, queued(record), prepared.get(record.messageId));
        return result.outcome;
      } catch (error) {
        logger.warn('queued message failed; SQS will deliver it again', {
          sqsMessageId: record.messageId,
          error: (error as Error).name,
        });
        throw error;
      }
    },
    processor,
    { context },
  );
};
