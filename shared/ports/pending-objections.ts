import type { Objection } from '../schemas/recipient';
import { StoreUnavailableError } from './gateway-store';

/**
 * The pending objections cannot be read or written. A subclass of StoreUnavailableError on
 * purpose: every send path already fails closed on that (503, the bulk message delivered
 * again, the scheduled message put back), and a send must not be decided without knowing
 * whether an accepted objection waits (R7).
 */
export class PendingObjectionsUnavailableError extends StoreUnavailableError {
  override name = 'PendingObjectionsUnavailableError';
}

/** One recipient's objections accepted (POST /u/{token} answered) but not yet in the store. */
export interface PendingObjectionTarget {
  readonly tenant: string;
  readonly recipientKey: string;
}

/**
 * R7: the objections POST /u/{token} accepted while the store could not take them, readable
 * per recipient by the send path until the ApplyObjections consumer has written them to the
 * store. It closes the window between the store's recovery and the queue's drain: every
 * decision reads this first, then the store (services/decisions.ts). S3 in AWS (one object
 * per tenant and recipient key; a GET per decision, a 404 normally), files locally.
 *
 * What it holds is what the decision needs (id, scope, times, method), never the proof's IP
 * address or user agent: those travel on the objection queue to the store.
 */
export interface PendingObjections {
  /** Resolves once the objection is durably readable by every later send; PendingObjectionsUnavailableError otherwise. */
  add(target: PendingObjectionTarget, objection: Objection): Promise<void>;
  /** The recipient key's pending objections ([] normally); PendingObjectionsUnavailableError when it cannot tell. */
  list(target: PendingObjectionTarget): Promise<Objection[]>;
  /** Drops one once the store holds it; no-op when absent. */
  remove(target: PendingObjectionTarget, objectionId: string): Promise<void>;
}
