import { createHash } from 'node:crypto';
import type { Dependencies } from './dependencies';

/**
 * No double sends: a call that carries an idempotency key runs once per tenant and key;
 * a retried or concurrent duplicate answers the first outcome (sent or rejected alike).
 * runOnce claims the key in an item of its own (claim, then completion: two writes): the
 * SES endpoint (the AWS SDK's `amz-sdk-invocation-id`, the same on every retry of one call,
 * and the request's signature) and SMTP submissions. `POST /v1/messages` and the bulk queue
 * write no such item: their decision is their claim (./send-once.ts).
 */
export class IdempotencyError extends Error {
  override name = 'IdempotencyError';
}
/** The key was used for another request: answering the first outcome would be wrong. */
export class IdempotencyKeyReusedError extends IdempotencyError {
  override name = 'IdempotencyKeyReusedError';
}
/** The first request with this key is still running: retry shortly to get its outcome. */
export class IdempotencyInProgressError extends IdempotencyError {
  override name = 'IdempotencyInProgressError';
}

/** Longer than any function's timeout (10 s): a live claim is never taken over. */
const LEASE_MS = 30_000;
/** How long an outcome is replayed: past the SDK's and SQS's retries by far. */
export const RETENTION_S = 24 * 3600;
/** A concurrent duplicate waits this long for the first outcome before asking to retry. */
const WAIT_MS = 3_000;
const POLL_MS = 100;

export function fingerprintOf(request: unknown): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

export interface IdempotencyScope {
  readonly tenantId: string;
  /** Namespaced by origin, e.g. `key:<idempotencyKey>`, `ses:<invocation id>`, `sqs:<message id>`. */
  readonly key: string;
  readonly fingerprint: string;
  /** How long the outcome is kept and replayed; a day unless told. */
  readonly retentionSeconds?: number;
  /**
   * The key (same tenant) of the claim `run` takes, which will hold the outcome: this claim
   * is then never completed (one write fewer), and a duplicate reads the outcome there.
   */
  readonly answeredBy?: string;
}

export async function runOnce<T>(
  deps: Pick<Dependencies, 'idempotency' | 'clock'>,
  scope: IdempotencyScope,
  run: () => Promise<T>,
): Promise<{ result: T; replayed: boolean }> {
  const store = deps.idempotency;
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const now = deps.clock.now().getTime();
    const claim = await store.claim(scope.tenantId, scope.key, scope.fingerprint, {
      now,
      leaseUntil: now + LEASE_MS,
      expiresAt: Math.floor(now / 1000) + (scope.retentionSeconds ?? RETENTION_S),
      ...(scope.answeredBy === undefined ? {} : { answeredBy: scope.answeredBy }),
    });
    if (claim.claimed) break;
    const { record } = claim;
    if (record.fingerprint !== scope.fingerprint) {
      throw new IdempotencyKeyReusedError(
        'This idempotency key was already used for a different request; use a new key for a new message',
      );
    }
    if (record.status === 'completed') return { result: record.result as T, replayed: true };
    if (record.answeredBy !== undefined) {
      const answer = await store.get(scope.tenantId, record.answeredBy);
      if (answer?.status === 'completed' && answer.fingerprint === scope.fingerprint)
        return { result: answer.result as T, replayed: true };
    }
    if (Date.now() >= deadline) {
      throw new IdempotencyInProgressError(
        'A request with this idempotency key is still being processed; retry to get its outcome',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }

  let result: T;
  try {
    result = await run();
  } catch (error) {
    // Nothing went out (send errors are raised only before a send): a retry may try again.
    await store.release(scope.tenantId, scope.key).catch(() => undefined);
    throw error;
  }
  // Its outcome is on the record that answers it.
  if (scope.answeredBy !== undefined) return { result, replayed: false };
  const now = deps.clock.now().getTime();
  try {
    await store.complete(
      scope.tenantId,
      scope.key,
      result,
      Math.floor(now / 1000) + (scope.retentionSeconds ?? RETENTION_S),
    );
  } catch {
    // The send happened; the claim stays in progress until its lease ends, so a duplicate
    // within the lease waits and then is asked to retry rather than sending again.
  }
  return { result, replayed: false };
}
