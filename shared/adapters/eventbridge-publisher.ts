import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EventPublishError, type EventPublisher, type OutboundEvent } from '../ports/event-publisher';
import { EVENT_SOURCE } from '../schemas/events';

/** PutEvents takes at most 10 entries per call. */
const BATCH = 10;

export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly source = EVENT_SOURCE,
  ) {}

  async publish(events: readonly OutboundEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += BATCH) {
      const entries = events.slice(i, i + BATCH).map((event) => ({
        EventBusName: this.busName,
        Source: this.source,
        DetailType: event.detailType,
        Detail: JSON.stringify(event.detail),
      }));
      let failed: number;
      try {
        const result = await this.client.send(new PutEventsCommand({ Entries: entries }));
        failed = result.FailedEntryCount ?? 0;
      } catch (error) {
        throw new EventPublishError(`EventBridge unavailable (${(error as Error).name})`, { cause: error });
      }
      if (failed > 0)
        throw new EventPublishError(`EventBridge refused ${failed} of ${entries.length} events`);
    }
  }
}
