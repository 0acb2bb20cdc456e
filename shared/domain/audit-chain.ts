import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { AuditEvent } from '../schemas/audit';

/**
 * A recipient's audit trail as a hash chain (R15 accountability, R3 "the controller must be
 * able to prove"): event n carries its sequence number and the hash of event n-1, and its
 * own hash covers both and the event. Whoever can write the table can still write
 * anything, but cannot edit, delete or reorder an event without breaking the chain at
 * that point, and the verifier names the first break. Pure: the store writes the links
 * (under a condition on the sequence, so concurrent writers serialise) and reads them back.
 *
 * What it does not cover: someone who rewrites every event after a point *and* the head
 * kept with the recipient's state (the store keeps no head item: each state item keeps the
 * link of the event that last wrote it, an anchor the verifier checks, see `finish`). Only a copy of the heads kept elsewhere (an export, a
 * notarised digest) detects that; the chain makes it a deliberate rewrite of everything
 * after the change, not a quiet edit of one item.
 */

/** The hash before the first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** The version of the hashed form; a change of form is a new version, never a silent change. */
export const CHAIN_VERSION = 1;

/** Where a chain ends: the last sequence number and its hash (kept with the recipient's state). */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/** What the store keeps of each event besides the event itself. */
export interface ChainLink {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

/**
 * A stored entry as read back, in the store's key order. An erased or expired event (R11,
 * R9) is a tombstone: its link, type and time stay, its content goes, so the chain still
 * verifies without the personal data.
 */
export type ChainEntry = ChainLink & {
  /** Where the store keeps the entry (its key's sequence number), when the key holds one. */
  readonly position?: number;
} & ({ readonly event: AuditEvent } | { readonly event?: undefined; readonly tombstone: Tombstone });

/**
 * What a tombstone keeps of its event: type and time; and, when DynamoDB's TTL removed the
 * event (R9, shared/domain/expiry-tombstone.ts), the instant its retention ended.
 */
export type Tombstone = Pick<AuditEvent, 'type' | 'at'> & { readonly expired?: string };

/**
 * The hash of an event at a place in the chain: SHA-256 of the RFC 8785 (JCS) canonical
 * JSON of version, sequence, previous hash and event, so that anyone can recompute it
 * with any JCS implementation, whatever order the store returns attributes in.
 */
export function eventHash(seq: number, prevHash: string, event: AuditEvent): string {
  const form = canonicalize({ v: CHAIN_VERSION, seq, prevHash, event });
  if (form === undefined) throw new TypeError('An audit event must be JSON');
  return createHash('sha256').update(form).digest('hex');
}

/** The link of the event that follows `head` (the first one when there is no head). */
export function nextLink(head: ChainHead | undefined, event: AuditEvent): ChainLink {
  const seq = (head?.seq ?? 0) + 1;
  const prevHash = head?.hash ?? GENESIS_HASH;
  return { seq, prevHash, hash: eventHash(seq, prevHash, event) };
}

/** The first place a chain does not hold, and what is wrong there. */
export type ChainBreak =
  /** A sequence number is missing: an event was deleted. */
  | { readonly kind: 'missing'; readonly seq: number; readonly found: number }
  /** Sequence numbers out of order or repeated: events were moved or copied. */
  | { readonly kind: 'out_of_order'; readonly seq: number; readonly found: number }
  /** An event's content no longer gives its hash: it was edited. */
  | { readonly kind: 'altered'; readonly seq: number }
  /** An event does not point at the one before it: it was replaced or moved from elsewhere. */
  | { readonly kind: 'unlinked'; readonly seq: number }
  /** A tombstone where the content must still be there (e.g. the proof of an objection, R7/R11). */
  | { readonly kind: 'emptied'; readonly seq: number; readonly type: AuditEvent['type'] }
  /** The chain does not end at the head kept with the state: its last events were deleted, or added around it. */
  | { readonly kind: 'head_mismatch'; readonly last: number; readonly head: number }
  /** A state item was written by event `seq`, and the chain ends before it (`last`): its tail was deleted. */
  | { readonly kind: 'truncated'; readonly seq: number; readonly last: number }
  /** A state item records another hash for event `seq`: the chain was rewritten from there. */
  | { readonly kind: 'rewritten'; readonly seq: number };

export type ChainVerdict =
  | { readonly ok: true; readonly events: number; readonly tombstones: number; readonly head?: ChainHead }
  | { readonly ok: false; readonly break: ChainBreak; readonly checked: number };

/**
 * Verifies a chain read page by page (a long trail, or every recipient of a tenant, is
 * streamed, never held whole): `push` each entry in key order, then `end` with the head
 * the recipient's state holds. Stops at the first break.
 */
export class ChainVerifier {
  /**
   * @param mayBeEmpty whether a tombstone is allowed there (the caller knows retention and
   * erasure: R9, R11); by default every tombstone is.
   */
  constructor(
    private readonly mayBeEmpty: (tombstone: Tombstone) => boolean = () => true,
    /**
     * Where the chain must reach, when no single head is kept: the link of the event that
     * last wrote each state item (kept on the item). Checked as the entries pass, and by `finish`.
     */
    anchors: readonly ChainHead[] = [],
  ) {
    for (const anchor of anchors) this.anchors.set(anchor.seq, anchor.hash);
    this.farthest = Math.max(0, ...anchors.map((a) => a.seq));
  }

  private readonly anchors = new Map<number, string>();
  private readonly farthest: number;

  private last: ChainHead | undefined;
  private events = 0;
  private tombstones = 0;
  private broken: ChainBreak | undefined;

  /** False once a break is found (later entries are not looked at). */
  push(entry: ChainEntry): boolean {
    if (this.broken !== undefined) return false;
    const expected = (this.last?.seq ?? 0) + 1;
    // Kept under another event's place: moved (the link itself may be intact).
    if (entry.position !== undefined && entry.position !== entry.seq)
      return this.fail({ kind: 'out_of_order', seq: entry.position, found: entry.seq });
    if (entry.seq > expected) return this.fail({ kind: 'missing', seq: expected, found: entry.seq });
    if (entry.seq < expected) return this.fail({ kind: 'out_of_order', seq: expected, found: entry.seq });
    if (entry.prevHash !== (this.last?.hash ?? GENESIS_HASH))
      return this.fail({ kind: 'unlinked', seq: entry.seq });
    if (entry.event === undefined) {
      if (!this.mayBeEmpty(entry.tombstone))
        return this.fail({ kind: 'emptied', seq: entry.seq, type: entry.tombstone.type });
      this.tombstones += 1;
    } else if (eventHash(entry.seq, entry.prevHash, entry.event) !== entry.hash)
      return this.fail({ kind: 'altered', seq: entry.seq });
    else this.events += 1;
    const anchored = this.anchors.get(entry.seq);
    if (anchored !== undefined && anchored !== entry.hash)
      return this.fail({ kind: 'rewritten', seq: entry.seq });
    this.last = { seq: entry.seq, hash: entry.hash };
    return true;
  }

  /** The verdict, given the head kept with the recipient's state (none for a chain never written). */
  end(head: ChainHead | undefined): ChainVerdict {
    const checked = this.events + this.tombstones;
    if (this.broken !== undefined) return { ok: false, break: this.broken, checked };
    const lastSeq = this.last?.seq ?? 0;
    if ((head?.seq ?? 0) !== lastSeq || (head !== undefined && head.hash !== this.last?.hash))
      return { ok: false, break: { kind: 'head_mismatch', last: lastSeq, head: head?.seq ?? 0 }, checked };
    return { ok: true, events: this.events, tombstones: this.tombstones, ...(head ? { head } : {}) };
  }

  /** The verdict against the anchors given to the constructor (no head kept: the chain may run past them). */
  finish(): ChainVerdict {
    const checked = this.events + this.tombstones;
    if (this.broken !== undefined) return { ok: false, break: this.broken, checked };
    const last = this.last?.seq ?? 0;
    if (this.farthest > last)
      return { ok: false, break: { kind: 'truncated', seq: this.farthest, last }, checked };
    return {
      ok: true,
      events: this.events,
      tombstones: this.tombstones,
      ...(this.last ? { head: this.last } : {}),
    };
  }

  private fail(found: ChainBreak): false {
    this.broken = found;
    return false;
  }
}

/** Verifies a whole chain held in memory (tests, a single recipient's short trail). */
export function verifyChain(
  entries: Iterable<ChainEntry>,
  head: ChainHead | undefined,
  mayBeEmpty?: (tombstone: Tombstone) => boolean,
): ChainVerdict {
  const verifier = new ChainVerifier(mayBeEmpty);
  for (const entry of entries) if (!verifier.push(entry)) break;
  return verifier.end(head);
}
