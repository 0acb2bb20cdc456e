import type { SendEmailRequest } from '../schemas/message';

/**
 * R14: a marketing SMS waiting for the sending window, with its final text; or an SMS
 * scheduled by `sendAt` (`scheduled: true`). Items written before scheduling existed
 * have no `channel`: they are SMS.
 */
export interface DeferredSms {
  readonly channel?: 'sms';
  readonly scheduled?: boolean;
  readonly messageId: string;
  readonly tenantId: string;
  readonly recipientKey: string;
  readonly purpose: string;
  readonly from: string;
  readonly to: string;
  readonly text: string;
  /** R10: the opt-out mention `text` ends with, for its `decision.sent`; absent in items queued before it was kept. */
  readonly optOutMention?: string;
  readonly notBefore: string;
  readonly createdAt: string;
  readonly senderKeyId: string;
  readonly attempts: number;
}

/**
 * An email scheduled by `sendAt`: its request is kept as sent (no link injected yet),
 * and it is decided and built at send time, against the latest state (R7).
 */
export interface ScheduledEmail {
  readonly channel: 'email';
  readonly scheduled: true;
  readonly messageId: string;
  readonly tenantId: string;
  readonly recipientKey: string;
  readonly purpose: string;
  readonly from: string;
  readonly to: string;
  readonly request: Omit<SendEmailRequest, 'sendAt' | 'idempotencyKey'>;
  readonly notBefore: string;
  readonly createdAt: string;
  readonly senderKeyId: string;
  readonly attempts: number;
}

/** What waits in the due queue (gsi1): deferred and scheduled SMS, scheduled email. */
export type PendingMessage = DeferredSms | ScheduledEmail;

/** The due queue: deferred SMS (R14) and scheduled messages of both channels (`sendAt`). */
export interface DueQueue {
  putDeferredSms(message: PendingMessage): Promise<void>;
  /** Pending messages due at `now`, oldest first (eventually consistent: claim before sending). */
  listDueDeferredSms(now: Date, limit: number): Promise<PendingMessage[]>;
  /** Takes a pending message for sending; false when another worker took it first. */
  claimDeferredSms(message: PendingMessage): Promise<boolean>;
  rescheduleDeferredSms(message: PendingMessage, notBefore: string, attempts: number): Promise<void>;
  deleteDeferredSms(message: PendingMessage): Promise<void>;
  /** A message of the tenant still in the due queue (pending or being sent), by its id. */
  getPendingMessage(
    tenantId: string,
    messageId: string,
  ): Promise<{ message: PendingMessage; status: 'pending' | 'sending' } | undefined>;
  /** Removes a pending message before it is claimed; false when a run has claimed it already. */
  cancelPendingMessage(message: PendingMessage): Promise<boolean>;
}
