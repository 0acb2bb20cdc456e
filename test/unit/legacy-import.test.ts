import { describe, expect, it } from 'vitest';
import {
  classifyLegacyRow,
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
