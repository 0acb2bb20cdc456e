import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { eventPublisher, logger } from '../shared/http/runtime';
import type { EventPublisher } from '../shared/ports/event-publisher';
import { publishStreamRecords } from '../shared/services/stream-events';

/**
 * The table's stream consumer: publishes the events the inserted items hold (audit events,
 * tenant audit events, bulk outcomes) to the gateway's bus. A batch is published at once
 * (PutEvents batches of 10, in order); Powertools batch then reports the records from the
 * first one not published as batch item failures, so that Lambda hands them again from
 * there (ReportBatchItemFailures), bisects a failing batch, and after its retries sends the
 * batch's description to the on-failure queue (infra/gateway.ts). Locally, the stream
 * poller (infra/local/stream-poller.ts) calls this same handler.
 */
export function createStreamHandler(publisher: () => EventPublisher) {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  return async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
    logger.addContext(context);
    const log = {
      info: (message: string, data?: Record<string, unknown>) => logger.info(message, data ?? {}),
      warn: (message: string, data?: Record<string, unknown>) => logger.warn(message, data ?? {}),
      error: (message: string, data?: Record<string, unknown>) => logger.error(message, data ?? {}),
    };
    const outcome = await publishStreamRecords({ events: publisher(), log }, event.Records);
    const failedFrom = outcome.failedFrom ?? event.Records.length;
    const position = new Map(event.Records.map((record, index) => [record, index]));
    return processPartialResponse(
      event,
      async (record: DynamoDBRecord) => {
        if ((position.get(record) ?? 0) >= failedFrom)
          throw outcome.error ?? new Error('not published: an earlier record of the batch failed');
      },
      processor,
      { context, throwOnFullBatchFailure: false },
    );
  };
}

let publisher: EventPublisher | undefined;
export const handler = createStreamHandler(() => {
  publisher ??= eventPublisher();
  return publisher;
});
