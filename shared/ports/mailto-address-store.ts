/**
 * R10 / RFC 2369: the short ids of `mailto:` unsubscribe addresses, each beside the
 * unsubscribe token it stands for (domain/mailto-unsubscribe.ts says why an id).
 */
export interface MailtoAddressStore {
  /** Idempotent: the same id always stands for the same token. `ttl` in epoch seconds. */
  putMailtoToken(id: string, token: string, ttl: number): Promise<void>;
  getMailtoToken(id: string): Promise<string | undefined>;
}
