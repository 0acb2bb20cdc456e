/**
 * Events leaving the gateway (EventBridge in AWS, memory locally). Generic on purpose:
 * any use case publishes `{detailType, detail}` pairs; the adapter adds the source and
 * the bus. Only the table's stream consumer publishes (docs/recipients.md, "Events out").
 */
export interface OutboundEvent {
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
}

export class EventPublishError extends Error {
  override name = 'EventPublishError';
  constructor(
    message: string,
    options?: ErrorOptions & {
      /** Indexes (in the array given to publish) of the events not published; absent: none is known to be. */
      readonly failed?: readonly number[];
    },
  ) {
    super(message, options);
    this.failed = options?.failed;
  }
  readonly failed: readonly number[] | undefined;
}

export interface EventPublisher {
  /**
   * Publishes every event or throws an EventPublishError naming which failed (events
   * before the first failed one in the array may have been published, and some after it).
   */
  publish(events: readonly OutboundEvent[]): Promise<void>;
}
