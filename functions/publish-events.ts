import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoDbGatewayStore } from '../shared/adapters/dynamodb-store';
import { createDocumentClient } from '../shared/adapters/dynamodb-table';
import { ENV, requireEnv } from '../shared/config';
import { eventPublisher, logger, requestHandler, wire } from '../shared/http/runtime';
import { eventBridge } from '../shared/http/wiring';
import type { EventPublisher } from '../shared/ports/event-publisher';
import type { GatewayStore } from '../shared/ports/gateway-store';
import { keepExpiredLinks, publishStreamRecords } from '../shared/services/stream-events';

// The SDK clients this function's `needs` grant (infra/entry-points.ts), and no others.
wire(eventBridge);

/**
 * The table's stream consumer: publishes the events the inserted items hold (audit events,
 * tenant audit events, bulk outcomes) to the gateway's bus. A batch is published at once
 * (PutEvents batches of 10, in order); Powertools batch then reports the records from the
 * first one not published as batch item failures, so that Lambda hands them again from
 * there (ReportBatchItemFailures), bisects a failing batch, and after its retries sends the
 * batch's description to the on-failure queue (infra/gateway.ts). Locally, the stream
 * poller (infra/local/stream-poller.ts) calls this same handler.
 *
 * It also keeps the audit chains whole through R9 expiry: a REMOVE by DynamoDB's TTL of a
 * chained audit event is written back as a tombstone (shared/domain/expiry-tombstone.ts);
 * a failed write fails that record and the later ones, like a failed publication.
 */
export function createStreamHandler(
  publisher: () => EventPublisher,
  store: () => Pick<GatewayStore, 'keepExpiredLink'> = tableStore,
) {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  return async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
    logger.addContext(context);
    const log = {
      info: (message: string, data?: Record<string, unknown>) => logger.info(message, data ?? {}),
      warn: (message: string, data?: Record<string, unknown>) => logger.warn(message, data ?? {}),
      error: (message: string, data?: Record<string, unknown>) => logger.error(message, data ?? {}),
    };
    const published = await publishStreamRecords({ events: publisher(), log }, event.Records);
    // R9/R15: the TTL's deletions of chained events, up to the first record not published.
    const kept = await keepExpiredLinks(
      { store, now: () => new Date(), log },
      event.Records,
      published.failedFrom ?? event.Records.length,
    );
    const outcome = kept.failedFrom !== undefined ? kept : published;
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

let recipients: GatewayStore | undefined;
/** The table (TABLE_NAME, PutItem and Query granted for the tombstones), built on the first TTL deletion. */
function tableStore(): GatewayStore {
  recipients ??= new DynamoDbGatewayStore(
    createDocumentClient(new DynamoDBClient({ requestHandler, maxAttempts: 3 })),
    requireEnv(ENV.tableName),
  );
  return recipients;
}

let publisher: EventPublisher | undefined;
export const handler = createStreamHandler(() => {
  publisher ??= eventPublisher();
  return publisher;
});
