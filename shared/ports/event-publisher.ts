/**
 * Events about what the gateway did (a queued message's outcome, and later state
 * changes), for other systems to react to. Details never carry an address in clear:
 * recipients are named by their recipient key (R11).
 */
export interface GatewayEvent {
  /** EventBridge `detail-type`, e.g. `Message Outcome`. */
  readonly type: string;
  readonly detail: Record<string, unknown>;
}

export class EventPublishError extends Error {
  override name = 'EventPublishError';
}

export interface EventPublisher {
  /** Publishes all or throws an EventPublishError naming how many failed. */
  publish(events: readonly GatewayEvent[]): Promise<void>;
}
