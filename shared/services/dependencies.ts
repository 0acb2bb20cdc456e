import type { KeyScopes } from '../domain/key-scope';
import type { Clock } from '../ports/clock';
import type { ConsoleUserDirectory } from '../ports/console-user-directory';
import type { ApiKeyRole } from '../ports/credential-store';
import type { EmailSender } from '../ports/email-sender';
import type { EventPublisher } from '../ports/event-publisher';
import type { FeedbackForwarder } from '../ports/feedback-forwarder';
import type { IdempotencyStore } from '../ports/idempotency-store';
import type { KeyRing } from '../ports/key-ring';
import type { ObjectionQueue } from '../ports/objection-queue';
import type { PendingObjections } from '../ports/pending-objections';
import type { SmsSender } from '../ports/sms-sender';
import type { Stores } from '../ports/stores';
import type { LegalFloors } from '../schemas/legal-floors';

/**
 * What the use cases need, as ports: the handlers wire adapters in, tests wire fakes or local
 * servers. The stores are one port per aggregate (ports/stores.ts): `store` is the recipient's.
 */
export interface Dependencies extends Stores {
  readonly email: EmailSender;
  readonly sms: SmsSender;
  readonly keys: KeyRing;
  /** No double sends (services/idempotency.ts). */
  readonly idempotency: IdempotencyStore;
  /** Events for CRMs and other systems: recipient state changes, bulk-send outcomes. */
  readonly events: EventPublisher;
  /** The tenants' own SES feedback, sent on to their destination (SesFeedback only; absent elsewhere). */
  readonly feedback?: FeedbackForwarder;
  /** R7: unsubscribes the store could not take, applied by the ApplyObjections consumer. */
  readonly objectionQueue: ObjectionQueue;
  /**
   * R7: those queued unsubscribes again, readable per recipient until applied: every decision
   * reads them before the store, so none is decided "sent" after the person was answered.
   */
  readonly pendingObjections: PendingObjections;
  readonly clock: Clock;
  /**
   * The console's user pool (Cognito), where the deployment has one (CONSOLE_USER_POOL_ID):
   * sign-in with a username and password; absent, the console signs in with keys only.
   */
  readonly consoleUsers?: ConsoleUserDirectory;
  /** Base URL of the public API, for unsubscribe links (`<base>/u/<token>`). */
  readonly publicBaseUrl: string;
  /**
   * R10 / RFC 2369: the inbound domain of `mailto:` unsubscribe addresses (the construct's
   * `unsubscribeMailDomain`); absent, List-Unsubscribe carries the https link only.
   */
  readonly unsubscribeMailDomain?: string;
  /** Floors under the tenants' settings; absent, the defaults (the strictest). */
  readonly legalFloors?: LegalFloors;
  /** Structured log lines; never given an address in clear. */
  readonly log: {
    info(message: string, data?: Record<string, unknown>): void;
    warn(message: string, data?: Record<string, unknown>): void;
    error(message: string, data?: Record<string, unknown>): void;
  };
}

export interface Caller {
  readonly tenantId: string;
  /** The API key's id; for a console user (`userSub` set), their sub. */
  readonly keyId: string;
  /** A console user of the user pool, by their sub: the caller is that person, not a key. */
  readonly userSub?: string;
  readonly role: ApiKeyRole;
  /** A sender key's or credential's bounds, checked on every send surface (services/decisions.ts). */
  readonly scopes?: KeyScopes;
}
