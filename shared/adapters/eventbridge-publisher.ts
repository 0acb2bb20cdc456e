import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
} from '@aws-sdk/client-eventbridge';
import { EventPublishError, type EventPublisher, type OutboundEvent } from '../ports/event-publisher';
import { EVENT_SOURCE } from '../schemas/events';

/** PutEvents takes at most 10 entries per call. */
const BATCH = 10;
/** A partial failure (throttling, an internal error on some entries) is re-sent this many times, failed entries only. */
const ATTEMPTS = 3;

export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly source = EVENT_SOURCE,
    private readonly backoffMs = (attempt: number) => 100 * 2 ** attempt,
  ) {}

  async publish(events: readonly OutboundEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += BATCH) {
      // Indexes into `events` still to publish; a partial failure leaves only the failed ones.
      let pending = events.slice(i, i + BATCH).map((_, k) => i + k);
      for (let attempt = 0; pending.length > 0; attempt++) {
        // Later batches are not sent: the caller retries from the first failed event, in order.
        const failed = [...pending, ...events.slice(i + BATCH).map((_, k) => i + BATCH + k)];
        if (attempt >= ATTEMPTS) {
          throw new EventPublishError(
            `EventBridge refused ${pending.length} of ${Math.min(BATCH, events.length - i)} events`,
            { failed },
          );
        }
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, this.backoffMs(attempt)));
        const entries = pending.map((index) => ({
          EventBusName: this.busName,
          Source: this.source,
          DetailType: events[index]!.detailType,
          Detail: JSON.stringify(events[index]!.detail),
        }));
        let result: PutEventsCommandOutput;
        try {
          result = await this.client.send(new PutEventsCommand({ Entries: entries }));
        } catch (error) {
          throw new EventPublishError(`EventBridge unavailable (${(error as Error).name})`, {
            cause: error,
            failed,
          });
        }
        if ((result.FailedEntryCount ?? 0) === 0) break;
        // PutEvents answers one result per entry, in order; a failed one has an ErrorCode.
        const answers = result.Entries ?? [];
        pending =
          answers.length === pending.length
            ? pending.filter((_, k) => answers[k]?.ErrorCode !== undefined)
            : pending;
      }
    }
  }
}
