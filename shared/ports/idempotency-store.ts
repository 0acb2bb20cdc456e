/**
 * Idempotency records: a retried or concurrent duplicate of a send runs it once and
 * answers the first outcome. The store claims a key with a conditional write; whoever
 * holds the claim runs the send, the others read its outcome.
 */
export interface IdempotencyRecord {
  readonly status: 'in_progress' | 'completed';
  /** SHA-256 of the request: the same key with another request is an error, not a replay. */
  readonly fingerprint: string;
  /** Epoch ms until which an in-progress claim is held; past it, a retry may take it over. */
  readonly leaseUntil: number;
  readonly result?: unknown;
  /**
   * The key of another record that holds this call's outcome (the SES endpoint's signature
   * claim, answered by its invocation id's): this one is never completed, and a live claim
   * that names one is never taken over.
   */
  readonly answeredBy?: string;
}

export type ClaimResult =
  | { readonly claimed: true }
  | { readonly claimed: false; readonly record: IdempotencyRecord };

export interface IdempotencyStore {
  /** Claims `key` for `tenantId` unless a completed record or a live claim holds it. */
  claim(
    tenantId: string,
    key: string,
    fingerprint: string,
    options: { now: number; leaseUntil: number; expiresAt: number; answeredBy?: string },
  ): Promise<ClaimResult>;
  /** Records the outcome. */
  complete(tenantId: string, key: string, result: unknown, expiresAt: number): Promise<void>;
  /** Drops a claim whose send failed before anything went out, so that a retry may send. */
  release(tenantId: string, key: string): Promise<void>;
  get(tenantId: string, key: string): Promise<IdempotencyRecord | undefined>;
}
