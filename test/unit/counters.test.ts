import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { countedEventOf, recipientItemOf, sumDeltas } from '../../shared/domain/counters';
import { changesStanding, standingDelta, standingOf } from '../../shared/domain/inventory';
import type { StreamRecordLike } from '../../shared/domain/stream-events';
import type { RecipientState } from '../../shared/schemas/recipient';
import { countStreamRecords } from '../../shared/services/counters';
import { newTenant } from '../../shared/services/state';

const KEY = 'K'.repeat(43);
const PK = `TENANT#demo#R#${KEY}`;
const AT = '2026-12-02T23:30:00.000+01:00';

function record(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', item: Record<string, unknown>) {
  const image = marshall(item, { removeUndefinedValues: true });
  return {
    eventName,
    dynamodb: eventName === 'REMOVE' ? { OldImage: image } : { NewImage: image, OldImage: image },
  };
}
const audit = (type: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  pk: PK,
  sk: 'A#D#000000000001',
  entity: 'audit',
  data: { id: `ev-${type}`, at: AT, type, actor: { type: 'system' }, why: 'x', data },
  ...extra,
});

describe('countedEventOf (stream record → counter additions)', () => {
  const rows: [string, Record<string, unknown>, unknown][] = [
    [
      'decision.sent counts its outcome, channel and purpose, on the UTC day',
      audit('decision.sent', { channel: 'email', purpose: 'newsletter', basis: 'consent' }),
      [{ tenantId: 'demo', day: '2026-12-02', kind: 'decisions', add: { 'sent|email|newsletter': 1 } }],
    ],
    [
      'decision.deferred (R14) counts as deferred',
      audit('decision.deferred', { channel: 'sms', purpose: 'promo', basis: 'consent' }),
      [{ tenantId: 'demo', day: '2026-12-02', kind: 'decisions', add: { 'deferred|sms|promo': 1 } }],
    ],
    [
      'decision.rejected counts the outcome and each reason once',
      audit('decision.rejected', {
        channel: 'email',
        purpose: 'newsletter',
        failures: [
          { reason: 'consent_missing', rule: 'R1' },
          { reason: 'soft_opt_in_not_applicable', rule: 'R2' },
          { reason: 'consent_missing', rule: 'R1' },
          { reason: 'not_a_reason' },
        ],
      }),
      [
        { tenantId: 'demo', day: '2026-12-02', kind: 'decisions', add: { 'rejected|email|newsletter': 1 } },
        {
          tenantId: 'demo',
          day: '2026-12-02',
          kind: 'reasons',
          add: { 'consent_missing|email': 1, 'soft_opt_in_not_applicable|email': 1 },
        },
      ],
    ],
    [
      'R7: objection.recorded counts its channel (from the event out) and method',
      audit(
        'objection.recorded',
        { objectionId: 'o1', scope: { type: 'channel' }, method: 'one_click' },
        { out: { detailType: 'Objection Recorded', detail: { channel: 'email' } } },
      ),
      [{ tenantId: 'demo', day: '2026-12-02', kind: 'objections', add: { 'email|one_click': 1 } }],
    ],
    [
      'an SMS STOP counts as sms|sms_stop',
      audit(
        'objection.recorded',
        { objectionId: 'o2', scope: { type: 'channel' }, method: 'sms_stop' },
        { out: { detailType: 'Objection Recorded', detail: { channel: 'sms' } } },
      ),
      [{ tenantId: 'demo', day: '2026-12-02', kind: 'objections', add: { 'sms|sms_stop': 1 } }],
    ],
  ];
  for (const [title, item, expected] of rows)
    it(title, () => {
      expect(countedEventOf(record('INSERT', item))).toEqual({
        tenantId: 'demo',
        eventId: (item.data as { id: string }).id,
        deltas: expected,
      });
    });

  const none: [string, StreamRecordLike][] = [
    [
      'a MODIFY of an audit event (a TTL set)',
      record('MODIFY', audit('decision.sent', { channel: 'email', purpose: 'n' })),
    ],
    [
      'a REMOVE (expiry, erasure) takes nothing back',
      record('REMOVE', audit('decision.sent', { channel: 'email', purpose: 'n' })),
    ],
    ['a state item', record('INSERT', { pk: PK, sk: 'S#PROFILE', entity: 'profile', data: {} })],
    [
      'a tenant audit event (no recipient)',
      record('INSERT', { ...audit('complaint_hold.set', {}), pk: 'TENANT#demo#AUDIT' }),
    ],
    [
      'an event type that is not counted',
      record('INSERT', audit('consent.given', { purpose: 'newsletter' })),
    ],
    [
      'a rejection without its channel (written before it was recorded)',
      record('INSERT', audit('decision.rejected', { purpose: 'n', failures: [] })),
    ],
    [
      'an objection without a channel (a legacy import opt-out)',
      record('INSERT', audit('objection.recorded', { outcome: 'opted_out' })),
    ],
    [
      'an event whose time is not an instant',
      record('INSERT', {
        ...audit('decision.sent', { channel: 'email', purpose: 'n' }),
        data: { id: 'x', at: 'soon', type: 'decision.sent', data: { channel: 'email', purpose: 'n' } },
      }),
    ],
    ['a record without an image', { eventName: 'INSERT', dynamodb: {} }],
  ];
  for (const [title, r] of none)
    it(`counts nothing for ${title}`, () => {
      expect(countedEventOf(r)).toBeUndefined();
    });

  it("reads DynamoDB Local's empty maps (`{}`) as empty maps", () => {
    const r = record(
      'INSERT',
      audit('decision.sent', { channel: 'email', purpose: 'newsletter', proof: {} }),
    );
    (r.dynamodb.NewImage!.data as { M: Record<string, { M: Record<string, unknown> }> }).M.data!.M.proof = {};
    expect(countedEventOf(r)?.deltas).toHaveLength(1);
  });

  it('sums the additions of several events to the same item', () => {
    const d = (name: string, n: number) => ({
      tenantId: 'demo',
      day: '2026-12-02',
      kind: 'decisions' as const,
      add: { [name]: n },
    });
    expect(sumDeltas([d('a', 1), d('a', 2), d('b', 1)])).toEqual([
      { tenantId: 'demo', day: '2026-12-02', kind: 'decisions', add: { a: 3, b: 1 } },
    ]);
  });

  it("names the recipient of a state item's write or removal", () => {
    expect(recipientItemOf(record('REMOVE', { pk: PK, sk: 'S#CONSENT#newsletter' }))).toEqual({
      tenantId: 'demo',
      recipientKey: KEY,
      sk: 'S#CONSENT#newsletter',
    });
    expect(recipientItemOf(record('INSERT', { pk: 'TENANT#demo', sk: 'TENANT' }))).toBeUndefined();
    expect(changesStanding('S#PROFILE')).toBe(true);
    expect(changesStanding('A#D#000000000001')).toBe(false);
  });
});

describe('standingOf (a recipient → the inventory counters it adds one to)', () => {
  const tenant = {
    ...newTenant('demo', 'Demo Shop', ['shop.example']),
    purposes: {
      newsletter: {
        id: 'newsletter',
        name: 'N',
        category: 'marketing' as const,
        topics: [],
        sensitive: false,
      },
      ask: { id: 'ask', name: 'A', category: 'repermission' as const, topics: [], sensitive: false },
      receipts: {
        id: 'receipts',
        name: 'R',
        category: 'transactional' as const,
        topics: [],
        sensitive: false,
      },
    },
  };
  const now = new Date('2026-12-02T12:00:00Z');
  const state = (extra: Partial<RecipientState> = {}): RecipientState => ({
    recipientKey: KEY,
    profile: {
      channel: 'email',
      address: 'ann@example.org',
      audience: 'consumer',
      purchases: [],
      professionalTopics: [],
      needsRepermission: false,
      updatedAt: '2026-12-01T00:00:00.000Z',
      lastActivityAt: '2026-12-01T00:00:00.000Z',
    },
    consents: {},
    objections: [],
    suppressions: [],
    ...extra,
  });

  it('a recipient without a profile (erased, never known) adds nothing', () => {
    expect(
      standingOf(tenant as never, { recipientKey: KEY, consents: {}, objections: [], suppressions: [] }, now),
    ).toEqual([]);
  });

  it('R1: a consumer without consent is counted, sendable for nothing (transactional left out, R6)', () => {
    expect(standingOf(tenant as never, state(), now)).toEqual(['recipients|email|consumer']);
  });

  it('R13: a legacy opt-in marked for repermission is sendable only by repermission', () => {
    const names = standingOf(
      tenant as never,
      state({ profile: { ...state().profile!, needsRepermission: true } }),
      now,
    );
    expect(names).toEqual([
      'recipients|email|consumer',
      'basis|email|ask|repermission',
      'repermissionOnly|email',
    ]);
  });

  it('R8: a suppressed recipient is counted as suppressed and sendable for nothing', () => {
    const names = standingOf(
      tenant as never,
      state({
        profile: { ...state().profile!, needsRepermission: true },
        suppressions: [
          { reason: 'complaint', at: '2026-12-01T00:00:00.000Z', recordedAt: '2026-12-01T00:00:00.000Z' },
        ],
      }),
      now,
    );
    expect(names).toEqual(['recipients|email|consumer', 'suppressed|email']);
  });

  it('the hold and the sender identity are the tenant’s, not the person’s: left out', () => {
    const held = {
      ...tenant,
      emailIdentities: [],
      hold: { since: '2026-12-01T00:00:00.000Z', rate: 0.01, windowDays: 7, sends: 1000, complaints: 10 },
    };
    const names = standingOf(
      held as never,
      state({ profile: { ...state().profile!, needsRepermission: true } }),
      now,
    );
    expect(names).toContain('basis|email|ask|repermission');
  });

  it('moves the inventory by the difference of two standings', () => {
    expect(standingDelta(['a', 'b'], ['b', 'c'])).toEqual({ c: 1, a: -1 });
    expect(standingDelta(['a'], ['a'])).toEqual({});
  });
});

describe('countStreamRecords (one batch)', () => {
  it('leaves out a record whose image cannot be read, and counts the others of the batch', async () => {
    const counted: unknown[] = [];
    const warnings: string[] = [];
    const deps = {
      counters: {
        countEvents: async (events: readonly unknown[]) => {
          counted.push(...events);
          return { counted: events.length, duplicates: 0 };
        },
        getStandings: async () => new Map(),
        putStandings: async () => undefined,
        readCounters: async () => ({ days: [], inventory: {} }),
      },
      store: {} as never,
      tenants: {} as never,
      clock: { now: () => new Date('2026-12-02T12:00:00Z') },
      log: { info: () => undefined, warn: (m: string) => void warnings.push(m), error: () => undefined },
    };
    const good = record('INSERT', audit('decision.sent', { channel: 'email', purpose: 'newsletter' }));
    const bad = {
      eventName: 'INSERT',
      dynamodb: { NewImage: { pk: { Z: 'not a type' } } },
    } as StreamRecordLike;
    const outcome = await countStreamRecords(deps as never, [bad, good]);
    expect(outcome).toEqual({ counted: 1, duplicates: 0, standings: 0 });
    expect(counted).toHaveLength(1);
    expect(warnings).toEqual(['stream record not readable for the counters; left out']);
  });
});
