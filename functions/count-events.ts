import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { logger, runtimeDependencies, wire } from '../shared/http/runtime';
import { table } from '../shared/http/wiring';
import { countStreamRecords } from '../shared/services/counters';
import type { Dependencies } from '../shared/services/dependencies';

// The SDK clients this function's `needs` grant (infra/entry-points.ts), and no others.
wire(table);

/**
 * The table stream's second consumer: the console's counters (decisions, reasons,
 * objections per tenant and UTC day) and the inventory (each recipient's standing), from
 * each batch (shared/services/counters.ts). A batch that cannot be counted is handed again
 * whole, from its first record (ReportBatchItemFailures): what it counted before is not
 * counted twice (a marker per event), and standings are recomputed from the state as it is.
 * Locally, a second stream poller (infra/local/local-stack.ts) calls this same handler.
 */
export function createCounterHandler(deps: () => Dependencies = runtimeDependencies) {
  return async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
    logger.addContext(context);
    const first = event.Records[0]?.dynamodb?.SequenceNumber;
    try {
      const outcome = await countStreamRecords(deps(), event.Records);
      if (outcome.duplicates > 0)
        logger.info('events counted before, not counted again', { duplicates: outcome.duplicates });
      return { batchItemFailures: [] };
    } catch (error) {
      logger.error('stream batch not counted; the stream hands it again', {
        sequenceNumber: first,
        error: (error as Error).name,
      });
      return { batchItemFailures: first === undefined ? [] : [{ itemIdentifier: first }] };
    }
  };
}

export const handler = createCounterHandler();
