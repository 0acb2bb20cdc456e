import { describe, expect, it } from 'vitest';
import {
  choosablePurposes,
  preferenceChanges,
  preferenceRows,
  sha256,
  wordingFor,
} from '../../shared/domain/preferences';
import { daysAgo, NOW, profile, state, tenant, withConsent } from '../support/builders';

/** The preference centre's pure core: what each box means and what saving changes. */
const t = tenant();
const status = (s: ReturnType<typeof state>, purpose: string) =>
  preferenceRows(t, s, NOW).find((r) => r.purpose.id === purpose)?.status.kind;

describe('preferenceRows (R15: every purpose with its current state)', () => {
  it('offers marketing, profiling and non-commercial purposes, never transactional or repermission ones', () => {
    expect(
      choosablePurposes(t)
        .map((p) => p.id)
        .sort(),
    ).toEqual(['charity', 'health', 'newsletter', 'offers', 'software'].sort());
  });

  it.each([
    ['R1: ticked with a valid consent', withConsent('newsletter'), 'newsletter', 'consented'],
    ['R1: not ticked without consent', state({ profile: profile() }), 'newsletter', 'off'],
    [
      'R7: not ticked when an objection came after the consent',
      withConsent(
        'newsletter',
        {},
        {
          objections: [
            {
              id: 'o',
              scope: { type: 'channel' },
              at: daysAgo(1),
              method: 'one_click',
              recordedAt: daysAgo(1),
            },
          ],
        },
      ),
      'newsletter',
      'off',
    ],
    [
      'R3: not ticked for a pre-ticked "consent"',
      withConsent('newsletter', { preTicked: true }),
      'newsletter',
      'off',
    ],
    [
      'R2: soft opt-in shows as "other basis", not as a ticked box',
      state({
        profile: profile({
          collection: { at: daysAgo(30), duringSale: true, informed: true, optOutOffered: true },
          purchases: [{ productFamily: 'garden', at: daysAgo(30) }],
        }),
      }),
      'newsletter',
      'other_basis',
    ],
  ] as const)('%s', (_title, s, purpose, expected) => {
    expect(status(s, purpose)).toBe(expected);
  });
});

describe('preferenceChanges (R3, R7)', () => {
  const rows = preferenceRows(
    t,
    state({
      ...withConsent('newsletter'),
      profile: profile({
        collection: { at: daysAgo(30), duringSale: true, informed: true, optOutOffered: true },
        purchases: [{ productFamily: 'garden', at: daysAgo(30) }],
      }),
    }),
    NOW,
  );

  it('R3: a newly ticked box is a consent; an unchanged form changes nothing', () => {
    expect(preferenceChanges(rows, new Set(['newsletter', 'offers']), new Set())).toEqual([
      { type: 'consent', purpose: 'offers' },
    ]);
    expect(preferenceChanges(rows, new Set(['newsletter']), new Set())).toEqual([]);
  });

  it('R7: unticking a consented purpose withdraws it and objects, so that no other basis takes over', () => {
    expect(preferenceChanges(rows, new Set(), new Set())).toEqual([
      { type: 'withdraw_and_object', purpose: 'newsletter' },
    ]);
  });

  it('R7: "stop" counts only for a purpose sent on another basis', () => {
    const soft = preferenceRows(
      t,
      state({
        profile: profile({
          collection: { at: daysAgo(30), duringSale: true, informed: true, optOutOffered: true },
          purchases: [{ productFamily: 'garden', at: daysAgo(30) }],
        }),
      }),
      NOW,
    );
    expect(preferenceChanges(soft, new Set(), new Set(['newsletter', 'offers']))).toEqual([
      { type: 'object', purpose: 'newsletter' },
    ]);
  });
});

describe('wordingFor (R3: the exact wording shown, stored and versioned)', () => {
  it('uses the purpose’s declared wording when it names one', () => {
    const withDeclared = tenant({
      purposes: { ...t.purposes, newsletter: { ...t.purposes.newsletter!, wordingVersion: 'newsletter-v1' } },
    });
    expect(wordingFor(withDeclared, withDeclared.purposes.newsletter!, 'fr')).toMatchObject({
      versionId: 'newsletter-v1',
      stored: true,
    });
  });

  it('derives the version of a standard sentence from its text, per language', () => {
    const fr = wordingFor(t, t.purposes.newsletter!, 'fr');
    const en = wordingFor(t, t.purposes.newsletter!, 'en');
    expect(fr.stored).toBe(false);
    expect(fr.sha256).toBe(sha256(fr.text));
    expect(fr.versionId).toBe(`auto-newsletter-fr-${fr.sha256.slice(0, 12)}`);
    expect(en.versionId).not.toBe(fr.versionId);
    expect(fr.text).toContain('Acme');
  });
});
