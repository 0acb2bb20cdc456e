import { describe, expect, it } from 'vitest';
import { type Decision, decide } from '../../shared/domain/decide';
import type { RecipientState } from '../../shared/schemas/recipient';
import type { Tenant } from '../../shared/schemas/tenant';
import type { ReasonCode } from '../../shared/schemas/vocabulary';
import { daysAgo, NOW, profile, state, tenant, validGrant, withConsent } from '../support/builders';

/**
 * The rows the mutation run (npm run mutate, docs/testing.md) showed missing from decide.test.ts:
 * ties, withdrawal-only records, each proof flag on its own, boundaries of the windows, and the
 * proof every allowed message records (RULES.md: "an allowed message records its basis and a
 * reference to the proof behind it").
 */
interface Row {
  title: string;
  purpose: string;
  recipient: RecipientState;
  to?: string;
  from?: string;
  tenant?: Tenant;
  now?: Date;
  /** The whole decision of an allowed message: basis and proof. */
  allowed?: Extract<Decision, { outcome: 'allowed' }>;
  reasons?: ReasonCode[];
  /** A fragment of the failure messages, where the reason code alone does not show which check fired. */
  message?: RegExp;
}

const objection = (at: string, purpose?: string) => ({
  id: 'o',
  scope: purpose === undefined ? { type: 'channel' as const } : { type: 'purpose' as const, purpose },
  at,
  method: 'one_click' as const,
  recordedAt: at,
});
const withdrawal = (at: string) => ({ id: 'w', at, method: 'request_to_controller', recordedAt: at });
const collection = (over: Partial<NonNullable<ReturnType<typeof profile>['collection']>> = {}) => ({
  at: daysAgo(50),
  source: 'trade fair',
  duringSale: false,
  informed: true,
  optOutOffered: true,
  ...over,
});
const professional = (over: Partial<ReturnType<typeof collection>> | undefined, topics = ['it']) =>
  profile({
    audience: 'professional',
    address: 'jane.doe@corp.example',
    professionalTopics: topics,
    collection: over === undefined ? undefined : collection(over),
  });
const customer = (purchases: { family: string; days: number; ref: string }[]) =>
  profile({
    purchases: purchases.map((p) => ({ productFamily: p.family, at: daysAgo(p.days), ref: p.ref })),
    collection: collection({ at: daysAgo(500), source: 'checkout', duringSale: true }),
  });
const withPurpose = (id: string, over: Partial<Tenant['purposes'][string]>): Tenant => {
  const base = tenant();
  return { ...base, purposes: { ...base.purposes, [id]: { ...base.purposes[id]!, ...over } } };
};
const withSettings = (over: Partial<Tenant['settings']>): Tenant => {
  const base = tenant();
  return { ...base, settings: { ...base.settings, ...over } };
};
const consentProof = (givenAt = daysAgo(30), id = 'c-1') => ({
  type: 'consent' as const,
  ref: id,
  at: givenAt,
});

const rows: Row[] = [
  // R1 / R3: the proof of a consent
  {
    title: 'R1 records the consent id and the time it was given as the proof',
    purpose: 'newsletter',
    recipient: withConsent('newsletter', { id: 'c-77', givenAt: daysAgo(12) }),
    allowed: { outcome: 'allowed', basis: 'consent', proof: consentProof(daysAgo(12), 'c-77') },
  },
  {
    title: 'R3 allows a consent proven by its wording text rather than a version',
    purpose: 'newsletter',
    recipient: withConsent('newsletter', { wordingVersion: undefined, wording: 'I want the newsletter' }),
    allowed: { outcome: 'allowed', basis: 'consent', proof: consentProof() },
  },
  {
    title: 'R3 rejects a consent with neither wording nor wording version',
    purpose: 'newsletter',
    recipient: withConsent('newsletter', { wordingVersion: undefined, wording: undefined }),
    reasons: ['consent_unproven', 'soft_opt_in_not_applicable'],
    message: /lacks: wording \|/,
  },
  {
    title: 'R3 rejects a consent without its time',
    purpose: 'newsletter',
    recipient: withConsent('newsletter', { givenAt: undefined }),
    reasons: ['consent_unproven', 'soft_opt_in_not_applicable'],
    message: /lacks: time \|/,
  },
  {
    title: 'R3 rejects a consent without its method',
    purpose: 'newsletter',
    recipient: withConsent('newsletter', { method: undefined }),
    reasons: ['consent_unproven', 'soft_opt_in_not_applicable'],
    message: /lacks: method \|/,
  },
  {
    title: 'R3 rejects a consent that names no controller at all',
    purpose: 'newsletter',
    recipient: withConsent('newsletter', { controllers: undefined }),
    reasons: ['consent_unproven', 'soft_opt_in_not_applicable'],
    message: /lacks: controllers named \|/,
  },
  {
    title: 'R3 rejects a consent whose list of controllers is empty (none was named)',
    purpose: 'newsletter',
    recipient: withConsent('newsletter', { controllers: [] }),
    reasons: ['consent_unproven', 'soft_opt_in_not_applicable'],
    message: /lacks: controllers named \|/,
  },
  {
    title: 'R3 lists every missing proof in one reason',
    purpose: 'newsletter',
    recipient: withConsent('newsletter', {
      givenAt: undefined,
      method: 'double_opt_in',
      wordingVersion: 'v-unknown',
      source: undefined,
      controllers: undefined,
    }),
    reasons: ['consent_unproven', 'soft_opt_in_not_applicable'],
    message:
      /lacks: time, wording version "v-unknown" \(not declared\), source, controllers named, double opt-in confirmation/,
  },
  {
    title: 'R3 rejects a consent collected by silence',
    purpose: 'newsletter',
    recipient: withConsent('newsletter', { method: 'terms_acceptance' }),
    reasons: ['consent_invalid', 'soft_opt_in_not_applicable'],
    message: /method "terms_acceptance" is not a valid consent/,
  },
  {
    title: 'R3 names every invalidity and every missing proof, invalid first',
    purpose: 'newsletter',
    recipient: withConsent('newsletter', {
      preTicked: true,
      controllers: ['Partner Corp'],
      source: undefined,
    }),
    reasons: ['consent_invalid', 'consent_unproven', 'soft_opt_in_not_applicable'],
    message: /pre-ticked; the tenant was not named as controller/,
  },
  {
    title: 'R3 allows a controller named in another case and with spaces',
    purpose: 'newsletter',
    recipient: withConsent('newsletter', { controllers: ['  ACME sas '] }),
    allowed: { outcome: 'allowed', basis: 'consent', proof: consentProof() },
  },
  {
    title: 'R3 allows a controller named by the tenant id',
    purpose: 'newsletter',
    recipient: withConsent('newsletter', { controllers: ['Partner Corp', 'acme'] }),
    allowed: { outcome: 'allowed', basis: 'consent', proof: consentProof() },
  },
  {
    title: "R3 allows a controller named by the tenant's brand",
    purpose: 'newsletter',
    recipient: withConsent('newsletter', { controllers: ['Acme'] }),
    tenant: tenant({ controllerNames: [] }),
    allowed: { outcome: 'allowed', basis: 'consent', proof: consentProof() },
  },
  {
    title: "R3 allows a tenant's controller name stored with spaces around it",
    purpose: 'newsletter',
    recipient: withConsent('newsletter', { controllers: ['Acme SAS'] }),
    tenant: tenant({ controllerNames: ['  Acme SAS  '] }),
    allowed: { outcome: 'allowed', basis: 'consent', proof: consentProof() },
  },
  // R3: withdrawals
  {
    title: 'R3 rejects a consent withdrawn at the instant it was given (a tie goes to the withdrawal)',
    purpose: 'newsletter',
    recipient: state({
      profile: profile(),
      consents: {
        newsletter: { purpose: 'newsletter', grant: validGrant(), withdrawal: withdrawal(daysAgo(30)) },
      },
    }),
    reasons: ['consent_withdrawn', 'soft_opt_in_not_applicable'],
  },
  {
    title: 'R3 rejects a record holding only a withdrawal (withdrawn before any consent)',
    purpose: 'newsletter',
    recipient: state({
      profile: profile(),
      consents: { newsletter: { purpose: 'newsletter', withdrawal: withdrawal(daysAgo(5)) } },
    }),
    reasons: ['consent_withdrawn', 'soft_opt_in_not_applicable'],
    message: /withdrawn/,
  },
  {
    title: 'R3 a withdrawal-only record of another purpose leaves this purpose’s consent alone',
    purpose: 'newsletter',
    recipient: state({
      profile: profile(),
      consents: {
        newsletter: { purpose: 'newsletter', grant: validGrant() },
        offers: { purpose: 'offers', withdrawal: withdrawal(daysAgo(5)) },
      },
    }),
    allowed: { outcome: 'allowed', basis: 'consent', proof: consentProof() },
  },
  {
    title: 'R3 a grant with no time and a withdrawal is unproven, not re-opened',
    purpose: 'newsletter',
    recipient: state({
      profile: profile(),
      consents: {
        newsletter: {
          purpose: 'newsletter',
          grant: validGrant({ givenAt: undefined }),
          withdrawal: withdrawal(daysAgo(5)),
        },
      },
    }),
    reasons: ['consent_unproven', 'soft_opt_in_not_applicable'],
  },
  // R7
  {
    title: 'R7 rejects profiling on an earlier consent after an objection',
    purpose: 'offers',
    recipient: withConsent(
      'offers',
      { givenAt: daysAgo(30) },
      { objections: [objection(daysAgo(1), 'offers')] },
    ),
    reasons: ['objection'],
    message: /objected \(purpose offers\)/,
  },
  {
    title: 'R7 rejects a consent given at the instant of the objection (a tie goes to the objection)',
    purpose: 'newsletter',
    recipient: withConsent('newsletter', { givenAt: daysAgo(3) }, { objections: [objection(daysAgo(3))] }),
    reasons: ['objection'],
    message: /objected \(all marketing on this channel\)/,
  },
  {
    title: 'R7 rejects a tie written with another offset: instants are compared, not strings',
    purpose: 'newsletter',
    recipient: withConsent(
      'newsletter',
      { givenAt: '2026-06-12T10:00:00.000Z' },
      { objections: [objection('2026-06-12T12:00:00+02:00')] },
    ),
    reasons: ['objection'],
  },
  {
    title: 'R7 an invalid consent given after the objection does not re-open the purpose',
    purpose: 'newsletter',
    recipient: withConsent(
      'newsletter',
      { givenAt: daysAgo(1), preTicked: true },
      { objections: [objection(daysAgo(3), 'newsletter')] },
    ),
    reasons: ['objection', 'consent_invalid', 'soft_opt_in_not_applicable'],
  },
  {
    title: 'R7 a consent for another purpose given after the objection re-opens only that purpose',
    purpose: 'newsletter',
    recipient: state({
      profile: profile(),
      consents: {
        newsletter: { purpose: 'newsletter', grant: validGrant({ givenAt: daysAgo(30) }) },
        offers: { purpose: 'offers', grant: validGrant({ givenAt: daysAgo(1) }) },
      },
      objections: [objection(daysAgo(3))],
    }),
    reasons: ['objection'],
  },
  {
    title: 'R7 rejects repermission after an objection to that purpose',
    purpose: 'reperm',
    recipient: state({
      profile: profile({ needsRepermission: true }),
      objections: [objection(daysAgo(3), 'reperm')],
    }),
    reasons: ['objection'],
  },
  // R2
  {
    title: 'R2 rejects soft opt-in for a profiling purpose, even one naming the product family bought',
    purpose: 'offers',
    recipient: state({ profile: customer([{ family: 'garden', days: 100, ref: 'order-1' }]) }),
    tenant: withPurpose('offers', { productFamily: 'garden' }),
    reasons: ['consent_missing', 'soft_opt_in_not_applicable'],
    message: /profiling purposes need consent/,
  },
  {
    title: 'R2 rejects soft opt-in for a purpose naming no product family',
    purpose: 'software',
    recipient: state({ profile: customer([{ family: 'garden', days: 100, ref: 'order-1' }]) }),
    reasons: ['consent_missing', 'soft_opt_in_not_applicable'],
    message: /names no product family/,
  },
  {
    title: 'R2 rejects soft opt-in without any profile (not a customer)',
    purpose: 'newsletter',
    recipient: state(),
    reasons: ['consent_missing', 'soft_opt_in_not_applicable'],
    message: /not a customer/,
  },
  {
    title: 'R2 records the latest purchase in the family as the proof, whatever the list order',
    purpose: 'newsletter',
    recipient: state({
      profile: customer([
        { family: 'garden', days: 200, ref: 'order-old' },
        { family: 'garden', days: 20, ref: 'order-new' },
        { family: 'garden', days: 90, ref: 'order-mid' },
        { family: 'kitchen', days: 5, ref: 'order-kitchen' },
      ]),
    }),
    allowed: {
      outcome: 'allowed',
      basis: 'soft_opt_in',
      proof: { type: 'purchase', ref: 'order-new', at: daysAgo(20), detail: 'garden' },
    },
  },
  {
    title: 'R2 a recent purchase in another family keeps the relationship alive',
    purpose: 'newsletter',
    recipient: state({
      profile: customer([
        { family: 'garden', days: 400, ref: 'order-garden' },
        { family: 'kitchen', days: 10, ref: 'order-kitchen' },
      ]),
    }),
    tenant: withSettings({ customerRetentionDays: 365 }),
    allowed: {
      outcome: 'allowed',
      basis: 'soft_opt_in',
      proof: { type: 'purchase', ref: 'order-garden', at: daysAgo(400), detail: 'garden' },
    },
  },
  {
    title: 'R2 allows soft opt-in on the last instant of the customer window',
    purpose: 'newsletter',
    recipient: state({ profile: customer([{ family: 'garden', days: 365, ref: 'order-1' }]) }),
    tenant: withSettings({ customerRetentionDays: 365, prospectRetentionDays: 30 }),
    allowed: {
      outcome: 'allowed',
      basis: 'soft_opt_in',
      proof: { type: 'purchase', ref: 'order-1', at: daysAgo(365), detail: 'garden' },
    },
  },
  {
    title: 'R2 rejects soft opt-in one millisecond after the customer window',
    purpose: 'newsletter',
    recipient: state({ profile: customer([{ family: 'garden', days: 365, ref: 'order-1' }]) }),
    tenant: withSettings({ customerRetentionDays: 365, prospectRetentionDays: 30 }),
    now: new Date(NOW.getTime() + 1),
    reasons: ['customer_lapsed', 'consent_missing'],
  },
  {
    title: 'R2 lapses with a customer window shorter than the prospect one',
    purpose: 'newsletter',
    recipient: state({ profile: customer([{ family: 'garden', days: 100, ref: 'order-1' }]) }),
    tenant: withSettings({ customerRetentionDays: 90 }),
    reasons: ['consent_missing', 'customer_lapsed'],
    message: /last purchase too old/,
  },
  {
    title: 'R2 rejects soft opt-in for a customer with no collection record',
    purpose: 'newsletter',
    recipient: state({
      profile: profile({
        collection: undefined,
        purchases: [{ productFamily: 'garden', at: daysAgo(100), ref: 'order-1' }],
      }),
    }),
    reasons: ['consent_missing', 'soft_opt_in_not_applicable'],
  },
  // R4
  {
    title: 'R4 records the collection notice as the proof of a professional basis',
    purpose: 'software',
    recipient: state({ profile: professional({}) }),
    to: 'jane.doe@corp.example',
    allowed: {
      outcome: 'allowed',
      basis: 'legitimate_interest_b2b',
      proof: { type: 'collection', at: daysAgo(50), detail: 'trade fair' },
    },
  },
  {
    title: 'R4 rejects a professional informed but offered no opt-out',
    purpose: 'software',
    recipient: state({ profile: professional({ optOutOffered: false }) }),
    to: 'jane.doe@corp.example',
    reasons: ['consent_missing', 'not_informed_at_collection'],
  },
  {
    title: 'R4 rejects a professional offered an opt-out but not informed',
    purpose: 'software',
    recipient: state({ profile: professional({ informed: false }) }),
    to: 'jane.doe@corp.example',
    reasons: ['consent_missing', 'not_informed_at_collection'],
  },
  {
    title: 'R4 rejects a professional with no collection record',
    purpose: 'software',
    recipient: state({ profile: professional(undefined) }),
    to: 'jane.doe@corp.example',
    reasons: ['consent_missing', 'not_informed_at_collection'],
  },
  {
    title: 'R4 rejects a professional neither informed nor in a related job, naming both',
    purpose: 'software',
    recipient: state({ profile: professional({ informed: false }, ['holidays']) }),
    to: 'jane.doe@corp.example',
    reasons: ['consent_missing', 'not_informed_at_collection', 'not_job_related'],
  },
  {
    title: 'R4 matches the topics whatever their case on either side',
    purpose: 'software',
    recipient: state({ profile: professional({}, ['SOFTWARE']) }),
    tenant: withPurpose('software', { topics: ['Software'] }),
    to: 'jane.doe@corp.example',
    allowed: {
      outcome: 'allowed',
      basis: 'legitimate_interest_b2b',
      proof: { type: 'collection', at: daysAgo(50), detail: 'trade fair' },
    },
  },
  {
    title: "R4 records a role address as the proof for an organisation's address",
    purpose: 'newsletter',
    recipient: state({ profile: professional(undefined, []) }),
    to: 'Sales@corp.example',
    allowed: { outcome: 'allowed', basis: 'legitimate_interest_b2b', proof: { type: 'role_address' } },
  },
  {
    title: 'R4 a role address of a consumer is not a professional basis',
    purpose: 'software',
    recipient: state({ profile: profile() }),
    to: 'contact@example.org',
    reasons: ['consent_missing', 'soft_opt_in_not_applicable'],
  },
  // R5, R6
  {
    title: 'R5 records the collection notice as the proof of a non-commercial message',
    purpose: 'charity',
    recipient: state({ profile: profile({ collection: collection({ source: 'gala' }) }) }),
    allowed: {
      outcome: 'allowed',
      basis: 'non_commercial',
      proof: { type: 'collection', at: daysAgo(50), detail: 'gala' },
    },
  },
  {
    title: 'R5 rejects a non-commercial message to a person with no collection record',
    purpose: 'charity',
    recipient: state({ profile: profile({ collection: undefined, lastActivityAt: daysAgo(5) }) }),
    reasons: ['consent_missing', 'not_informed_at_collection'],
  },
  {
    title: 'R5 rejects a non-commercial message to a recipient with no profile at all',
    purpose: 'charity',
    recipient: state(),
    reasons: ['consent_missing', 'not_informed_at_collection'],
  },
  {
    title: 'R6 records the purpose as the proof of a transactional message',
    purpose: 'receipts',
    recipient: state(),
    allowed: { outcome: 'allowed', basis: 'contract', proof: { type: 'purpose', ref: 'receipts' } },
  },
  {
    title: 'R6 a transactional message from an undeclared sender is still refused (R10)',
    purpose: 'receipts',
    recipient: state(),
    from: 'x@other.example',
    reasons: ['sender_not_allowed'],
  },
  {
    title: 'R6 a transactional message is refused once past retention? No: it rests on the contract',
    purpose: 'receipts',
    recipient: state({ profile: profile({ collection: collection({ at: daysAgo(5000) }) }) }),
    allowed: { outcome: 'allowed', basis: 'contract', proof: { type: 'purpose', ref: 'receipts' } },
  },
  // R9
  {
    title: 'R9 allows a prospect on the last instant of retention',
    purpose: 'newsletter',
    recipient: withConsent(
      'newsletter',
      { givenAt: daysAgo(3 * 365) },
      { profile: profile({ collection: undefined }) },
    ),
    allowed: { outcome: 'allowed', basis: 'consent', proof: consentProof(daysAgo(3 * 365)) },
  },
  {
    title: 'R9 rejects a prospect one millisecond past retention',
    purpose: 'newsletter',
    recipient: withConsent(
      'newsletter',
      { givenAt: daysAgo(3 * 365) },
      { profile: profile({ collection: undefined }) },
    ),
    now: new Date(NOW.getTime() + 1),
    reasons: ['prospect_expired'],
  },
  // R10
  {
    title: 'R10 allows a From whose case differs from the declared address',
    purpose: 'newsletter',
    recipient: withConsent('newsletter'),
    from: 'news@mail.acme.example',
    tenant: tenant({ emailIdentities: ['NEWS@Mail.Acme.example'] }),
    allowed: { outcome: 'allowed', basis: 'consent', proof: consentProof() },
  },
  {
    title: 'R10 allows a From with an upper-case local part on a declared address',
    purpose: 'newsletter',
    recipient: withConsent('newsletter'),
    from: 'News@mail.acme.example',
    allowed: { outcome: 'allowed', basis: 'consent', proof: consentProof() },
  },
  {
    title: 'R10 a declared address does not declare its whole domain',
    purpose: 'newsletter',
    recipient: withConsent('newsletter'),
    from: 'other@mail.acme.example',
    reasons: ['sender_not_allowed'],
  },
  // R12
  {
    title: 'R12 rejects an explicit consent that is otherwise invalid',
    purpose: 'health',
    recipient: withConsent('health', { explicit: true, preTicked: true }),
    reasons: ['explicit_consent_required', 'consent_invalid'],
  },
  {
    title: 'R12 rejects the non-commercial exemption for a sensitive purpose',
    purpose: 'charity',
    recipient: state({ profile: profile() }),
    tenant: withPurpose('charity', { sensitive: true }),
    reasons: ['explicit_consent_required', 'consent_missing'],
  },
  {
    title: 'R12 rejects legitimate interest for a sensitive purpose to a professional',
    purpose: 'software',
    recipient: state({ profile: professional({}, ['it']) }),
    tenant: withPurpose('software', { sensitive: true }),
    to: 'jane.doe@corp.example',
    reasons: ['explicit_consent_required', 'consent_missing'],
  },
  // R13
  {
    title: 'R13 records a legacy opt-in marked for repermission as the proof',
    purpose: 'reperm',
    recipient: state({ profile: profile({ needsRepermission: true }) }),
    allowed: {
      outcome: 'allowed',
      basis: 'repermission',
      proof: { type: 'repermission', detail: 'needs_repermission' },
    },
  },
  {
    title: 'R13 records the end of retention as the proof of a repermission in its last days',
    purpose: 'reperm',
    recipient: state({ profile: profile({ collection: collection({ at: daysAgo(1060) }) }) }),
    allowed: {
      outcome: 'allowed',
      basis: 'repermission',
      proof: { type: 'repermission', detail: 'retention_window', at: daysAgo(1060 - 3 * 365) },
    },
  },
  {
    title: 'R13 allows repermission on the first instant of the window',
    purpose: 'reperm',
    recipient: state({ profile: profile({ collection: collection({ at: daysAgo(3 * 365 - 90) }) }) }),
    allowed: {
      outcome: 'allowed',
      basis: 'repermission',
      proof: { type: 'repermission', detail: 'retention_window', at: daysAgo(-90) },
    },
  },
  {
    title: 'R13 rejects repermission one millisecond before the window',
    purpose: 'reperm',
    recipient: state({ profile: profile({ collection: collection({ at: daysAgo(3 * 365 - 90) }) }) }),
    now: new Date(NOW.getTime() - 1),
    reasons: ['repermission_not_allowed'],
  },
  {
    title: 'R13 allows repermission on the last instant of retention',
    purpose: 'reperm',
    recipient: state({ profile: profile({ collection: collection({ at: daysAgo(3 * 365) }) }) }),
    allowed: {
      outcome: 'allowed',
      basis: 'repermission',
      proof: { type: 'repermission', detail: 'retention_window', at: NOW.toISOString() },
    },
  },
  {
    title: 'R13 rejects repermission to a prospect past retention, naming both reasons',
    purpose: 'reperm',
    recipient: state({ profile: profile({ collection: collection({ at: daysAgo(3 * 365 + 1) }) }) }),
    reasons: ['prospect_expired', 'repermission_not_allowed'],
  },
  {
    title: 'R13 rejects repermission to a recipient known only by a consent record (no profile)',
    purpose: 'reperm',
    recipient: state({
      consents: { newsletter: { purpose: 'newsletter', grant: validGrant({ givenAt: daysAgo(1060) }) } },
    }),
    reasons: ['repermission_not_allowed'],
  },
  {
    title: 'R13 rejects repermission to someone with no record here',
    purpose: 'reperm',
    recipient: state(),
    reasons: ['repermission_not_allowed'],
    message: /legacy opt-in marked for it/,
  },
  {
    title: 'R13 allows a second repermission when the tenant allows two',
    purpose: 'reperm',
    recipient: state({
      profile: profile({ needsRepermission: true }),
      repermissions: { reperm: { purpose: 'reperm', count: 1, lastAt: daysAgo(20) } },
    }),
    tenant: withSettings({ repermissionMaxPerPurpose: 2 }),
    allowed: {
      outcome: 'allowed',
      basis: 'repermission',
      proof: { type: 'repermission', detail: 'needs_repermission' },
    },
  },
  {
    title: 'R13 rejects a third repermission when the tenant allows two',
    purpose: 'reperm',
    recipient: state({
      profile: profile({ needsRepermission: true }),
      repermissions: { reperm: { purpose: 'reperm', count: 2, lastAt: daysAgo(20) } },
    }),
    tenant: withSettings({ repermissionMaxPerPurpose: 2 }),
    reasons: ['repermission_not_allowed'],
    message: /Already asked 2 time\(s\) for this purpose; at most 2/,
  },
];

describe('decide: evidence, ties and boundaries', () => {
  it.each(rows)('$title', (row) => {
    const decision = decide({
      tenant: row.tenant ?? tenant(),
      channel: 'email',
      purposeId: row.purpose,
      from: row.from ?? 'news@acme.example',
      to: row.to ?? 'alice@example.org',
      recipient: row.recipient,
      now: row.now ?? NOW,
    });
    if (row.allowed) {
      expect(decision).toEqual(row.allowed);
      return;
    }
    expect(decision.outcome).toBe('rejected');
    if (decision.outcome !== 'rejected') return;
    expect(decision.failures.map((f) => f.reason)).toEqual(row.reasons);
    if (row.message) expect(decision.failures.map((f) => f.message).join(' | ')).toMatch(row.message);
  });
});

describe('decide, SMS: R14 last', () => {
  const smsConsent = (address: string, over: Parameters<typeof profile>[0] = {}) =>
    withConsent('newsletter', {}, { profile: profile({ channel: 'sms', address, ...over }) });
  const narrow = withSettings({
    sms: { ...tenant().settings.sms, window: { ...tenant().settings.sms.window, end: '09:00' } },
  });

  it('R14 refuses a marketing SMS whose window never opens (every US zone open at once: never, for 08:00–09:00)', () => {
    const decision = decide({
      tenant: narrow,
      channel: 'sms',
      purposeId: 'newsletter',
      from: '36123',
      to: '+12025550123',
      recipient: smsConsent('+12025550123'),
      now: new Date('2026-06-16T14:00:00Z'),
    });
    expect(decision.outcome).toBe('rejected');
    if (decision.outcome === 'rejected') {
      expect(decision.failures.map((f) => [f.reason, f.rule])).toEqual([['quiet_hours', 'R14']]);
    }
  });

  it('R14 defers with the basis and proof it will be sent on', () => {
    const decision = decide({
      tenant: tenant(),
      channel: 'sms',
      purposeId: 'newsletter',
      from: '36123',
      to: '+33612345678',
      recipient: smsConsent('+33612345678'),
      now: new Date('2026-06-16T19:00:00Z'),
    });
    expect(decision).toMatchObject({
      outcome: 'deferred',
      basis: 'consent',
      proof: consentProof(),
      notBefore: new Date('2026-06-17T06:00:00Z'),
    });
  });

  it('R14 sends at once, with its proof, inside the window', () => {
    const decision = decide({
      tenant: tenant(),
      channel: 'sms',
      purposeId: 'newsletter',
      from: '36123',
      to: '+33612345678',
      recipient: smsConsent('+33612345678'),
      now: new Date('2026-06-16T06:00:00Z'),
    });
    expect(decision).toEqual({ outcome: 'allowed', basis: 'consent', proof: consentProof() });
  });

  it('R10 allows a marketing SMS to a professional from an ordinary number (the 2019 ban protects consumers)', () => {
    const decision = decide({
      tenant: tenant(),
      channel: 'sms',
      purposeId: 'newsletter',
      from: '+33700000001',
      to: '+33612345678',
      recipient: smsConsent('+33612345678', { audience: 'professional' }),
      now: new Date('2026-06-16T10:00:00Z'),
    });
    expect(decision).toEqual({ outcome: 'allowed', basis: 'consent', proof: consentProof() });
  });

  it('complaint-rate hold: the message names the rate and the window', () => {
    const decision = decide({
      tenant: tenant({
        hold: { since: daysAgo(2), rate: 0.0041, sends: 2000, complaints: 8, windowDays: 30 },
      }),
      channel: 'email',
      purposeId: 'newsletter',
      from: 'news@acme.example',
      to: 'alice@example.org',
      recipient: withConsent('newsletter'),
      now: NOW,
    });
    expect(decision.outcome).toBe('rejected');
    if (decision.outcome === 'rejected') {
      expect(decision.failures).toEqual([
        {
          reason: 'complaint_rate_hold',
          message: `Marketing email is held since ${daysAgo(2)}: complaint rate 0.41% over 30 days`,
        },
      ]);
    }
  });
});

describe('decide: the rule behind each reason (the API returns them as rules)', () => {
  const run = (purposeId: string, recipient: RecipientState, over: { tenant?: Tenant; to?: string } = {}) => {
    const decision = decide({
      tenant: over.tenant ?? tenant(),
      channel: 'email',
      purposeId,
      from: 'news@acme.example',
      to: over.to ?? 'alice@example.org',
      recipient,
      now: NOW,
    });
    return decision.outcome === 'rejected'
      ? decision.failures.map((f) => [f.reason, f.rule])
      : decision.outcome;
  };

  it.each([
    [
      'R8 for a bounce',
      'newsletter',
      state({ suppressions: [{ reason: 'bounce', at: daysAgo(1), recordedAt: daysAgo(1) }] }),
      [
        ['suppressed_bounce', 'R8'],
        ['consent_missing', 'R1'],
        ['soft_opt_in_not_applicable', 'R2'],
      ],
    ],
    [
      'R8 for a bounce, on a transactional message too',
      'receipts',
      state({ suppressions: [{ reason: 'bounce', at: daysAgo(1), recordedAt: daysAgo(1) }] }),
      [['suppressed_bounce', 'R8']],
    ],
    [
      'R8 for a complaint',
      'newsletter',
      withConsent(
        'newsletter',
        {},
        { suppressions: [{ reason: 'complaint', at: daysAgo(1), recordedAt: daysAgo(1) }] },
      ),
      [['suppressed_complaint', 'R8']],
    ],
    [
      'R9 for a prospect past retention',
      'newsletter',
      withConsent('newsletter', { givenAt: daysAgo(1200) }, { profile: profile({ collection: undefined }) }),
      [['prospect_expired', 'R9']],
    ],
    [
      'R9 then R1 for a customer past retention',
      'newsletter',
      state({
        profile: profile({
          collection: collection({ at: daysAgo(1200), duringSale: true }),
          purchases: [{ productFamily: 'garden', at: daysAgo(1200) }],
        }),
      }),
      [
        ['customer_lapsed', 'R9'],
        ['consent_missing', 'R1'],
      ],
    ],
    [
      'R12 and R1 for a sensitive purpose',
      'health',
      state({ profile: profile() }),
      [
        ['explicit_consent_required', 'R12'],
        ['consent_missing', 'R1'],
      ],
    ],
    [
      'R3 for a withdrawn consent',
      'newsletter',
      state({
        profile: profile(),
        consents: { newsletter: { purpose: 'newsletter', withdrawal: withdrawal(daysAgo(2)) } },
      }),
      [
        ['consent_withdrawn', 'R3'],
        ['soft_opt_in_not_applicable', 'R2'],
      ],
    ],
    [
      'R5 for a non-commercial message to a person never informed',
      'charity',
      state({ profile: profile({ collection: collection({ informed: false }) }) }),
      [
        ['consent_missing', 'R1'],
        ['not_informed_at_collection', 'R5'],
      ],
    ],
    [
      'R4 for a professional',
      'software',
      state({ profile: professional({ informed: false }, ['holidays']) }),
      [
        ['consent_missing', 'R1'],
        ['not_informed_at_collection', 'R4'],
        ['not_job_related', 'R4'],
      ],
    ],
    ['R13 for repermission', 'reperm', state({ profile: profile() }), [['repermission_not_allowed', 'R13']]],
    [
      'R7 for an objection',
      'newsletter',
      withConsent('newsletter', {}, { objections: [objection(daysAgo(1))] }),
      [['objection', 'R7']],
    ],
    [
      'R2 for a lapsed customer',
      'newsletter',
      state({ profile: customer([{ family: 'garden', days: 100, ref: 'o' }]) }),
      [
        ['consent_missing', 'R1'],
        ['customer_lapsed', 'R2'],
      ],
      withSettings({ customerRetentionDays: 90 }),
    ],
    [
      'R3 for a consent withdrawn after it was given',
      'newsletter',
      state({
        profile: profile(),
        consents: {
          newsletter: { purpose: 'newsletter', grant: validGrant(), withdrawal: withdrawal(daysAgo(2)) },
        },
      }),
      [
        ['consent_withdrawn', 'R3'],
        ['soft_opt_in_not_applicable', 'R2'],
      ],
    ],
    [
      'R13 for a repermission already sent',
      'reperm',
      state({
        profile: profile({ needsRepermission: true }),
        repermissions: { reperm: { purpose: 'reperm', count: 1, lastAt: daysAgo(20) } },
      }),
      [['repermission_not_allowed', 'R13']],
    ],
    ['no rule for an undeclared purpose', 'nope', state(), [['unknown_purpose', undefined]]],
  ] as const)('names %s', (_title, purpose, recipient, expected, t?: Tenant) => {
    expect(run(purpose, recipient, { tenant: t })).toEqual(expected);
  });

  it('R10 an SMS from an ordinary number to a recipient of unknown audience is treated as to a consumer', () => {
    const decision = decide({
      tenant: tenant(),
      channel: 'sms',
      purposeId: 'newsletter',
      from: '+33700000001',
      to: '+33612345678',
      recipient: state({ consents: { newsletter: { purpose: 'newsletter', grant: validGrant() } } }),
      now: new Date('2026-06-16T10:00:00Z'),
    });
    expect(
      decision.outcome === 'rejected' ? decision.failures.map((f) => [f.reason, f.rule]) : decision,
    ).toEqual([['sender_not_allowed', 'R10']]);
  });
});
