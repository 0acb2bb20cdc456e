import { describe, expect, it } from 'vitest';
import {
  classifyLegacyRow,
  LEGACY_COLUMNS,
  type LegacyOutcome,
  type LegacyRow,
  legacyRowHash,
} from '../../shared/domain/legacy-import';
import { daysAgo, NOW, tenant } from '../support/builders';

/** A legacy opt-in carrying every piece of R3's proof for the newsletter by email. */
const proven: LegacyRow = {
  address: 'Alice@Example.COM',
  channel: 'email',
  purpose: 'newsletter',
  optin_at: daysAgo(200),
  method: 'web_form',
  source: 'https://shop.example/signup',
  wording_version: 'newsletter-v1',
  controllers: 'Acme SAS',
  ip: '203.0.113.7',
  pre_ticked: 'no',
  opted_out: '',
  hard_bounce: '0',
};

const cases: [title: string, row: LegacyRow, outcome: LegacyOutcome, reason?: RegExp][] = [
  ['R16/R3 migrates an opt-in with full proof', proven, 'migrated_consent'],
  [
    'R16/R3 migrates an opt-in whose wording is given in full',
    { ...proven, wording_version: '', wording: 'Send me the Acme newsletter' },
    'migrated_consent',
  ],
  [
    'R16 rejects an unreadable address as invalid',
    { ...proven, address: 'not-an-address' },
    'invalid',
    /address/,
  ],
  ['R16 rejects an unknown channel as invalid', { ...proven, channel: 'fax' }, 'invalid', /channel/],
  ['R16 rejects an undeclared purpose as invalid', { ...proven, purpose: 'lottery' }, 'invalid', /purpose/],
  ['R16 rejects an unreadable date as invalid', { ...proven, optin_at: '31/02/2020' }, 'invalid', /optin_at/],
  [
    'R16 rejects a date in the future as invalid',
    { ...proven, optin_at: '2099-01-01' },
    'invalid',
    /optin_at/,
  ],
  ['R16 rejects an unknown method as invalid', { ...proven, method: 'telepathy' }, 'invalid', /method/],
  [
    'R16 rejects an unreadable flag as invalid',
    { ...proven, hard_bounce: 'maybe' },
    'invalid',
    /hard_bounce/,
  ],
  ['R16/R8 suppresses a hard-bounced address', { ...proven, hard_bounce: 'yes' }, 'bounced'],
  [
    'R16/R8 suppresses a hard bounce even when it also opted out',
    { ...proven, hard_bounce: 'yes', opted_out: 'yes' },
    'bounced',
  ],
  ['R16/R11 turns a known opt-out into an objection', { ...proven, opted_out: 'oui' }, 'opted_out'],
  [
    'R16/R11 keeps an opt-out even past retention',
    { ...proven, opted_out: '1', optin_at: daysAgo(3000) },
    'opted_out',
  ],
  ['R16/R9 purges a prospect past retention', { ...proven, optin_at: daysAgo(1200) }, 'expired', /retention/],
  [
    'R16/R9 purges a row with no dated act of the person',
    { address: 'bob@example.com', channel: 'email', purpose: 'newsletter' },
    'expired',
  ],
  [
    'R16/R9 keeps a customer within customer retention',
    {
      ...proven,
      optin_at: daysAgo(1200),
      method: '',
      purchase_family: 'garden',
      purchase_at: daysAgo(300),
      opt_out_offered: 'yes',
    },
    'soft_opt_in',
  ],
  [
    'R16/R3 refuses a pre-ticked box (repermission)',
    { ...proven, pre_ticked: 'yes' },
    'needs_repermission',
    /pre-ticked/,
  ],
  [
    'R16/R3 refuses an invalid method (repermission)',
    { ...proven, method: 'terms_acceptance' },
    'needs_repermission',
    /terms_acceptance/,
  ],
  [
    'R16/R3 refuses an opt-in without wording (repermission)',
    { ...proven, wording_version: '' },
    'needs_repermission',
    /wording/,
  ],
  [
    'R16/R3 refuses an undeclared wording version (repermission)',
    { ...proven, wording_version: 'v9' },
    'needs_repermission',
    /v9/,
  ],
  [
    'R16/R3 refuses an opt-in without source (repermission)',
    { ...proven, source: '' },
    'needs_repermission',
    /source/,
  ],
  [
    'R16/R3 refuses an opt-in without the controller named (repermission)',
    { ...proven, controllers: '' },
    'needs_repermission',
    /controllers/,
  ],
  [
    "R16/R3 refuses a partner's form that did not name the tenant (repermission)",
    { ...proven, controllers: 'Partner Ltd' },
    'needs_repermission',
    /controller/,
  ],
  [
    'R16/R12 refuses a sensitive purpose without explicit consent (repermission)',
    { ...proven, purpose: 'health' },
    'needs_repermission',
    /R12/,
  ],
  [
    'R16/R2 gives soft opt-in to a customer of the purpose family offered a refusal',
    {
      ...proven,
      optin_at: '',
      method: '',
      purchase_family: 'garden',
      purchase_at: daysAgo(100),
      opt_out_offered: 'y',
    },
    'soft_opt_in',
  ],
  [
    'R16/R2 refuses soft opt-in for another product family (repermission)',
    {
      ...proven,
      optin_at: '',
      method: '',
      purchase_family: 'kitchen',
      purchase_at: daysAgo(100),
      opt_out_offered: 'y',
    },
    'needs_repermission',
  ],
  [
    'R16/R2 refuses soft opt-in when no refusal was offered (repermission)',
    {
      ...proven,
      optin_at: '',
      method: '',
      purchase_family: 'garden',
      purchase_at: daysAgo(100),
      opt_out_offered: 'n',
    },
    'needs_repermission',
  ],
  [
    'R16/R2 refuses soft opt-in for a profiling purpose (repermission)',
    {
      ...proven,
      purpose: 'offers',
      optin_at: '',
      method: '',
      purchase_family: 'garden',
      purchase_at: daysAgo(100),
      opt_out_offered: 'y',
    },
    'needs_repermission',
  ],
  [
    'R16/R13 marks a prospect with activity but no opt-in for repermission',
    { address: 'carol@example.com', channel: 'email', purpose: 'newsletter', last_activity_at: daysAgo(30) },
    'needs_repermission',
    /no opt-in/,
  ],
  [
    'R16/R3 migrates an SMS opt-in read in the tenant region',
    { ...proven, channel: 'sms', address: '06 12 34 56 78', method: 'sms_keyword' },
    'migrated_consent',
  ],
];

describe('R16 legacy import classification', () => {
  it.each(cases)('%s', (_title, row, outcome, reason) => {
    const result = classifyLegacyRow(tenant(), row, NOW);
    expect(result.outcome).toBe(outcome);
    if (reason) expect('reason' in result ? result.reason : '').toMatch(reason);
  });

  it('R16 normalises the address it hands to the store', () => {
    const result = classifyLegacyRow(tenant(), proven, NOW);
    expect(result.outcome === 'invalid' ? undefined : result.normalizedAddress).toBe('Alice@example.com');
  });

  it('R16 keeps the R3 proof of a migrated consent', () => {
    const result = classifyLegacyRow(tenant(), proven, NOW);
    if (result.outcome !== 'migrated_consent') throw new Error(result.outcome);
    expect(result.grant).toMatchObject({
      method: 'web_form',
      wordingVersion: 'newsletter-v1',
      controllers: ['Acme SAS'],
      source: 'https://shop.example/signup',
    });
  });

  it('R16 row hash is stable and changes with the content (idempotent re-runs)', () => {
    expect(legacyRowHash('acme', proven)).toBe(legacyRowHash('acme', { ...proven }));
    expect(legacyRowHash('acme', proven)).not.toBe(legacyRowHash('acme', { ...proven, source: 'other' }));
    expect(legacyRowHash('acme', proven)).not.toBe(legacyRowHash('other', proven));
  });
});

/** Rows the mutation run (docs/testing.md) showed unpinned: every flag spelling, date forms, exact outputs. */
describe('R16 legacy import: values', () => {
  const t = tenant();
  const classify = (row: LegacyRow) => classifyLegacyRow(t, row, NOW);

  it.each(['1', 'true', 'YES', ' y ', 'Oui', 'o', 'x'])('R16 reads %j as yes', (value) => {
    expect(classify({ ...proven, hard_bounce: value }).outcome).toBe('bounced');
  });

  it.each(['', '0', 'false', 'No', 'n', 'NON', '   '])('R16 reads %j as no', (value) => {
    expect(classify({ ...proven, hard_bounce: value }).outcome).toBe('migrated_consent');
  });

  it.each(['maybe', '2', 'ja'])('R16 refuses the flag %j, naming the column', (value) => {
    expect(classify({ ...proven, opt_out_offered: value })).toEqual({
      outcome: 'invalid',
      reason: 'opt_out_offered must be yes/no',
    });
  });

  it.each([
    ['a bare date, as midnight UTC', '2026-01-05', '2026-01-05T00:00:00.000Z'],
    ['minutes without seconds', '2026-01-05T10:30Z', '2026-01-05T10:30:00.000Z'],
    ['an offset with a colon', '2026-01-05T10:30:00+02:00', '2026-01-05T08:30:00.000Z'],
    ['an offset without a colon', '2026-01-05T10:30:00-0130', '2026-01-05T12:00:00.000Z'],
    ['fractions of a second', '2026-01-05T10:30:00.123456Z', '2026-01-05T10:30:00.123Z'],
    ['surrounding spaces', ' 2026-01-05T10:30:00Z ', '2026-01-05T10:30:00.000Z'],
  ])('R16/R3 reads an opt-in date with %s', (_title, optin, givenAt) => {
    const result = classify({ ...proven, optin_at: optin });
    expect(result.outcome).toBe('migrated_consent');
    if (result.outcome === 'migrated_consent') expect(result.grant.givenAt).toBe(givenAt);
  });

  it.each([
    ['no offset', '2026-01-05T10:30:00'],
    ['a time without a date', 'T10:30:00Z'],
    ['text before the date', 'on 2026-01-05'],
    ['text after the date', '2026-01-05 approx'],
    // Beyond the clock skew allowed to any evidence (shared/domain/instant.ts: 5 minutes).
    ['a date six minutes ahead', new Date(NOW.getTime() + 6 * 60_000).toISOString()],
  ])('R16 refuses a date with %s, naming the column', (_title, value) => {
    expect(classify({ ...proven, last_activity_at: value })).toEqual({
      outcome: 'invalid',
      reason: 'last_activity_at is not a past ISO 8601 date',
    });
  });

  it('R16 accepts a date at the very instant of the import', () => {
    expect(classify({ ...proven, optin_at: NOW.toISOString() }).outcome).toBe('migrated_consent');
  });

  it('R16 the channel and purpose are read without case or spaces around them', () => {
    const result = classify({ ...proven, channel: ' EMAIL ', purpose: ' newsletter ' });
    expect(result).toMatchObject({
      outcome: 'migrated_consent',
      channel: 'email',
      purpose: { id: 'newsletter' },
    });
  });

  it('R16 names what is wrong with an address, and with a missing one', () => {
    expect(classify({ ...proven, address: 'a..b@example.org' })).toEqual({
      outcome: 'invalid',
      reason: 'address has an invalid local part',
    });
    expect(classify({ ...proven, address: '  ' })).toEqual({
      outcome: 'invalid',
      reason: 'address is missing',
    });
    expect(classify({ ...proven, channel: 'sms', address: 'abc' })).toMatchObject({
      outcome: 'invalid',
      reason: expect.stringMatching(/^address is not a phone number/),
    });
  });

  it('R16/R3 migrates the whole proof: trimmed, controllers split on ;, empty ones dropped', () => {
    const result = classify({
      ...proven,
      method: ' web_form ',
      source: ' https://shop.example/signup ',
      wording_version: ' newsletter-v1 ',
      wording: 'Send me the newsletter',
      controllers: ' Acme SAS ; ; Partner ',
      ip: ' 203.0.113.7 ',
      pre_ticked: 'no',
      last_activity_at: daysAgo(10),
    });
    expect(result).toEqual({
      outcome: 'migrated_consent',
      channel: 'email',
      normalizedAddress: 'Alice@example.com',
      purpose: t.purposes.newsletter,
      grant: {
        givenAt: daysAgo(200),
        method: 'web_form',
        wording: 'Send me the newsletter',
        wordingVersion: 'newsletter-v1',
        source: 'https://shop.example/signup',
        controllers: ['Acme SAS', 'Partner'],
        explicit: false,
        preTicked: false,
        ip: '203.0.113.7',
      },
      lastActivityAt: daysAgo(10),
    });
  });

  it('R16/R3 a list of controllers that names nobody is not a proof', () => {
    const result = classify({ ...proven, controllers: ' ; ; ' });
    expect(result).toMatchObject({
      outcome: 'needs_repermission',
      reason: expect.stringMatching(/controllers named/),
    });
  });

  it('R16/R11 an opt-out is dated by the last activity, else by the import', () => {
    expect(classify({ ...proven, opted_out: 'yes', last_activity_at: daysAgo(3) })).toMatchObject({
      outcome: 'opted_out',
      at: daysAgo(3),
    });
    expect(classify({ ...proven, opted_out: 'yes' })).toMatchObject({
      outcome: 'opted_out',
      at: NOW.toISOString(),
    });
    expect(classify({ ...proven, hard_bounce: 'yes' })).toMatchObject({
      outcome: 'bounced',
      at: NOW.toISOString(),
    });
  });

  it('R16/R9 the last act is the latest of opt-in, activity and purchase', () => {
    const row = {
      ...proven,
      optin_at: daysAgo(300),
      last_activity_at: daysAgo(20),
      purchase_at: daysAgo(100),
    };
    expect(classify({ ...row, purchase_family: 'garden' })).toMatchObject({ lastActivityAt: daysAgo(20) });
    expect(classify({ ...row, last_activity_at: daysAgo(400), purchase_family: 'garden' })).toMatchObject({
      lastActivityAt: daysAgo(100),
    });
  });

  it('R16/R9 purges on the last day of retention, keeps the day before', () => {
    expect(classify({ ...proven, optin_at: daysAgo(3 * 365) }).outcome).toBe('expired');
    expect(classify({ ...proven, optin_at: daysAgo(3 * 365 - 1) }).outcome).toBe('migrated_consent');
  });

  it('R16/R9 a purchase keeps a customer for the customer window, when it ends after the prospect one', () => {
    const customerFor = (days: number) =>
      classifyLegacyRow(
        tenant({ settings: { ...t.settings, prospectRetentionDays: 100, customerRetentionDays: days } }),
        {
          ...proven,
          optin_at: daysAgo(300),
          purchase_at: daysAgo(300),
          purchase_family: 'garden',
          opt_out_offered: 'yes',
        },
        NOW,
      ).outcome;
    expect(customerFor(400)).toBe('migrated_consent');
    expect(customerFor(200)).toBe('expired');
  });

  it('R16/R2 soft opt-in keeps the purchase as its proof', () => {
    const result = classify({
      ...proven,
      method: '',
      optin_at: '',
      purchase_family: ' garden ',
      purchase_at: daysAgo(30),
      opt_out_offered: 'yes',
    });
    expect(result).toMatchObject({
      outcome: 'soft_opt_in',
      purchase: { productFamily: 'garden', at: daysAgo(30) },
      lastActivityAt: daysAgo(30),
    });
  });

  it('R16/R2 no soft opt-in once the customer window has ended, even within the prospect one', () => {
    const result = classifyLegacyRow(
      tenant({ settings: { ...t.settings, customerRetentionDays: 10 } }),
      {
        ...proven,
        method: '',
        optin_at: '',
        purchase_family: 'garden',
        purchase_at: daysAgo(30),
        opt_out_offered: 'yes',
      },
      NOW,
    );
    expect(result).toMatchObject({ outcome: 'needs_repermission', reason: 'no opt-in recorded' });
  });

  it('R16/R12 a sensitive purpose with a full proof still needs repermission, and says why', () => {
    const result = classify({ ...proven, purpose: 'health' });
    expect(result).toMatchObject({
      outcome: 'needs_repermission',
      reason: 'R12: a sensitive purpose needs explicit consent',
    });
  });

  it('R16 row hash: every column counts, spaces around values do not', () => {
    for (const column of LEGACY_COLUMNS) {
      expect(legacyRowHash('acme', { ...proven, [column]: 'changed' })).not.toBe(
        legacyRowHash('acme', proven),
      );
    }
    expect(legacyRowHash('acme', { ...proven, source: ` ${proven.source} ` })).toBe(
      legacyRowHash('acme', proven),
    );
    expect(legacyRowHash('acme', proven)).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});

/** More rows the mutation run (docs/testing.md) showed unpinned: each condition of soft opt-in, the exact reasons. */
describe('R16 legacy import: conditions one at a time', () => {
  const t = tenant();
  const classify = (row: LegacyRow, tt = t) => classifyLegacyRow(tt, row, NOW);
  const customer: LegacyRow = {
    ...proven,
    optin_at: '',
    method: '',
    purchase_family: 'garden',
    purchase_at: daysAgo(100),
    opt_out_offered: 'yes',
  };
  /** The same tenant, the named purpose given the newsletter's product family. */
  const inGarden = (purpose: 'offers' | 'health') =>
    tenant({ purposes: { ...t.purposes, [purpose]: { ...t.purposes[purpose]!, productFamily: 'garden' } } });

  it('R16/R2 no soft opt-in for a profiling purpose, even of the customer’s product family', () => {
    expect(classify({ ...customer, purpose: 'newsletter' }, inGarden('offers')).outcome).toBe('soft_opt_in');
    expect(classify({ ...customer, purpose: 'offers' }, inGarden('offers'))).toMatchObject({
      outcome: 'needs_repermission',
      reason: 'no opt-in recorded',
    });
  });

  it('R16/R2/R12 no soft opt-in for a sensitive purpose, even of the customer’s product family', () => {
    expect(classify({ ...customer, purpose: 'health' }, inGarden('health'))).toMatchObject({
      outcome: 'needs_repermission',
      reason: 'no opt-in recorded',
    });
  });

  it('R16/R2 no soft opt-in on the very instant the customer window ends; the instant before, yes', () => {
    const windowOf = (days: number) =>
      tenant({ settings: { ...t.settings, prospectRetentionDays: 1000, customerRetentionDays: days } });
    expect(classify({ ...customer, purchase_at: daysAgo(100) }, windowOf(100)).outcome).toBe(
      'needs_repermission',
    );
    expect(classify({ ...customer, purchase_at: daysAgo(100) }, windowOf(101)).outcome).toBe('soft_opt_in');
  });

  it('R16/R2 a purchase without a product family is no proof of a sale in the family', () => {
    expect(classify({ ...customer, purchase_family: '  ' })).toEqual({
      outcome: 'needs_repermission',
      channel: 'email',
      normalizedAddress: 'Alice@example.com',
      purpose: t.purposes.newsletter,
      reason: 'no opt-in recorded',
      lastActivityAt: daysAgo(100),
      purchase: undefined,
    });
  });

  it('R16/R3 a method without a date, or a date without a method, is checked as an opt-in, not "no opt-in"', () => {
    for (const row of [
      { ...proven, optin_at: '', last_activity_at: daysAgo(5) },
      { ...proven, method: '', last_activity_at: daysAgo(5) },
    ]) {
      const result = classify(row);
      expect(result.outcome).toBe('needs_repermission');
      expect('reason' in result ? result.reason : '').not.toBe('no opt-in recorded');
    }
  });

  it('R16/R3 every missing proof is named, separated by "; "', () => {
    const result = classify({ ...proven, pre_ticked: 'yes', source: '' });
    expect(result.outcome).toBe('needs_repermission');
    const reason = 'reason' in result ? result.reason : '';
    expect(reason.split('; ')).toHaveLength(2);
    expect(reason).toMatch(/pre-ticked/);
    expect(reason).toMatch(/source/);
  });

  it('R16/R9 the reasons of a purge are exact: no dated act, or the day retention ended', () => {
    expect(classify({ address: 'bob@example.com', channel: 'email', purpose: 'newsletter' })).toEqual({
      outcome: 'expired',
      channel: 'email',
      normalizedAddress: 'bob@example.com',
      purpose: t.purposes.newsletter,
      reason: 'no dated act of the person: retention cannot run',
    });
    const ended = classify({ ...proven, optin_at: '2020-01-01' });
    const end = new Date(Date.parse('2020-01-01T00:00:00Z') + t.settings.prospectRetentionDays * 86_400_000);
    expect(ended).toMatchObject({
      outcome: 'expired',
      reason: `retention ended on ${end.toISOString().slice(0, 10)}`,
    });
  });

  it('R16 the reasons of an invalid row are exact', () => {
    expect(classify({ ...proven, channel: 'fax' })).toEqual({
      outcome: 'invalid',
      reason: 'channel must be email or sms',
    });
    expect(classify({ ...proven, channel: undefined })).toEqual({
      outcome: 'invalid',
      reason: 'channel must be email or sms',
    });
    expect(classify({ ...proven, purpose: 'lottery' })).toEqual({
      outcome: 'invalid',
      reason: 'unknown purpose',
    });
    expect(classify({ ...proven, purpose: undefined })).toEqual({
      outcome: 'invalid',
      reason: 'unknown purpose',
    });
    expect(classify({ ...proven, method: 'telepathy' })).toEqual({
      outcome: 'invalid',
      reason: 'method is not a known consent method',
    });
    expect(classify({ ...proven, purchase_at: 'soon' })).toEqual({
      outcome: 'invalid',
      reason: 'purchase_at is not a past ISO 8601 date',
    });
    expect(classify({ ...proven, pre_ticked: 'maybe' })).toEqual({
      outcome: 'invalid',
      reason: 'pre_ticked must be yes/no',
    });
    expect(classify({ ...proven, address: undefined })).toEqual({
      outcome: 'invalid',
      reason: 'address is missing',
    });
  });
});

describe('R16 legacy import: a purchase needs its date, and an absent column hashes as an empty one', () => {
  it('R16/R2 a product family without a purchase date is no purchase', () => {
    const result = classifyLegacyRow(
      tenant(),
      { ...proven, optin_at: '', method: '', last_activity_at: daysAgo(5), purchase_family: 'garden' },
      NOW,
    );
    expect(result).toMatchObject({ outcome: 'needs_repermission', reason: 'no opt-in recorded' });
    expect('purchase' in result ? result.purchase : 'absent').toBeUndefined();
  });

  it('R16 row hash: a column left out and a column left empty are the same row (idempotent re-runs)', () => {
    const { ip: _ip, ...withoutIp } = proven;
    expect(legacyRowHash('acme', withoutIp)).toBe(legacyRowHash('acme', { ...proven, ip: '' }));
  });
});
