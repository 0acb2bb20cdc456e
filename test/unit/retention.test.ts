import { describe, expect, it } from 'vitest';
import {
  addDays,
  lastActivityAt,
  lastPurchaseAt,
  RETENTION_REPLAN_ENTITY,
  recordTtl,
  retentionEnd,
  retentionPlan,
  ttlOf,
} from '../../shared/domain/retention';
import { tenantSettingsSchema } from '../../shared/schemas/tenant';
import { daysAgo, NOW, profile, state } from '../support/builders';

const settings = tenantSettingsSchema.parse({ suppressionRetentionDays: 5 * 365 });
const kept = ['objection.recorded', 'suppression.recorded', 'recipient.erased'];

describe('retention TTLs (R9, R11)', () => {
  const recipient = state({ profile: profile({ collection: undefined, lastActivityAt: daysAgo(100) }) });
  const personalEnd = ttlOf(addDays(daysAgo(100), 3 * 365));

  it('R9 expires personal data at the end of the recipient’s retention', () => {
    const plan = retentionPlan(
      [
        { sk: 'S#PROFILE', entity: 'profile' },
        { sk: 'S#CONSENT#newsletter', entity: 'consent' },
        { sk: 'M#x', entity: 'message' },
        { sk: 'A#1', entity: 'audit', at: daysAgo(100), auditType: 'consent.given' },
      ],
      recipient,
      settings,
      kept,
    );
    expect(plan).toEqual([
      { sk: 'S#PROFILE', ttl: personalEnd },
      { sk: 'S#CONSENT#newsletter', ttl: personalEnd },
      { sk: 'M#x', ttl: personalEnd },
      { sk: 'A#1', ttl: personalEnd },
    ]);
  });

  it('R11 keeps opposition entries and their proof on their own, longer clock', () => {
    const at = daysAgo(10);
    const plan = retentionPlan(
      [
        { sk: 'S#OBJECTION#o1', entity: 'objection', at },
        { sk: 'S#OBJSCOPE#channel', entity: 'objectionScope', at },
        { sk: 'S#SUPPRESSION#bounce', entity: 'suppression', at },
        { sk: 'A#2', entity: 'audit', at, auditType: 'objection.recorded' },
      ],
      recipient,
      settings,
      kept,
    );
    expect(plan.map((p) => p.ttl)).toEqual(Array(4).fill(ttlOf(addDays(at, 5 * 365))));
  });

  it('R9 extends with each activity: a later consent moves the end, and unchanged TTLs are left alone', () => {
    const later = state({
      profile: profile({ collection: undefined, lastActivityAt: daysAgo(100) }),
      consents: {
        newsletter: {
          purpose: 'newsletter',
          grant: { id: 'c', givenAt: daysAgo(1), explicit: false, preTicked: false, recordedAt: daysAgo(1) },
        },
      },
    });
    const extended = ttlOf(addDays(daysAgo(1), 3 * 365));
    expect(
      retentionPlan(
        [
          { sk: 'S#PROFILE', entity: 'profile', ttl: personalEnd },
          { sk: 'S#CONSENT#newsletter', entity: 'consent', ttl: extended },
        ],
        later,
        settings,
        kept,
      ),
    ).toEqual([{ sk: 'S#PROFILE', ttl: extended }]);
  });

  it('R9 gives a record about an unknown recipient the prospect retention from now', () => {
    expect(recordTtl(state(), settings, NOW)).toBe(ttlOf(addDays(NOW.toISOString(), 3 * 365)));
  });
});

describe('retention of facts dated after their record (docs/rules.md, "Time")', () => {
  it('R9 counts a purchase dated after the profile was recorded as of the recording, not next year', () => {
    const recorded = daysAgo(4 * 365);
    const future = state({
      profile: profile({
        updatedAt: recorded,
        collection: undefined,
        purchases: [{ productFamily: 'books', at: '2099-01-01T00:00:00.000Z', ref: 'o' }],
      }),
    });
    expect(lastPurchaseAt(future)).toBe(recorded);
    expect(retentionEnd(future, settings)?.toISOString()).toBe(addDays(recorded, 3 * 365).toISOString());
    expect(retentionEnd(future, settings)!.getTime()).toBeLessThan(NOW.getTime());
  });

  it('R9 counts a consent given "in 2099" from when it was recorded', () => {
    const recorded = daysAgo(10);
    const s = state({
      consents: {
        newsletter: {
          purpose: 'newsletter',
          grant: {
            id: 'c',
            givenAt: '2099-01-01T00:00:00.000Z',
            recordedAt: recorded,
            explicit: false,
            preTicked: false,
          },
        },
      },
    });
    expect(lastActivityAt(s)).toBe(recorded);
  });
});

/** Rows the mutation run (docs/testing.md) showed unpinned: literal values, not the function under test. */
describe('retention arithmetic (R9, R11): literal values', () => {
  const s = tenantSettingsSchema.parse({
    prospectRetentionDays: 100,
    customerRetentionDays: 400,
    suppressionRetentionDays: 1000,
  });
  const grant = (givenAt?: string, confirmedAt?: string) => ({
    id: 'c',
    givenAt,
    confirmedAt,
    explicit: false,
    preTicked: false,
    // Recorded after it was given: evidence dated after its recording counts as of the recording.
    recordedAt: '2026-06-01T00:00:00Z',
  });

  it('R9 a DynamoDB TTL is whole seconds since the epoch, rounded down', () => {
    expect(ttlOf(new Date('2026-06-15T10:00:00.999Z'))).toBe(1_781_517_600);
    expect(ttlOf(new Date(0))).toBe(0);
  });

  it('R9 adds whole days to an instant, forwards and backwards', () => {
    expect(addDays('2026-06-15T10:00:00Z', 2).toISOString()).toBe('2026-06-17T10:00:00.000Z');
    expect(addDays('2026-06-15T10:00:00+02:00', -1).toISOString()).toBe('2026-06-14T08:00:00.000Z');
  });

  it('R9 the last purchase and contact are given in the canonical form (UTC, milliseconds), one instant whatever its spelling', () => {
    const purchases = [
      { productFamily: 'a', at: '2026-05-01T12:00:00+02:00' },
      { productFamily: 'b', at: '2026-05-01T10:00:00Z' },
    ];
    const s1 = state({ profile: profile({ purchases, collection: undefined }) });
    expect(lastPurchaseAt(s1)).toBe('2026-05-01T10:00:00.000Z');
    expect(lastActivityAt(s1)).toBe('2026-05-01T10:00:00.000Z');
  });

  it('R9 the last purchase is the latest instant, whatever the list order and the offsets', () => {
    const purchases = [
      { productFamily: 'a', at: '2026-03-01T00:00:00Z' },
      { productFamily: 'b', at: '2026-05-01T11:00:00Z' },
      { productFamily: 'c', at: '2026-05-01T12:00:00+02:00' },
      { productFamily: 'd', at: '2026-04-01T00:00:00Z' },
    ];
    expect(lastPurchaseAt(state({ profile: profile({ purchases }) }))).toBe('2026-05-01T11:00:00.000Z');
    expect(lastPurchaseAt(state({ profile: profile({ purchases: [] }) }))).toBeUndefined();
    expect(lastPurchaseAt(state())).toBeUndefined();
  });

  it.each([
    [
      'the collection',
      { collection: { at: '2026-05-01T00:00:00Z', duringSale: false, informed: true, optOutOffered: true } },
      {},
    ],
    ['the declared last activity', { lastActivityAt: '2026-05-01T00:00:00Z' }, {}],
    ['a purchase', { purchases: [{ productFamily: 'a', at: '2026-05-01T00:00:00Z' }] }, {}],
    ['a consent given', {}, { newsletter: { purpose: 'newsletter', grant: grant('2026-05-01T00:00:00Z') } }],
    [
      'a double opt-in confirmed',
      {},
      { newsletter: { purpose: 'newsletter', grant: grant('2026-01-01T00:00:00Z', '2026-05-01T00:00:00Z') } },
    ],
  ])('R9 counts %s as the last contact from the person', (_title, profileOver, consents) => {
    const recipient = state({
      profile: profile({
        collection: { at: '2026-02-01T00:00:00Z', duringSale: false, informed: true, optOutOffered: true },
        ...profileOver,
      }),
      consents,
    });
    expect(lastActivityAt(recipient)).toBe('2026-05-01T00:00:00.000Z');
  });

  it('R9 nothing dated about the person: no retention end, and no TTL for personal items', () => {
    const undated = state({ profile: profile({ collection: undefined }) });
    expect(lastActivityAt(undated)).toBeUndefined();
    expect(retentionEnd(undated, s)).toBeUndefined();
    expect(retentionPlan([{ sk: 'S#PROFILE', entity: 'profile' }], undated, s, kept)).toEqual([]);
  });

  it('R9 a prospect is kept the prospect window after the last activity', () => {
    const prospect = state({
      profile: profile({ collection: undefined, lastActivityAt: '2026-05-01T00:00:00Z' }),
    });
    expect(retentionEnd(prospect, s)?.toISOString()).toBe('2026-08-09T00:00:00.000Z');
  });

  it('R9 a customer is kept the customer window after the last purchase, when that ends later', () => {
    const buyer = state({
      profile: profile({
        collection: undefined,
        lastActivityAt: '2026-05-01T00:00:00Z',
        purchases: [{ productFamily: 'a', at: '2026-04-01T00:00:00Z' }],
      }),
    });
    expect(retentionEnd(buyer, s)?.toISOString()).toBe('2027-05-06T00:00:00.000Z');
  });

  it('R9 a short customer window does not cut the prospect window of a later activity', () => {
    const short = tenantSettingsSchema.parse({ prospectRetentionDays: 100, customerRetentionDays: 10 });
    const buyer = state({
      profile: profile({
        collection: undefined,
        lastActivityAt: '2026-05-01T00:00:00Z',
        purchases: [{ productFamily: 'a', at: '2026-04-01T00:00:00Z' }],
      }),
    });
    expect(retentionEnd(buyer, short)?.toISOString()).toBe('2026-08-09T00:00:00.000Z');
  });

  it('R11 keeps only the audit events of the kept types on the opposition clock; an undated entry keeps its TTL', () => {
    const recipient = state({
      profile: profile({ collection: undefined, lastActivityAt: '2026-05-01T00:00:00Z' }),
    });
    const personal = ttlOf(new Date('2026-08-09T00:00:00.000Z'));
    const opposition = ttlOf(new Date('2029-01-25T00:00:00.000Z'));
    expect(
      retentionPlan(
        [
          { sk: 'A#kept', entity: 'audit', at: '2026-05-01T00:00:00Z', auditType: 'objection.recorded' },
          { sk: 'A#other', entity: 'audit', at: '2026-05-01T00:00:00Z', auditType: 'consent.given' },
          { sk: 'A#untyped', entity: 'audit', at: '2026-05-01T00:00:00Z' },
          { sk: 'S#OBJECTION#undated', entity: 'objection' },
          { sk: 'S#OBJECTION#undated-with-ttl', entity: 'objection', ttl: 123 },
          { sk: 'M#typed', entity: 'message', at: '2026-05-01T00:00:00Z', auditType: 'objection.recorded' },
          { sk: 'S#OBJECTION#same', entity: 'objection', at: '2026-05-01T00:00:00Z', ttl: opposition },
          { sk: 'M#same', entity: 'message', ttl: personal },
        ],
        recipient,
        s,
        kept,
      ),
    ).toEqual([
      { sk: 'A#kept', ttl: opposition },
      { sk: 'A#other', ttl: personal },
      { sk: 'A#untyped', ttl: personal },
      { sk: 'M#typed', ttl: personal },
    ]);
  });

  it('R9 a record about a known recipient expires with the recipient, not from now', () => {
    const recipient = state({
      profile: profile({ collection: undefined, lastActivityAt: '2026-05-01T00:00:00Z' }),
    });
    expect(recordTtl(recipient, s, NOW)).toBe(ttlOf(new Date('2026-08-09T00:00:00.000Z')));
    expect(recordTtl(state(), s, new Date('2026-05-01T00:00:00Z'))).toBe(
      ttlOf(new Date('2026-08-09T00:00:00.000Z')),
    );
  });
});

/** Rows the mutation run (docs/testing.md) showed unpinned. */
describe('retention plan: the re-plan request', () => {
  it('R9 gives no TTL to a pending re-plan request (it is deleted once served), and plans the rest', () => {
    const recipient = state({ profile: profile({ collection: undefined, lastActivityAt: daysAgo(100) }) });
    const plan = retentionPlan(
      [
        { sk: 'S#REPLAN', entity: RETENTION_REPLAN_ENTITY },
        { sk: 'S#PROFILE', entity: 'profile' },
      ],
      recipient,
      settings,
      kept,
    );
    expect(RETENTION_REPLAN_ENTITY).toBe('retentionReplan');
    expect(plan).toEqual([{ sk: 'S#PROFILE', ttl: ttlOf(addDays(daysAgo(100), 3 * 365)) }]);
  });
});
