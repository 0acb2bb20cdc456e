import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createStreamHandler } from '../../functions/publish-events';
import { lambdaContext } from '../../infra/local/lambda-context';
import { lambdaEvent } from '../../infra/local/stream-poller';
import { MemoryEventPublisher } from '../../shared/adapters/memory-event-publisher';
import { nextLink } from '../../shared/domain/audit-chain';
import {
  type ExpiryTombstone,
  expiryTombstoneOf,
  TOMBSTONE_HORIZON_DAYS,
  tombstoneTtl,
} from '../../shared/domain/expiry-tombstone';
import { StoreUnavailableError } from '../../shared/ports/gateway-store';
import type { AuditEvent } from '../../shared/schemas/audit';
import { verifyRecipientAudit } from '../../shared/services/audit-verify';

const PK = `TENANT#demo#R#${'K'.repeat(43)}`;
const EXPIRED_TTL = 1_780_000_000; // 2026-05-28
const event: AuditEvent = {
  id: 'evt-2',
  at: '2023-05-28T10:00:00.000Z',
  type: 'consent.given',
  actor: { type: 'sender_key', id: 'key-1' },
  why: 'R3: consent recorded',
  data: { purpose: 'newsletter', address: 'someone@example.org' },
};
const link = nextLink(nextLink(undefined, { ...event, id: 'evt-1' }), event);

/** The old image of a chained audit item, as the store writes it (its `out` too). */
const auditItem = (over: Record<string, unknown> = {}) => ({
  pk: PK,
  sk: 'A#C#000000000002',
  entity: 'audit',
  v: 1,
  ...link,
  data: event,
  ttl: EXPIRED_TTL,
  out: { detailType: 'Consent Given', detail: { eventId: 'evt-2' } },
  ...over,
});

/**
 * A TTL deletion as AWS documents it ("Time to Live: DynamoDB Streams"): eventName REMOVE,
 * userIdentity {type: Service, principalId: dynamodb.amazonaws.com}, the old image (view
 * NEW_AND_OLD_IMAGES), ApproximateCreationDateTime in epoch seconds.
 */
const SERVICE = { type: 'Service', principalId: 'dynamodb.amazonaws.com' };
/** `null`: a REMOVE by anyone but the service (no userIdentity in the record). */
function ttlRemove(
  item: Record<string, unknown>,
  identity: { type: string; principalId: string } | null = SERVICE,
  seq = 1,
) {
  return {
    eventID: `e${seq}`,
    eventName: 'REMOVE',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-3',
    ...(identity ? { userIdentity: identity } : {}),
    dynamodb: {
      ApproximateCreationDateTime: EXPIRED_TTL + 3_600,
      Keys: marshall({ pk: item.pk, sk: item.sk }),
      OldImage: marshall(item, { removeUndefinedValues: true }),
      SequenceNumber: String(seq).padStart(21, '0'),
      SizeBytes: 512,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

describe('R9 expiry tombstones: which stream records call for one', () => {
  it('a REMOVE by the TTL service of a chained event: its link, type, time and expiry, nothing of its content', () => {
    const tombstone = expiryTombstoneOf(ttlRemove(auditItem()));
    expect(tombstone).toEqual({
      pk: PK,
      sk: 'A#C#000000000002',
      seq: 2,
      prevHash: link.prevHash,
      hash: link.hash,
      tombstone: { type: 'consent.given', at: event.at, expired: new Date(EXPIRED_TTL * 1000).toISOString() },
    });
    expect(JSON.stringify(tombstone)).not.toMatch(/someone@|R3: consent|Consent Given/);
  });

  it('a decision too (A#D#)', () => {
    expect(expiryTombstoneOf(ttlRemove(auditItem({ sk: 'A#D#000000000002' })))?.sk).toBe('A#D#000000000002');
  });

  it('a tombstone whose own TTL came: written again, keeping the first expiry', () => {
    const first = expiryTombstoneOf(ttlRemove(auditItem()))!;
    const {
      data: _data,
      out: _out,
      ...rest
    } = auditItem({ tombstone: first.tombstone, ttl: EXPIRED_TTL + 60 });
    expect(expiryTombstoneOf(ttlRemove(rest))?.tombstone).toEqual(first.tombstone);
  });

  it.each([
    ['no userIdentity (a person or role with table access, the erasure code)', null],
    ['another service', { type: 'Service', principalId: 'lambda.amazonaws.com' }],
    ['a user', { type: 'User', principalId: 'dynamodb.amazonaws.com' }],
  ])('nothing for a REMOVE by %s: the verifier reports it missing', (_what, identity) => {
    expect(expiryTombstoneOf(ttlRemove(auditItem(), identity))).toBeUndefined();
  });

  it.each([
    ['an INSERT', { eventName: 'INSERT' }],
    ['a MODIFY', { eventName: 'MODIFY' }],
  ])('nothing for %s', (_what, over) => {
    expect(expiryTombstoneOf({ ...ttlRemove(auditItem()), ...over })).toBeUndefined();
  });

  it.each([
    ['a state item', { entity: 'consent', sk: 'S#CONSENT#newsletter' }],
    ['a message', { entity: 'message', sk: 'M#2026-01-01#m1' }],
    ['an event of before the chain', { sk: 'A#2025-01-01T00:00:00.000Z#old-1', seq: undefined }],
    ['a seq that is not its key', { seq: 3 }],
    ['a malformed hash', { hash: 'abc' }],
    ['no TTL', { ttl: undefined }],
    ['a TTL still to come when removed (not an expiry)', { ttl: EXPIRED_TTL + 7_200 }],
    ['no type nor time', { data: { why: 'x' } }],
  ])('nothing for %s', (_what, over) => {
    expect(expiryTombstoneOf(ttlRemove(auditItem(over)))).toBeUndefined();
  });

  it('nothing without the old image (a stream of new images only)', () => {
    const record = ttlRemove(auditItem());
    expect(
      expiryTombstoneOf({ ...record, dynamodb: { ...record.dynamodb, OldImage: undefined } }),
    ).toBeUndefined();
  });

  it('the local poller hands the identity and the old image to the handler as Lambda does', () => {
    const item = marshall(auditItem()) as never;
    const [mapped] = lambdaEvent([
      {
        eventName: 'REMOVE',
        userIdentity: { Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' },
        dynamodb: {
          OldImage: item,
          SequenceNumber: '1',
          ApproximateCreationDateTime: new Date(EXPIRED_TTL * 1000),
        },
      },
    ]).Records;
    expect(expiryTombstoneOf(mapped as never)?.sk).toBe('A#C#000000000002');
  });
});

describe('R9 expiry tombstones: their own TTL', () => {
  const now = 1_800_000_000;
  it('the latest TTL of what else lives in the partition', () => {
    expect(tombstoneTtl([{ ttl: now + 10 }, { ttl: now + 500 }, { ttl: now - 5 }], now)).toBe(now + 500);
  });
  it('an item without TTL: looked at again after the horizon', () => {
    expect(tombstoneTtl([{ ttl: now + 10 }, {}], now)).toBe(now + TOMBSTONE_HORIZON_DAYS * 86_400);
  });
  it('nothing alive (everything else expired or tombstones): no tombstone, the partition goes', () => {
    expect(tombstoneTtl([], now)).toBeUndefined();
    expect(tombstoneTtl([{ ttl: now }, { ttl: now - 100 }], now)).toBeUndefined();
  });
});

describe('R9 expiry tombstones: the stream consumer writes them', () => {
  const event = (records: unknown[]) => ({ Records: records }) as unknown as DynamoDBStreamEvent;

  it('writes the tombstone of each TTL deletion through the store, none for other deletions', async () => {
    const written: ExpiryTombstone[] = [];
    const store = {
      keepExpiredLink: async (t: ExpiryTombstone) => {
        written.push(t);
        return 'written' as const;
      },
    };
    const response = await createStreamHandler(
      () => new MemoryEventPublisher(),
      () => store,
    )(
      event([
        ttlRemove(auditItem(), SERVICE, 1),
        ttlRemove(auditItem({ sk: 'A#C#000000000001', seq: 1 }), null, 2),
      ]),
      lambdaContext('PublishEvents'),
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(written.map((t) => t.sk)).toEqual(['A#C#000000000002']);
  });

  it('a store failure fails that record and every later one (the stream hands them again)', async () => {
    const store = {
      keepExpiredLink: async (t: ExpiryTombstone) => {
        if (t.seq === 2) throw new StoreUnavailableError('throttled');
        return 'written' as const;
      },
    };
    const records = [1, 2, 3].map((n) =>
      ttlRemove(auditItem({ sk: `A#C#00000000000${n}`, seq: n }), SERVICE, n),
    );
    const response = await createStreamHandler(
      () => new MemoryEventPublisher(),
      () => store,
    )(event(records), lambdaContext('PublishEvents'));
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([
      '000000000000000000002',
      '000000000000000000003',
    ]);
  });
});

describe('R9 expiry tombstones: the verifier', () => {
  /** A store holding one chain of changes: an objection's proof (R7/R11: its content must stay unless expired). */
  const storeWith = (tombstone: { type: AuditEvent['type']; at: string; expired?: string }) => {
    const objection = { ...event, id: 'evt-1', type: 'objection.recorded' as const };
    const first = nextLink(undefined, objection);
    return {
      chainAnchors: async () => [],
      auditEntries: async function* () {
        yield { chained: true as const, chain: 'C' as const, position: 1, ...first, tombstone };
      },
    } as never;
  };
  const now = new Date('2026-12-02T00:00:00.000Z');

  it('accepts the tombstone of an expired objection proof (its retention ended, R9)', async () => {
    const verdict = await verifyRecipientAudit(
      { store: storeWith({ type: 'objection.recorded', at: event.at, expired: '2026-06-01T00:00:00.000Z' }) },
      'demo',
      'K',
      now,
    );
    expect(verdict).toMatchObject({ ok: true, changes: { ok: true, tombstones: 1 } });
  });

  it('refuses it as emptied when erased (no expiry), or when its "expiry" is still to come', async () => {
    for (const tombstone of [
      { type: 'objection.recorded' as const, at: event.at },
      { type: 'objection.recorded' as const, at: event.at, expired: '2027-06-01T00:00:00.000Z' },
    ]) {
      const verdict = await verifyRecipientAudit({ store: storeWith(tombstone) }, 'demo', 'K', now);
      expect(verdict).toMatchObject({ ok: false, break: { kind: 'emptied', seq: 1 } });
    }
  });
});
