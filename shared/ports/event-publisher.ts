/**
 * Events leaving the gateway (EventBridge in AWS, memory locally). Generic on purpose:
 * any use case publishes `{detailType, detail}` pairs; the adapter adds the source and
 * the bus.
 */
export interface OutboundEvent {
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
}

export class EventPublishError extends Error {
  override name = 'EventPublishError';
}

export interface EventPublisher {
  /** Publishes every event or throws an EventPublishError naming how many failed. */
  publish(events: readonly OutboundEvent[]): Promise<void>;
}
