import { describe, expect, it } from 'vitest';
import {
  addDays,
  lastActivityAt,
  lastPurchaseAt,
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

describe('retention of facts dated after their record (RULES.md "Time")', () => {
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
