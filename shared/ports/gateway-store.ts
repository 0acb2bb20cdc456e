import type { ChainEntry, ChainHead } from '../domain/audit-chain';
import type { ExpiryTombstone } from '../domain/expiry-tombstone';
import type { RetentionItem } from '../domain/retention';
import type { AuditEvent } from '../schemas/audit';
import type {
  ConsentGrant,
  Objection,
  PendingConsent,
  RecipientProfile,
  RecipientState,
  Suppression,
  Withdrawal,
} from '../schemas/recipient';
import type { Purpose } from '../schemas/tenant';
import type { Basis } from '../schemas/vocabulary';
import type { OutboundEvent } from './event-publisher';

// The stores' errors, shared by every aggregate's port (ports/store-errors.ts); re-exported
// here so that the recipient side's callers keep importing them from one place.
export {
  AlreadyRecordedError,
  ConflictError,
  NotFoundError,
  StoreError,
  StoreUnavailableError,
} from './store-errors';

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

/**
 * What the gateway keeps of every message it sent, so that each can be justified later: the
 * send's `decision.sent` event (shared/domain/sent-messages.ts), or a message item (`M#`) on
 * the paths that still write one.
 */
export interface MessageRecord {
  readonly messageId: string;
  /** Linked afterwards from SES's own events (bounce, complaint) when it came from the decision. */
  readonly providerMessageId?: string;
  readonly channel: 'email' | 'sms';
  readonly purpose: string;
  readonly category: Purpose['category'];
  readonly basis: Basis;
  readonly proof: unknown;
  readonly from: string;
  readonly decidedAt: string;
  /** SMS only: encoding and segments of the text sent, opt-out mention included. */
  readonly sms?: { readonly encoding: string; readonly segments: number };
  /** When the provider accepted it: message items only (a decision is written before the send). */
  readonly sentAt?: string;
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
  /** The event CRMs receive for it, stored in the same item and published from the table's stream. */
  readonly out?: OutboundEvent;
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
  | { readonly outcome: 'duplicate' }
  /** `once`: a decision of this key is in the chain already, and no `send.failed` after it: nothing written. */
  | {
      readonly outcome: 'earlier';
      readonly event: AuditEvent;
      readonly fingerprint: string;
      readonly answer?: Readonly<Record<string, unknown>>;
    };

/**
 * A send that carries an idempotency key. Its decision is its claim: the decision event is
 * appended with the key, and the append first looks back through the recipient's decisions
 * (chain `D`) for one of the same key. Two duplicates that race for the same seq meet there
 * (the loser reads the tip again and finds the winner's), so no item of its own is written:
 * one write per send, key or not. A key is therefore scoped to its tenant and recipient.
 */
export interface SendOnce {
  /** The key, namespaced by origin (`key:<idempotencyKey>`, `sqs:<message id>`); stored hashed. */
  readonly key: string;
  /** SHA-256 of the request: the same key with another request is refused, not replayed. */
  readonly fingerprint: string;
  /** Decisions decided before this instant (ISO 8601) are past the key's window: the look-back stops there. */
  readonly since: string;
  /** What the answer holds beyond the event (a deferral's reasons, an SMS's segments), kept beside it. */
  readonly answer?: Readonly<Record<string, unknown>>;
}

/** An audit item as the verifier reads it: chained (with its link) or written before the chain. */
export type StoredAuditEntry =
  /** `chain`: C, the changes to the recipient's state; D, the sending decisions and their outcome. */
  | ({ readonly chained: true; readonly chain: 'C' | 'D' } & ChainEntry)
  | { readonly chained: false; readonly event: AuditEvent };

/**
 * The recipient aggregate: a recipient's state (profile, consents, withdrawals, objections,
 * suppressions, repermissions), its messages and audit trail, pending double opt-ins,
 * confirmation claims, retention and erasure. The other aggregates have their own ports
 * (ports/stores.ts).
 */
export interface GatewayStore {
  /**
   * What the decision needs about many recipients of one tenant, in batched reads (not one
   * request per recipient): the profile, the consents of the given purposes, the
   * suppressions and the latest objection per scope. Decides exactly as getRecipientState.
   */
  getRecipientStates(
    tenantId: string,
    requests: readonly RecipientStateRequest[],
    /**
     * `query`: one strongly consistent Query of each recipient's `S#` items (several in
     * flight), 1 read unit for a usual state, where BatchGetItem bills every key it asks,
     * found or not (3 + 3 per purpose): what the send paths use. The default (`batch`) keeps
     * the fewest requests (an import of mostly new recipients).
     */
    options?: { readonly read?: 'batch' | 'query' },
  ): Promise<Map<string, RecipientState>>;
  /** Everything the decision needs about one recipient: one strongly consistent read. */
  getRecipientState(tenantId: string, recipientKey: string): Promise<RecipientState>;
  putProfile(tenantId: string, recipientKey: string, profile: RecipientProfile): Promise<void>;
  /**
   * Seeding only (the bench, tests): many recipient items in batched writes, with no audit
   * chain. The import commits through commitFreshRecipients and commitChanges (R15). Batched writes (25 a call), unprocessed items
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

  /** Every message item (`M#`) of the recipient, oldest first; a send through POST /v1/messages writes none (its decision is the record). */
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
     * `once`: a keyed send's decision (one event, chain `D`): answered `earlier` when the
     * key's decision is found, at any attempt.
     */
    options?: { readonly fresh?: boolean; readonly once?: SendOnce },
  ): Promise<CommitOutcome>;
  /**
   * A bulk message's outcome, published from the table's stream: written once per SQS
   * message id (false when it was already), kept until `ttl` (epoch seconds).
   */
  putMessageOutcome(sqsMessageId: string, out: OutboundEvent, ttl: number): Promise<boolean>;
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
  /**
   * R9/R15: writes back, at its key, the tombstone of an audit event DynamoDB's TTL removed
   * (shared/domain/expiry-tombstone.ts), only if the key is absent (a redelivered record, or
   * a new event that took the seq: `present`), with a TTL that keeps it while anything else of
   * the partition lives (`tombstoneTtl`). `gone`: nothing else lives, nothing written.
   */
  keepExpiredLink(tombstone: ExpiryTombstone, now: Date): Promise<'written' | 'present' | 'gone'>;

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

  // R16: the bulk import's writes and reads (shared/services/legacy-import.ts).
  /**
   * Which of these fixed-id events are recorded already (their `E#<eventId>` marker is
   * stored): one key per event, batched reads in flight together. An import re-run asks
   * this first and writes nothing for the rows it finds. Returns `recordedEventRef`s.
   */
  recordedEvents(tenantId: string, refs: readonly EventRef[]): Promise<Set<string>>;
  /**
   * R15/R16: the first changes of recipients the caller's read found empty, several
   * recipients per TransactWriteItems (up to 100 items) and several transactions in flight.
   * A recipient's state items and its events (seq 1, 2… of its chain of changes, each with
   * its fixed-id marker) are always in the same transaction, so neither half is ever stored
   * without the other; the event and marker puts are conditional on their key being free.
   * A recipient someone wrote meanwhile (its seq 1 or a marker taken) is left out and
   * returned in `raced`, and the rest of its transaction is committed again without it: the
   * caller reads and classifies those again. StoreUnavailableError when the store refuses
   * (what was committed before stays committed; a re-run finds it by its markers).
   */
  commitFreshRecipients(tenantId: string, commits: readonly FreshCommit[]): Promise<{ raced: string[] }>;
}

/** A fixed-id audit event of a recipient (its marker's key). */
export interface EventRef {
  readonly recipientKey: string;
  readonly eventId: string;
}

/** How `recordedEvents` names an event it found. */
export const recordedEventRef = (ref: EventRef) => `${ref.recipientKey} ${ref.eventId}`;

/** One recipient's first commit in `commitFreshRecipients`: every event has a fixed id, on the chain of changes. */
export interface FreshCommit {
  readonly recipientKey: string;
  readonly writes: readonly StateWrite[];
  readonly events: readonly AuditAppend[];
}
