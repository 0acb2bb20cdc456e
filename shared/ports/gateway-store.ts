import type { ChainEntry, ChainHead } from '../domain/audit-chain';
import type { DayCount } from '../domain/complaint-rate';
import type { KeyScopes } from '../domain/key-scope';
import type { RetentionItem } from '../domain/retention';
import type { SendEmailRequest } from '../schemas/api';
import type { AuditEvent } from '../schemas/audit';
import type { IdentityClaim, IdentityKind } from '../schemas/identity';
import type {
  ConsentGrant,
  Objection,
  PendingConsent,
  RecipientProfile,
  RecipientState,
  Suppression,
  Withdrawal,
} from '../schemas/recipient';
import type {
  ComplaintHold,
  ComplaintHoldLift,
  ComplaintRateSettings,
  ConfirmationSettings,
  Purpose,
  SmsSender,
  SmsSettings,
  Tenant,
  Wording,
} from '../schemas/tenant';
import type { Basis } from '../schemas/vocabulary';

/** Errors of the store, whatever its technology. Only the HTTP edge maps them to status codes. */
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

/**
 * A sending identity is assigned to another tenant (docs/rules.md, Vocabulary "Tenant"): its
 * claim item stands. `holder` is for the operator's answer only, never a tenant's.
 */
export class IdentityTakenError extends ConflictError {
  override name = 'IdentityTakenError';
  constructor(
    readonly kind: IdentityKind,
    readonly identity: string,
    readonly holder: string,
  ) {
    super(
      `${kind} identity "${identity}" is assigned to tenant ${holder}: release it from that tenant first`,
    );
  }
}

/**
 * `operator`: the deployment's operator, above tenants: creates tenants and assigns sending
 * identities (routes under /v1/operator/…); it acts for no tenant.
 */
export type ApiKeyRole = 'admin' | 'sender' | 'operator';

/** The tenant id an operator key is recorded under: not a valid tenant id (tenantIdSchema), so it names none. */
export const OPERATOR_TENANT_ID = '#operator';

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

export interface ApiKeyRecord {
  readonly keyId: string;
  readonly tenantId: string;
  readonly role: ApiKeyRole;
  readonly label?: string;
  readonly createdAt: string;
  /** Refused from this instant on. */
  readonly expiresAt?: string;
  /** Refused from this instant on (a future one while a rotation's grace runs). */
  readonly revokedAt?: string;
  /** The UTC day of the last use, written at most once a day (a conditional update). */
  readonly lastUsedDay?: string;
  /** Sender keys only: what the key may send (domain/key-scope.ts); absent, no bound. */
  readonly scopes?: KeyScopes;
}

/** SES-style credentials of a sender (SigV4); the secret is kept encrypted (domain/sender-credential.ts). */
export interface SenderCredentialRecord {
  readonly accessKeyId: string;
  readonly tenantId: string;
  readonly keyId: string;
  readonly label?: string;
  readonly secretCiphertext: string;
  readonly createdAt: string;
  readonly expiresAt?: string;
  readonly revokedAt?: string;
  readonly lastUsedDay?: string;
  /** What the credentials may send (no channel: email only). */
  readonly scopes?: Omit<KeyScopes, 'channels'>;
}

/** R9: a recipient whose partition's TTLs wait to be re-planned (services/retention.ts). */
export interface RetentionReplanRequest {
  readonly tenantId: string;
  readonly recipientKey: string;
  readonly requestedAt: string;
}

/** What one decision needs to read: a recipient, for the purposes of the messages to it. */
export interface RecipientStateRequest {
  readonly recipientKey: string;
  readonly purposes: readonly string[];
}

/** What the gateway keeps of every message it sent, so that each can be justified later. */
export interface MessageRecord {
  readonly messageId: string;
  readonly providerMessageId: string;
  readonly channel: 'email' | 'sms';
  readonly purpose: string;
  readonly category: Purpose['category'];
  readonly basis: Basis;
  readonly proof: unknown;
  readonly from: string;
  readonly decidedAt: string;
  /** SMS only: encoding and segments of the text sent, opt-out mention included. */
  readonly sms?: { readonly encoding: string; readonly segments: number };
  readonly sentAt: string;
  readonly senderKeyId: string;
}

/**
 * R16: one recipient item of a bulk import, written with BatchWriteItem (plain puts: the
 * ids are deterministic, so a re-run rewrites the same items instead of adding new ones).
 */
export type RecipientItemWrite = (
  | { readonly kind: 'profile'; readonly recipientKey: string; readonly profile: RecipientProfile }
  | {
      readonly kind: 'consent';
      readonly recipientKey: string;
      readonly purpose: string;
      readonly grant: ConsentGrant;
    }
  /** The objection item; `latestOfScope` also writes the scope's latest-objection item (batched reads). */
  | {
      readonly kind: 'objection';
      readonly recipientKey: string;
      readonly objection: Objection;
      readonly latestOfScope: boolean;
    }
  | { readonly kind: 'suppression'; readonly recipientKey: string; readonly suppression: Suppression }
  /** An audit event with a deterministic id and time: a re-run puts the very same item again. */
  | { readonly kind: 'audit'; readonly recipientKey: string; readonly event: AuditEvent }
) & {
  /** R9/R11: the item's DynamoDB TTL (seconds since the epoch), when it has one. */
  readonly ttl?: number;
};

/**
 * A change to a recipient's state, committed together with its audit events by
 * `commitChanges` (one is never stored without the other).
 */
export type StateWrite = (
  | { readonly kind: 'profile'; readonly profile: RecipientProfile }
  | { readonly kind: 'consent'; readonly purpose: string; readonly grant: ConsentGrant }
  | { readonly kind: 'withdrawal'; readonly purpose: string; readonly withdrawal: Withdrawal }
  /** R7: merged into its scope's item (first, latest, count) and the scope's latest-objection item. */
  | { readonly kind: 'objection'; readonly objection: Objection }
  | { readonly kind: 'suppression'; readonly suppression: Suppression }
) & {
  /** R9/R11: the item's DynamoDB TTL when the writer knows it (imports); otherwise set by the retention plan after the commit. */
  readonly ttl?: number;
};

/** An audit event to append to the recipient's chain. */
export interface AuditAppend {
  readonly event: AuditEvent;
  /** R9: the item's DynamoDB TTL (epoch seconds), when known as it is written. */
  readonly ttl?: number;
  /**
   * The event's id is deterministic (an SNS redelivery, an import re-run): the store keeps
   * a marker of it, so that the same change committed again is found and written once.
   */
  readonly fixedId?: boolean;
}

/**
 * `committed`: every write and event stored, in one transaction (events whose fixed id was
 * already recorded left out: `events` lists those written); `duplicate`: nothing was
 * written, because every event has a fixed id already recorded, or the objection written is
 * already recorded under its id (R7 idempotent one-click).
 */
export type CommitOutcome =
  | {
      readonly outcome: 'committed';
      readonly events: readonly { readonly eventId: string; readonly sk: string; readonly seq: number }[];
    }
  | { readonly outcome: 'duplicate' };

/** An audit item as the verifier reads it: chained (with its link) or written before the chain. */
export type StoredAuditEntry =
  /** `chain`: C, the changes to the recipient's state; D, the sending decisions and their outcome. */
  | ({ readonly chained: true; readonly chain: 'C' | 'D' } & ChainEntry)
  | { readonly chained: false; readonly event: AuditEvent };

export interface GatewayStore {
  /**
   * The tenant, with only the identities it holds a claim for (R10): an identity in its item
   * without a claim of its own (stored before claims existed, or taken by another tenant) is
   * left out, so the decision never accepts it.
   */
  getTenant(tenantId: string): Promise<Tenant | undefined>;
  /** The tenant as its item stores it, identities unchecked (the claim migration reads it). */
  getStoredTenant(tenantId: string): Promise<Tenant | undefined>;
  /** Creates the tenant; false when it already exists (nothing is changed then). */
  createTenant(tenant: Tenant): Promise<boolean>;
  putPurpose(tenantId: string, purpose: Purpose): Promise<void>;
  putEmailIdentity(tenantId: string, identity: string): Promise<void>;
  deleteEmailIdentity(tenantId: string, identity: string): Promise<void>;
  putWording(tenantId: string, wording: Wording): Promise<void>;

  /** Declares an SMS sender in the tenant's item; its claims (claimIdentity) come first. */
  putSmsSender(tenantId: string, sender: SmsSender): Promise<void>;
  putSmsSettings(tenantId: string, settings: SmsSettings): Promise<void>;
  putComplaintRateSettings(tenantId: string, settings: ComplaintRateSettings): Promise<void>;
  putConfirmationSettings(tenantId: string, settings: ConfirmationSettings): Promise<void>;

  /**
   * Mailbox provider thresholds: adds `count` deliveries to the tenant's counter of that UTC
   * day (atomic ADD; `ttl` in epoch seconds) and returns the day's total after the addition.
   */
  countDeliveries(tenantId: string, day: string, count: number, ttl: number): Promise<number>;
  /**
   * Counts one complaint on that UTC day, once per `complaintId` (a second delivery of the same
   * SES complaint is 'duplicate' and changes nothing), in one atomic conditional write.
   */
  countComplaint(
    tenantId: string,
    day: string,
    complaintId: string,
    ttl: number,
  ): Promise<'counted' | 'duplicate'>;
  /** The tenant's day counts from `fromDay` to `toDay` (UTC, `YYYY-MM-DD`, both included); days without counts are absent. */
  listComplaintRateDays(tenantId: string, fromDay: string, toDay: string): Promise<DayCount[]>;
  /** Sets the hold unless one is already set ('already_held': the first one stands). */
  setComplaintHold(tenantId: string, hold: ComplaintHold): Promise<'set' | 'already_held'>;
  /**
   * Lifts the hold set at `lift.hold.since` and records the lift on the tenant; 'no_hold'
   * when that hold is not set (lifted meanwhile).
   */
  liftComplaintHold(tenantId: string, lift: ComplaintHoldLift): Promise<'lifted' | 'no_hold'>;
  /** Tenant-level audit events (the hold set and lifted): append-only, like a recipient's. */
  appendTenantAudit(tenantId: string, event: AuditEvent): Promise<void>;
  /** The tenant's audit events, newest first, at most `limit`. */
  listTenantAudit(tenantId: string, limit: number): Promise<AuditEvent[]>;
  /**
   * The tenant that owns the number or short code replied to, for inbound replies: the owner
   * of the origination identity its sender claim sends through (the claim items, never a
   * tenant's own declaration).
   */
  findTenantBySmsSender(senderId: string): Promise<string | undefined>;

  // Sending identities: one claim item per identity, written only if absent (no two tenants).
  /**
   * Claims the identity for `claim.tenantId`: 'claimed' when it was free, 'already_yours'
   * when the tenant held it already; IdentityTakenError when another tenant holds it.
   */
  claimIdentity(claim: IdentityClaim): Promise<'claimed' | 'already_yours'>;
  /** Frees the identity if `tenantId` holds it (a conditional delete); false otherwise. */
  releaseIdentity(kind: IdentityKind, identity: string, tenantId: string): Promise<boolean>;
  /** The claim of an identity, if any (strongly consistent). */
  getIdentityClaim(kind: IdentityKind, identity: string): Promise<IdentityClaim | undefined>;
  /** The tenant's claims (gsi1: a listing, eventually consistent). */
  listIdentityClaims(tenantId: string): Promise<IdentityClaim[]>;
  /** Removes an SMS sender from the tenant's declarations (its claims are released apart). */
  deleteSmsSender(tenantId: string, senderId: string): Promise<void>;
  /** Every tenant id (a scan: for the operator's one-off migration, never a request path). */
  listTenantIds(): Promise<string[]>;

  // The due queue: deferred SMS (R14) and scheduled messages of both channels (`sendAt`).
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

  getApiKey(keyHash: string): Promise<ApiKeyRecord | undefined>;
  putApiKey(keyHash: string, record: ApiKeyRecord): Promise<void>;
  /** The tenant's API keys (metadata; the hash is not returned). */
  listApiKeys(tenantId: string): Promise<ApiKeyRecord[]>;
  /** Sets `revokedAt` on the tenant's key (NotFoundError if it has none of that id); returns it. */
  revokeApiKey(tenantId: string, keyId: string, at: string): Promise<ApiKeyRecord>;
  /** `lastUsedDay` := day, only if it was older (a conditional update; false when it was not). */
  touchApiKey(keyHash: string, day: string): Promise<boolean>;

  getSenderCredential(accessKeyId: string): Promise<SenderCredentialRecord | undefined>;
  putSenderCredential(record: SenderCredentialRecord): Promise<void>;
  listSenderCredentials(tenantId: string): Promise<SenderCredentialRecord[]>;
  revokeSenderCredential(tenantId: string, keyId: string, at: string): Promise<SenderCredentialRecord>;
  touchSenderCredential(accessKeyId: string, day: string): Promise<boolean>;

  /**
   * What the decision needs about many recipients of one tenant, in batched reads (not one
   * request per recipient): the profile, the consents of the given purposes, the
   * suppressions and the latest objection per scope. Decides exactly as getRecipientState.
   */
  getRecipientStates(
    tenantId: string,
    requests: readonly RecipientStateRequest[],
  ): Promise<Map<string, RecipientState>>;
  /** Everything the decision needs about one recipient: one strongly consistent read. */
  getRecipientState(tenantId: string, recipientKey: string): Promise<RecipientState>;
  putProfile(tenantId: string, recipientKey: string, profile: RecipientProfile): Promise<void>;
  /**
   * Seeding only (the bench, tests): many recipient items in batched writes, with no audit
   * chain. The import commits through commitChanges (R15). Batched writes (25 a call), unprocessed items
   * retried with backoff; StoreUnavailableError when they stay unprocessed (fail closed).
   * Two writes to the same item in one call: the last wins.
   */
  putRecipientItems(tenantId: string, items: readonly RecipientItemWrite[]): Promise<void>;
  putConsent(tenantId: string, recipientKey: string, purpose: string, grant: ConsentGrant): Promise<void>;
  putWithdrawal(
    tenantId: string,
    recipientKey: string,
    purpose: string,
    withdrawal: Withdrawal,
  ): Promise<void>;
  /**
   * R7: 'duplicate' when an objection with this id is already recorded (idempotent
   * one-click). Repeated objections of one scope are one item (800 "stop all"
   * clicks are not 800 items): it keeps the first objection (time, method, proof), the
   * latest, and how many were recorded; the audit trail keeps every one.
   */
  putObjection(
    tenantId: string,
    recipientKey: string,
    objection: Objection,
  ): Promise<'recorded' | 'duplicate'>;
  putSuppression(tenantId: string, recipientKey: string, suppression: Suppression): Promise<void>;
  /** R13: counts a repermission message sent (+1), or takes one back when the send failed (-1). */
  countRepermission(
    tenantId: string,
    recipientKey: string,
    purpose: string,
    delta: 1 | -1,
    at: string,
  ): Promise<void>;
  /** `ttl` (epoch seconds): when the record falls out of retention (R9). */
  putMessage(tenantId: string, recipientKey: string, message: MessageRecord, ttl?: number): Promise<void>;
  /**
   * R9/R11: every item of a recipient's partition (or those whose sort key starts with
   * `prefix`: `S#` for the state items), as the retention plan needs it; paged queries.
   */
  retentionItems(tenantId: string, recipientKey: string, prefix?: string): Promise<RetentionItem[]>;
  /**
   * R9: asks for the re-plan of the recipient's whole partition off the request path (one
   * put; a second request before the run replaces the first).
   */
  requestRetentionReplan(tenantId: string, recipientKey: string, requestedAt: string): Promise<void>;
  /** The re-plans waiting, oldest first, at most `limit` (eventually consistent index). */
  listRetentionReplans(limit: number): Promise<RetentionReplanRequest[]>;
  /** Removes a served request, unless a newer one replaced it meanwhile. */
  completeRetentionReplan(request: RetentionReplanRequest): Promise<void>;
  /**
   * Sets the DynamoDB TTL of existing items (an item deleted meanwhile is left alone),
   * several updates in flight at once (BatchWriteItem has no update).
   */
  setTtls(
    tenantId: string,
    recipientKey: string,
    updates: readonly { sk: string; ttl: number }[],
  ): Promise<void>;

  /** Every message record of the recipient, oldest first. */
  listMessages(tenantId: string, recipientKey: string): Promise<MessageRecord[]>;

  /**
   * R15 evidence: the state writes and the audit events that record them, in one
   * transaction; the events are appended to the recipient's hash chain (seq n+1, n+2… after
   * the tip, each written only if its seq is free, so that concurrent writers serialise:
   * the loser reads the tip again and retries). Without state writes and with one event
   * (a send's decision) it is one conditional put, not a transaction.
   * StoreUnavailableError when it cannot be committed (fail closed: neither half is stored).
   */
  commitChanges(
    tenantId: string,
    recipientKey: string,
    writes: readonly StateWrite[],
    events: readonly AuditAppend[],
    /**
     * `fresh`: the caller read no item of this recipient (an import's batched read): the
     * first attempt writes seq 1 without reading the tip or the items it merges into; if
     * anything was written meanwhile, seq 1 is taken and the commit is retried as usual.
     */
    options?: { readonly fresh?: boolean },
  ): Promise<CommitOutcome>;
  /** The recipient's audit trail, oldest first (events from before the chain first). */
  listAudit(tenantId: string, recipientKey: string): Promise<AuditEvent[]>;
  /** The audit items in key order, page by page (paged queries: never the whole trail in memory). */
  auditEntries(tenantId: string, recipientKey: string): AsyncIterable<StoredAuditEntry>;
  /**
   * Where the chain must reach: the seq and hash of the event that last wrote each state
   * item (kept on the item). A chain that ends before one of them was cut at its tail.
   */
  chainAnchors(tenantId: string, recipientKey: string): Promise<ChainHead[]>;
  /** The recipients of a tenant that have an audit trail (a paged scan: the operator's check, never a request path). */
  auditedRecipients(tenantId: string): AsyncIterable<string>;

  /** R3 double opt-in: what was ticked, until the confirmation link is clicked (expires with its link). */
  putPendingConsent(tenantId: string, recipientKey: string, pending: PendingConsent): Promise<void>;
  getPendingConsent(tenantId: string, recipientKey: string, id: string): Promise<PendingConsent | undefined>;
  /**
   * R3, no confirmation floods: claims the right to mail a confirmation for each purpose
   * not already claimed by an unexpired claim, until `until`, in one conditional write
   * (concurrent requests: one wins). Returns the purposes claimed, possibly none.
   */
  claimConfirmation(
    tenantId: string,
    recipientKey: string,
    purposes: readonly string[],
    now: Date,
    until: Date,
  ): Promise<string[]>;
  /** Gives back claims taken at `until` (the mail could not be sent); a newer claim is left alone. */
  releaseConfirmation(
    tenantId: string,
    recipientKey: string,
    purposes: readonly string[],
    until: Date,
  ): Promise<void>;

  /**
   * R15/R11 erasure: deletes every item of the recipient except objections,
   * suppressions and the audit events in `keepAuditTypes`. Returns how many went.
   */
  eraseRecipient(
    tenantId: string,
    recipientKey: string,
    keepAuditTypes: readonly AuditEvent['type'][],
  ): Promise<number>;
}
