import type { EventPublisher, OutboundEvent } from '../ports/event-publisher';
import { EVENT_SOURCE } from '../schemas/events';

export interface PublishedEvent extends OutboundEvent {
  readonly source: string;
  readonly time: string;
}

/**
 * The local runner's bus: keeps what was published (served as JSON at /local/events)
 * and writes one log line per event. Events carry recipient keys, never addresses.
 */
export class MemoryEventPublisher implements EventPublisher {
  readonly events: PublishedEvent[] = [];

  constructor(private readonly log: (line: string) => void = () => undefined) {}

  publish(events: readonly OutboundEvent[]): Promise<void> {
    for (const event of events) {
      const published = { source: EVENT_SOURCE, time: new Date().toISOString(), ...event };
      this.events.push(published);
      this.log(`event ${event.detailType} ${JSON.stringify(event.detail)}`);
    }
    return Promise.resolve();
  }
}

/** One bus per process: the local runner's handlers and its /local/events route share it. */
export const localEventBus = new MemoryEventPublisher((line) => {
  if (process.env.LOCAL_EVENTS_LOG !== 'off') console.log(line);
});
