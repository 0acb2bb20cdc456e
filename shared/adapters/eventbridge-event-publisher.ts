import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EventPublishError, type EventPublisher, type GatewayEvent } from '../ports/event-publisher';

/** EventBridge's PutEvents limit. */
const MAX_ENTRIES = 10;
export const EVENT_SOURCE = 'consent-gate';

/** Publishes on one bus with source `consent-gate`; PutEvents' partial failures become an error. */
export class EventBridgeEventPublisher implements EventPublisher {
  constructor(
    private readonly busName: string,
    private readonly client = new EventBridgeClient({}),
  ) {}

  async publish(events: readonly GatewayEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += MAX_ENTRIES) {
      const chunk = events.slice(i, i + MAX_ENTRIES);
      let failed: number;
      try {
        const out = await this.client.send(
          new PutEventsCommand({
            Entries: chunk.map((e) => ({
              EventBusName: this.busName,
              Source: EVENT_SOURCE,
              DetailType: e.type,
              Detail: JSON.stringify(e.detail),
            })),
          }),
        );
        failed = out.FailedEntryCount ?? 0;
      } catch (error) {
        throw new EventPublishError(`EventBridge unavailable (${(error as Error).name})`, { cause: error });
      }
      if (failed > 0) throw new EventPublishError(`${failed} of ${chunk.length} events were not published`);
    }
  }
}

/** The local runner's bus: events are kept in memory and shown by the runner. */
export class InMemoryEventPublisher implements EventPublisher {
  readonly events: (GatewayEvent & { source: string; time: string })[] = [];
  async publish(events: readonly GatewayEvent[]): Promise<void> {
    const time = new Date().toISOString();
    for (const e of events) this.events.push({ ...e, source: EVENT_SOURCE, time });
  }
}
