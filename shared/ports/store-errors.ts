/**
 * Errors of the gateway's stores (every aggregate), whatever their technology. Only the
 * HTTP edge maps them to status codes.
 */
export class StoreError extends Error {
  override name = 'StoreError';
}
/** The store could not be reached or refused to serve (throttling, outage, timeout): fail closed. */
export class StoreUnavailableError extends StoreError {
  override name = 'StoreUnavailableError';
}
export class NotFoundError extends StoreError {
  override name = 'NotFoundError';
}
/** An append-only item (audit event) already exists under this id: it is never overwritten. */
export class AlreadyRecordedError extends StoreError {
  override name = 'AlreadyRecordedError';
}

/** The write contradicts what is stored (an SMS number that belongs to another tenant…). */
export class ConflictError extends StoreError {
  override name = 'ConflictError';
}
