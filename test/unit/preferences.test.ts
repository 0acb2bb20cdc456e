import { describe, expect, it } from 'vitest';
import {
  choosablePurposes,
  preferenceChanges,
  preferenceRows,
  sha256,
  suppressionOf,
  transactionalPurposes,
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

/** Rows the mutation run (docs/testing.md) showed unpinned: the exact sentences shown, stored versions, order. */
describe('preference centre: values (R3, R15)', () => {
  it('R3 the standard sentences are exactly these, in French and English', () => {
    // French typography: a no-break space inside « » (shared/domain/french-typography.ts).
    expect(wordingFor(t, t.purposes.newsletter!, 'fr').text).toBe(
      'J’accepte de recevoir par e-mail «\u00a0Newsletter\u00a0» de Acme. Je peux retirer mon accord à tout moment, gratuitement.',
    );
    expect(wordingFor(t, t.purposes.newsletter!, 'en').text).toBe(
      'I agree to receive “Newsletter” emails from Acme. I can withdraw this at any time, free of charge.',
    );
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('R3 a standard sentence already stored under its derived version is shown as stored', () => {
    const auto = wordingFor(t, t.purposes.newsletter!, 'en');
    const stored = { versionId: auto.versionId, text: auto.text, sha256: auto.sha256, createdAt: daysAgo(3) };
    const withStored = tenant({ wordings: { ...t.wordings, [auto.versionId]: stored } });
    expect(wordingFor(withStored, withStored.purposes.newsletter!, 'en')).toEqual({
      ...stored,
      stored: true,
    });
    expect(auto).toMatchObject({ createdAt: '', stored: false });
  });

  it('R3 a purpose naming a version the tenant never declared falls back to the standard sentence', () => {
    const missing = tenant({
      purposes: { ...t.purposes, newsletter: { ...t.purposes.newsletter!, wordingVersion: 'v-gone' } },
    });
    expect(wordingFor(missing, missing.purposes.newsletter!, 'fr')).toMatchObject({ stored: false });
  });

  it('R15 purposes are listed by name, and transactional ones apart', () => {
    expect(choosablePurposes(t).map((p) => p.name)).toEqual([
      'Charity news',
      'Health tips',
      'Newsletter',
      'Personalised offers',
      'Software for IT',
    ]);
    expect(transactionalPurposes(t).map((p) => p.id)).toEqual(['receipts']);
  });

  it('R15 the rows say consented since when, on which other basis, or off', () => {
    const rows = preferenceRows(
      t,
      withConsent(
        'newsletter',
        { givenAt: daysAgo(9) },
        { profile: profile({ collection: undefined, lastActivityAt: daysAgo(9) }) },
      ),
      NOW,
    );
    expect(rows.find((r) => r.purpose.id === 'newsletter')?.status).toEqual({
      kind: 'consented',
      since: daysAgo(9),
    });
    expect(rows.find((r) => r.purpose.id === 'offers')?.status).toEqual({ kind: 'off' });
    const charity = preferenceRows(t, state({ profile: profile() }), NOW).find(
      (r) => r.purpose.id === 'charity',
    );
    expect(charity?.status).toEqual({ kind: 'other_basis', basis: 'non_commercial' });
  });

  it('R15 the rows are decided from the first declared identity: an address as is, a domain as info@', () => {
    const byAddress = tenant({ emailIdentities: ['news@mail.acme.example'] });
    const byDomain = tenant({ emailIdentities: ['acme.example'] });
    const none = tenant({ emailIdentities: [] });
    const s = withConsent('newsletter');
    const status = (tt: typeof t) =>
      preferenceRows(tt, s, NOW).find((r) => r.purpose.id === 'newsletter')?.status.kind;
    expect(status(byAddress)).toBe('consented');
    expect(status(byDomain)).toBe('consented');
    expect(status(none)).toBe('off');
  });
});

/** Rows the mutation run (docs/testing.md) showed uncovered: why a box stays unticked (R8), a state without a profile. */
describe('preference centre: suppressions and missing profiles (R8, R15)', () => {
  const bounce = { reason: 'bounce', at: daysAgo(2), recordedAt: daysAgo(2) } as const;
  const complaint = { reason: 'complaint', at: daysAgo(1), recordedAt: daysAgo(1) } as const;

  it.each([
    ['no suppression', [], undefined],
    ['a hard bounce', [bounce], 'bounce'],
    ['a spam complaint', [complaint], 'complaint'],
    [
      'a complaint, then a bounce: the bounce comes first (it also stops transactional email)',
      [complaint, bounce],
      'bounce',
    ],
    ['a bounce, then a complaint', [bounce, complaint], 'bounce'],
  ] as const)('R8 %s → %s', (_title, suppressions, expected) => {
    expect(suppressionOf(state({ suppressions: [...suppressions] }))).toBe(expected);
  });

  it('R4/R15 the rows are decided on the profile’s address: a role address shows its B2B basis, a personal one does not', () => {
    const software = (address: string) =>
      preferenceRows(t, state({ profile: profile({ address, audience: 'professional' }) }), NOW).find(
        (r) => r.purpose.id === 'software',
      )?.status;
    expect(software('contact@firm.example')).toEqual({
      kind: 'other_basis',
      basis: 'legitimate_interest_b2b',
    });
    expect(software('alice@firm.example')).toEqual({ kind: 'off' });
  });

  it('R15 a state without a profile is shown, every box off (nothing known to send on), without a crash', () => {
    const rows = preferenceRows(t, state(), NOW);
    expect(rows.map((r) => [r.purpose.id, r.status.kind])).toEqual([
      ['charity', 'off'],
      ['health', 'off'],
      ['newsletter', 'off'],
      ['offers', 'off'],
      ['software', 'off'],
    ]);
  });
});
