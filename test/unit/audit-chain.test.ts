import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type ChainEntry,
  ChainVerifier,
  eventHash,
  GENESIS_HASH,
  nextLink,
  verifyChain,
} from '../../shared/domain/audit-chain';
import type { AuditEvent } from '../../shared/schemas/audit';

function event(n: number, type: AuditEvent['type'] = 'consent.given'): AuditEvent {
  return {
    id: `evt-${n}`,
    at: `2026-06-0${n}T10:00:00.000Z`,
    type,
    actor: { type: 'sender_key', id: 'key-1' },
    why: 'R3: consent recorded',
    data: { purpose: 'newsletter', n },
  };
}

/** A well-formed chain of `n` events and its head. */
function chain(n: number, types: AuditEvent['type'][] = []) {
  const entries: ChainEntry[] = [];
  let head: { seq: number; hash: string } | undefined;
  for (let i = 1; i <= n; i++) {
    const e = event(i, types[i - 1]);
    const link = nextLink(head, e);
    entries.push({ ...link, event: e });
    head = { seq: link.seq, hash: link.hash };
  }
  return { entries, head };
}

describe('R15 audit chain: links', () => {
  it('R15 the first event follows the genesis hash with sequence 1', () => {
    const link = nextLink(undefined, event(1));
    expect(link.seq).toBe(1);
    expect(link.prevHash).toBe(GENESIS_HASH);
    expect(link.prevHash).toMatch(/^0{64}$/);
    expect(link.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('R15 each event points at the one before it', () => {
    const { entries } = chain(3);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(entries[1]?.prevHash).toBe(entries[0]?.hash);
    expect(entries[2]?.prevHash).toBe(entries[1]?.hash);
  });

  it('R15 the hash is SHA-256 of the RFC 8785 form of version, sequence, previous hash and event', () => {
    // Written out by hand, keys sorted as RFC 8785 sorts them: an outside verifier with any
    // JCS implementation gets the same hash.
    const e: AuditEvent = {
      id: 'e1',
      at: '2026-06-01T10:00:00.000Z',
      type: 'objection.recorded',
      actor: { type: 'recipient' },
      why: 'R7',
      data: { b: 1, a: 'é' },
    };
    const form =
      '{"event":{"actor":{"type":"recipient"},"at":"2026-06-01T10:00:00.000Z","data":{"a":"é","b":1},"id":"e1","type":"objection.recorded","why":"R7"},"prevHash":"' +
      GENESIS_HASH +
      '","seq":1,"v":1}';
    expect(eventHash(1, GENESIS_HASH, e)).toBe(createHash('sha256').update(form, 'utf8').digest('hex'));
  });

  it('R15 the hash does not depend on the order the store returns attributes in', () => {
    const e = event(1);
    const reordered = {
      data: { n: 1, purpose: 'newsletter' },
      why: e.why,
      actor: e.actor,
      type: e.type,
      at: e.at,
      id: e.id,
    };
    expect(eventHash(1, GENESIS_HASH, reordered)).toBe(eventHash(1, GENESIS_HASH, e));
  });

  it('R15 the hash changes with the sequence, the previous hash and any field of the event', () => {
    const e = event(1);
    const base = eventHash(1, GENESIS_HASH, e);
    expect(eventHash(2, GENESIS_HASH, e)).not.toBe(base);
    expect(eventHash(1, 'f'.repeat(64), e)).not.toBe(base);
    expect(eventHash(1, GENESIS_HASH, { ...e, at: '2026-06-01T10:00:00.001Z' })).not.toBe(base);
    expect(eventHash(1, GENESIS_HASH, { ...e, data: { ...e.data, n: 2 } })).not.toBe(base);
  });
});

describe('R15 audit chain: verification names the first break', () => {
  it('R15 a chain as written verifies, with its length', () => {
    const { entries, head } = chain(5);
    expect(verifyChain(entries, head)).toEqual({ ok: true, events: 5, tombstones: 0, head });
  });

  it('R15 a recipient with no events and no head verifies', () => {
    expect(verifyChain([], undefined)).toEqual({ ok: true, events: 0, tombstones: 0 });
  });

  it('R15 an edited event is altered at its sequence number', () => {
    const { entries, head } = chain(4);
    const edited = entries.map((e) =>
      e.seq === 3 && e.event ? { ...e, event: { ...e.event, data: { purpose: 'profiling', n: 3 } } } : e,
    );
    expect(verifyChain(edited, head)).toEqual({ ok: false, break: { kind: 'altered', seq: 3 }, checked: 2 });
  });

  it('R15 a deleted event is missing at its sequence number', () => {
    const { entries, head } = chain(4);
    const deleted = entries.filter((e) => e.seq !== 2);
    expect(verifyChain(deleted, head)).toEqual({
      ok: false,
      break: { kind: 'missing', seq: 2, found: 3 },
      checked: 1,
    });
  });

  it('R15 deleting the last events shows against the head', () => {
    const { entries, head } = chain(4);
    expect(verifyChain(entries.slice(0, 2), head)).toEqual({
      ok: false,
      break: { kind: 'head_mismatch', last: 2, head: 4 },
      checked: 2,
    });
  });

  it('R15 events appended without moving the head show against the head', () => {
    const { entries } = chain(4);
    const { head: oldHead } = chain(3);
    expect(verifyChain(entries, oldHead)).toMatchObject({
      ok: false,
      break: { kind: 'head_mismatch', last: 4, head: 3 },
    });
  });

  it('R15 a head with the right length and the wrong hash does not verify', () => {
    const { entries, head } = chain(2);
    expect(verifyChain(entries, { seq: 2, hash: 'a'.repeat(64) })).toMatchObject({
      ok: false,
      break: { kind: 'head_mismatch' },
    });
    expect(verifyChain(entries, head).ok).toBe(true);
  });

  it('R15 events with no head kept (the head lost or never moved) show against the head', () => {
    const { entries } = chain(2);
    expect(verifyChain(entries, undefined)).toEqual({
      ok: false,
      break: { kind: 'head_mismatch', last: 2, head: 0 },
      checked: 2,
    });
  });

  it('R15 a head with every event deleted shows against the head', () => {
    const { head } = chain(2);
    expect(verifyChain([], head)).toEqual({
      ok: false,
      break: { kind: 'head_mismatch', last: 0, head: 2 },
      checked: 0,
    });
  });

  it('R15 events read back in another order are out of order', () => {
    const { entries, head } = chain(4);
    const [a, b, c, d] = entries as [ChainEntry, ChainEntry, ChainEntry, ChainEntry];
    expect(verifyChain([a, c, b, d], head)).toMatchObject({
      ok: false,
      break: { kind: 'missing', seq: 2, found: 3 },
    });
    expect(verifyChain([a, b, b, c, d], head)).toEqual({
      ok: false,
      break: { kind: 'out_of_order', seq: 3, found: 2 },
      checked: 2,
    });
  });

  it('R15 two events swapped with their sequence numbers rewritten are unlinked', () => {
    const { entries, head } = chain(4);
    const [a, b, c, d] = entries as [ChainEntry, ChainEntry, ChainEntry, ChainEntry];
    expect(verifyChain([a, { ...c, seq: 2 }, { ...b, seq: 3 }, d], head)).toMatchObject({
      ok: false,
      break: { kind: 'unlinked', seq: 2 },
    });
  });

  it("R15 an event with its hash recomputed after an edit breaks the next event's link", () => {
    const { entries, head } = chain(3);
    const [a, , c] = entries as [ChainEntry, ChainEntry, ChainEntry];
    const forged = { ...event(2), data: { purpose: 'profiling' } };
    const forgedLink = { seq: 2, prevHash: a.hash, hash: eventHash(2, a.hash, forged), event: forged };
    expect(verifyChain([a, forgedLink, c], head)).toEqual({
      ok: false,
      break: { kind: 'unlinked', seq: 3 },
      checked: 2,
    });
  });

  it("R15 an event copied from another recipient's chain is unlinked", () => {
    const mine = chain(3);
    const other = chain(3, ['objection.recorded', 'objection.recorded', 'objection.recorded']);
    const [a, , c] = mine.entries as [ChainEntry, ChainEntry, ChainEntry];
    expect(verifyChain([a, other.entries[1] as ChainEntry, c], mine.head)).toMatchObject({
      ok: false,
      break: { kind: 'unlinked', seq: 2 },
    });
  });

  it('R11 an erased event kept as a tombstone (link, type, time) still verifies', () => {
    const { entries, head } = chain(3, ['consent.given', 'decision.sent', 'recipient.erased']);
    const erased = entries.map(
      (e): ChainEntry =>
        e.seq < 3 && e.event
          ? {
              seq: e.seq,
              prevHash: e.prevHash,
              hash: e.hash,
              tombstone: { type: e.event.type, at: e.event.at },
            }
          : e,
    );
    expect(verifyChain(erased, head)).toEqual({ ok: true, events: 1, tombstones: 2, head });
  });

  it('R11 a break after tombstones counts every entry checked before it', () => {
    const { entries, head } = chain(4, [
      'consent.given',
      'decision.sent',
      'recipient.erased',
      'consent.given',
    ]);
    const erased = entries.map(
      (e): ChainEntry =>
        e.seq < 3 && e.event
          ? {
              seq: e.seq,
              prevHash: e.prevHash,
              hash: e.hash,
              tombstone: { type: e.event.type, at: e.event.at },
            }
          : e,
    );
    expect(verifyChain(erased.slice(0, 3), head)).toEqual({
      ok: false,
      break: { kind: 'head_mismatch', last: 3, head: 4 },
      checked: 3,
    });
  });

  it('R7/R11 a tombstone where the proof must stay is emptied', () => {
    const { entries, head } = chain(3, ['consent.given', 'objection.recorded', 'decision.rejected']);
    const emptied = entries.map(
      (e): ChainEntry =>
        e.seq === 2 && e.event
          ? { seq: 2, prevHash: e.prevHash, hash: e.hash, tombstone: { type: e.event.type, at: e.event.at } }
          : e,
    );
    const keepObjections = (t: { type: AuditEvent['type'] }) => t.type !== 'objection.recorded';
    expect(verifyChain(emptied, head, keepObjections)).toEqual({
      ok: false,
      break: { kind: 'emptied', seq: 2, type: 'objection.recorded' },
      checked: 1,
    });
    expect(verifyChain(emptied, head).ok).toBe(true);
  });

  it('R15 the streaming verifier stops at the first break and ignores what follows', () => {
    const { entries, head } = chain(4);
    const verifier = new ChainVerifier();
    const [a, b, c, d] = entries as [ChainEntry, ChainEntry, ChainEntry, ChainEntry];
    expect(verifier.push(a)).toBe(true);
    expect(verifier.push(c)).toBe(false);
    expect(verifier.push(b)).toBe(false);
    expect(verifier.push(d)).toBe(false);
    expect(verifier.end(head)).toEqual({
      ok: false,
      break: { kind: 'missing', seq: 2, found: 3 },
      checked: 1,
    });
  });
});

describe('R15 audit chain: anchors kept on the state items, and where entries are kept', () => {
  it('R15 a chain that reaches every anchor with the same hash verifies, and may run past them', () => {
    const { entries } = chain(4);
    const anchors = [entries[1], entries[2]].map((e) => ({ seq: e?.seq ?? 0, hash: e?.hash ?? '' }));
    const verifier = new ChainVerifier(undefined, anchors);
    for (const e of entries) verifier.push({ ...e, position: e.seq });
    expect(verifier.finish()).toEqual({
      ok: true,
      events: 4,
      tombstones: 0,
      head: { seq: 4, hash: entries[3]?.hash },
    });
  });

  it('R15 a chain whose tail was deleted ends before the anchor of the last state write: truncated', () => {
    const { entries } = chain(4);
    const verifier = new ChainVerifier(undefined, [{ seq: 4, hash: entries[3]?.hash ?? '' }]);
    for (const e of entries.slice(0, 2)) verifier.push(e);
    expect(verifier.finish()).toEqual({
      ok: false,
      break: { kind: 'truncated', seq: 4, last: 2 },
      checked: 2,
    });
  });

  it('R15 a chain rewritten from a point (valid links, other hashes) breaks where a state item anchors the old hash', () => {
    const { entries } = chain(3);
    const rewritten = chain(3).entries.map((e, i) =>
      i === 0 ? e : { ...e, event: { ...(e.event as AuditEvent), why: 'rewritten' } },
    );
    // Relink the rewritten events so that each link holds on its own.
    let head: { seq: number; hash: string } | undefined;
    const relinked = rewritten.map((e) => {
      const link = nextLink(head, e.event as AuditEvent);
      head = { seq: link.seq, hash: link.hash };
      return { ...link, event: e.event as AuditEvent };
    });
    const verifier = new ChainVerifier(undefined, [{ seq: 2, hash: entries[1]?.hash ?? '' }]);
    for (const e of relinked) if (!verifier.push(e)) break;
    expect(verifier.finish()).toEqual({ ok: false, break: { kind: 'rewritten', seq: 2 }, checked: 2 });
  });

  it('R15 an entry kept at another place than its own sequence number was moved: out_of_order at that place', () => {
    const { entries } = chain(3);
    const verifier = new ChainVerifier();
    verifier.push({ ...(entries[1] as ChainEntry), position: 1 });
    expect(verifier.finish()).toMatchObject({ ok: false, break: { kind: 'out_of_order', seq: 1, found: 2 } });
  });

  it('R15 without anchors, finish verifies the links alone', () => {
    expect(new ChainVerifier().finish()).toEqual({ ok: true, events: 0, tombstones: 0 });
  });
});
