import { describe, expect, it } from 'vitest';
import {
  mergeConsentRecords,
  mergeRecipientStates,
  newerProfile,
} from '../../shared/domain/merge-recipient-state';
import type {
  ConsentGrant,
  ConsentRecord,
  Objection,
  RecipientProfile,
  RecipientState,
  Suppression,
  Withdrawal,
} from '../../shared/schemas/recipient';

/**
 * One recipient stored under two keys (the case-folded one and the legacy one) is merged so that
 * nothing that blocks is lost: every objection and suppression (R7, R8, R11), per purpose the
 * latest grant and the latest withdrawal (R3), the newer profile, the higher repermission count (R13).
 */
const grant = (id: string, recordedAt: string): ConsentGrant => ({
  id,
  recordedAt,
  givenAt: recordedAt,
  explicit: false,
  preTicked: false,
});
const withdrawal = (id: string, at: string, recordedAt = at): Withdrawal => ({
  id,
  at,
  recordedAt,
  method: 'request_to_controller',
});
const record = (purpose: string, parts: Partial<ConsentRecord> = {}): ConsentRecord => ({
  purpose,
  ...parts,
});
const objection = (id: string, at = '2026-03-01T00:00:00.000Z'): Objection => ({
  id,
  scope: { type: 'channel' },
  at,
  method: 'unsubscribe_link',
  recordedAt: at,
});
const suppression = (reason: Suppression['reason'], at: string): Suppression => ({
  reason,
  at,
  recordedAt: at,
});
const profile = (address: string, updatedAt: string): RecipientProfile => ({
  channel: 'email',
  address,
  audience: 'consumer',
  purchases: [],
  professionalTopics: [],
  needsRepermission: false,
  updatedAt,
});
const state = (recipientKey: string, parts: Partial<RecipientState> = {}): RecipientState => ({
  recipientKey,
  consents: {},
  objections: [],
  suppressions: [],
  ...parts,
});

const T1 = '2026-01-01T00:00:00.000Z';
const T2 = '2026-02-01T00:00:00.000Z';
const T3 = '2026-03-01T00:00:00.000Z';

describe('R3: merging one purpose’s consent records', () => {
  it.each([
    ['R3 the later grant wins when it is the second', grant('a', T1), grant('b', T2), 'b'],
    ['R3 the later grant wins when it is the first', grant('a', T2), grant('b', T1), 'a'],
    ['R3 a tie keeps the first record’s grant', grant('a', T2), grant('b', T2), 'a'],
    // Written with other offsets, the same instants compare as instants (RULES.md "Time").
    [
      'R3 grants are compared as instants, not as text',
      grant('a', '2026-02-01T02:00:00+02:00'),
      grant('b', T2),
      'a',
    ],
    ['R3 only the second has a grant', undefined, grant('b', T1), 'b'],
    ['R3 only the first has a grant', grant('a', T1), undefined, 'a'],
  ])('%s', (_title, a, b, expected) => {
    const merged = mergeConsentRecords(
      record('news', a ? { grant: a } : {}),
      record('news', b ? { grant: b } : {}),
    );
    expect(merged).toEqual({ purpose: 'news', grant: expected === 'a' ? a : b });
  });

  it.each([
    ['R3 the later withdrawal wins when it is the second', withdrawal('a', T1), withdrawal('b', T2), 'b'],
    ['R3 the later withdrawal wins when it is the first', withdrawal('a', T2), withdrawal('b', T1), 'a'],
    ['R3 a tie keeps the first record’s withdrawal', withdrawal('a', T2), withdrawal('b', T2), 'a'],
    // The later of `at` and `recordedAt` is when the withdrawal took hold.
    ['R3 a withdrawal recorded later takes hold later', withdrawal('a', T1, T3), withdrawal('b', T2), 'a'],
    ['R3 …on either side', withdrawal('a', T2), withdrawal('b', T1, T3), 'b'],
    ['R3 only the second has a withdrawal', undefined, withdrawal('b', T1), 'b'],
    ['R3 only the first has a withdrawal', withdrawal('a', T1), undefined, 'a'],
  ])('%s', (_title, a, b, expected) => {
    const merged = mergeConsentRecords(
      record('news', a ? { withdrawal: a } : {}),
      record('news', b ? { withdrawal: b } : {}),
    );
    expect(merged).toEqual({ purpose: 'news', withdrawal: expected === 'a' ? a : b });
  });

  it('R3 keeps a grant from one record and a withdrawal from the other (decide weighs the two)', () => {
    const merged = mergeConsentRecords(
      record('news', { grant: grant('g', T1) }),
      record('news', { withdrawal: withdrawal('w', T2) }),
    );
    expect(merged).toEqual({ purpose: 'news', grant: grant('g', T1), withdrawal: withdrawal('w', T2) });
  });

  it('R3 two records without grant or withdrawal merge to the bare purpose', () => {
    const merged = mergeConsentRecords(record('news'), record('news'));
    expect(merged).toEqual({ purpose: 'news' });
    expect(Object.keys(merged)).toEqual(['purpose']);
  });

  it('R3 without a first record, the second is kept as it is', () => {
    const b = record('news', { grant: grant('b', T1) });
    expect(mergeConsentRecords(undefined, b)).toBe(b);
  });
});

describe('the newer profile', () => {
  it.each([
    ['the second when it is newer', profile('a@x.example', T1), profile('b@x.example', T2), 'b'],
    ['the first when it is newer', profile('a@x.example', T2), profile('b@x.example', T1), 'a'],
    ['the first on a tie', profile('a@x.example', T2), profile('b@x.example', T2), 'a'],
    ['the only one (second)', undefined, profile('b@x.example', T1), 'b'],
    ['the only one (first)', profile('a@x.example', T1), undefined, 'a'],
  ])('%s', (_title, a, b, expected) => {
    expect(newerProfile(a, b)).toBe(expected === 'a' ? a : b);
  });

  it('none when neither has one', () => {
    expect(newerProfile(undefined, undefined)).toBeUndefined();
  });
});

describe('R7 R8 R11 R13: merging two stored states of one recipient', () => {
  it('R7 R8 keeps every objection of both (once per id) and every suppression, under the primary key', () => {
    const merged = mergeRecipientStates(
      state('primary', {
        objections: [objection('o1'), objection('o2')],
        suppressions: [suppression('bounce', T1)],
      }),
      state('legacy', {
        objections: [objection('o2', T2), objection('o3')],
        suppressions: [suppression('complaint', T2)],
      }),
    );
    expect(merged).toEqual({
      recipientKey: 'primary',
      consents: {},
      objections: [objection('o1'), objection('o2'), objection('o3')],
      suppressions: [suppression('bounce', T1), suppression('complaint', T2)],
    });
  });

  it('R3 merges consents purpose by purpose, keeping the purposes only one side has', () => {
    const merged = mergeRecipientStates(
      state('primary', {
        consents: {
          news: record('news', { grant: grant('p-news', T1) }),
          offers: record('offers', { grant: grant('p-offers', T1) }),
        },
      }),
      state('legacy', {
        consents: {
          news: record('news', { grant: grant('l-news', T2) }),
          events: record('events', { withdrawal: withdrawal('l-events', T1) }),
        },
      }),
    );
    expect(merged.consents).toEqual({
      news: record('news', { grant: grant('l-news', T2) }),
      offers: record('offers', { grant: grant('p-offers', T1) }),
      events: record('events', { withdrawal: withdrawal('l-events', T1) }),
    });
  });

  it('R13 keeps per purpose the higher repermission count and the later time, whichever side has them', () => {
    const merged = mergeRecipientStates(
      state('primary', {
        repermissions: {
          news: { purpose: 'news', count: 1, lastAt: T3 },
          offers: { purpose: 'offers', count: 2, lastAt: T1 },
          solo: { purpose: 'solo', count: 1, lastAt: T1 },
        },
      }),
      state('legacy', {
        repermissions: {
          news: { purpose: 'news', count: 2, lastAt: T1 },
          offers: { purpose: 'offers', count: 1, lastAt: T2 },
          other: { purpose: 'other', count: 1, lastAt: T2 },
        },
      }),
    );
    expect(merged.repermissions).toEqual({
      news: { purpose: 'news', count: 2, lastAt: T3 },
      offers: { purpose: 'offers', count: 2, lastAt: T2 },
      solo: { purpose: 'solo', count: 1, lastAt: T1 },
      other: { purpose: 'other', count: 1, lastAt: T2 },
    });
  });

  it('R13 a tie on the last repermission time keeps the primary’s spelling', () => {
    const merged = mergeRecipientStates(
      state('primary', {
        repermissions: { news: { purpose: 'news', count: 1, lastAt: '2026-02-01T01:00:00+01:00' } },
      }),
      state('legacy', { repermissions: { news: { purpose: 'news', count: 1, lastAt: T2 } } }),
    );
    expect(merged.repermissions?.news?.lastAt).toBe('2026-02-01T01:00:00+01:00');
  });

  it.each([
    ['only the primary', { news: { purpose: 'news', count: 1, lastAt: T1 } }, undefined],
    ['only the legacy state', undefined, { news: { purpose: 'news', count: 1, lastAt: T1 } }],
  ])('R13 keeps the repermissions when %s has them', (_title, primary, other) => {
    const merged = mergeRecipientStates(
      state('primary', primary ? { repermissions: primary } : {}),
      state('legacy', other ? { repermissions: other } : {}),
    );
    expect(merged.repermissions).toEqual({ news: { purpose: 'news', count: 1, lastAt: T1 } });
  });

  it('adds no repermissions and no profile when neither side has any', () => {
    const merged = mergeRecipientStates(state('primary'), state('legacy'));
    expect(merged).toEqual(state('primary'));
    expect(Object.keys(merged)).not.toContain('repermissions');
    expect(Object.keys(merged)).not.toContain('profile');
  });

  it('keeps the newer profile of the two', () => {
    const older = profile('Frank@example.org', T1);
    const newer = profile('frank@example.org', T2);
    expect(mergeRecipientStates(state('p', { profile: older }), state('l', { profile: newer })).profile).toBe(
      newer,
    );
    expect(mergeRecipientStates(state('p', { profile: newer }), state('l', { profile: older })).profile).toBe(
      newer,
    );
    expect(mergeRecipientStates(state('p'), state('l', { profile: older })).profile).toBe(older);
  });
});
