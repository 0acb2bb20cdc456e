import type { QueuedObjection } from '../schemas/queued-objection';

/** The durable queue could not take the objection either: only then may an unsubscribe fail (503). */
export class ObjectionQueueUnavailableError extends Error {
  override name = 'ObjectionQueueUnavailableError';
}

/**
 * R7: where an unsubscribe goes when the store cannot take it. An objection accepted here is
 * durable (SQS in AWS, files under the data folder locally) and is applied to the store by
 * the ApplyObjections consumer once the store is back.
 */
export interface ObjectionQueue {
  /** Resolves once the objection is durably queued; ObjectionQueueUnavailableError otherwise. */
  enqueue(objection: QueuedObjection): Promise<void>;
}
