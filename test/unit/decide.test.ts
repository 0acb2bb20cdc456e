import { describe, expect, it } from 'vitest';
import { decide } from '../../shared/domain/decide';
import { rulesOf } from '../../shared/domain/reasons';
import type { RecipientState } from '../../shared/schemas/recipient';
import type { Tenant } from '../../shared/schemas/tenant';
import type { Basis, ReasonCode } from '../../shared/schemas/vocabulary';
import { daysAgo, NOW, profile, state, tenant, withConsent } from '../support/builders';

interface Row {
  title: string;
  purpose: string;
  recipient: RecipientState;
  to?: string;
  from?: string;
  tenant?: Tenant;
  now?: Date;
  basis?: Basis;
  reasons?: ReasonCode[];
}

const customer = (family: string, daysSincePurchase: number, collection = {}) =>
  profile({
    purchases: [{ productFamily: family, at: daysAgo(daysSincePurchase), ref: 'order-42' }],
    collection: {
      at: daysAgo(daysSincePurchase),
      source: 'checkout',
      duringSale: true,
      informed: true,
      optOutOffered: true,
      ...collection,
    },
  });
const professional = (topics: string[], informed = true) =>
  profile({
    audience: 'professional',
    address: 'jane.doe@corp.example',
    professionalTopics: topics,
    collection: {
      at: daysAgo(50),
      source: 'trade fair',
      duringSale: false,
      informed,
      optOutOffered: informed,
    },
  });

const held = tenant({
  hold: { since: daysAgo(2), rate: 0.004, sends: 2000, complaints: 8, windowDays: 30 },
});

const rows: Row[] = [
  // Order of checks, step 1
  {
    title: 'rejects an undeclared purpose',
    purpose: 'nope',
    recipient: withConsent('nope'),
    reasons: ['unknown_purpose'],
  },
  {
    title: 'R10 allows a From on a declared domain',
    purpose: 'newsletter',
    recipient: withConsent('newsletter'),
    from: 'hello@acme.example',
    basis: 'consent',
  },
  {
    title: 'R10 allows a From that is a declared address',
    purpose: 'newsletter',
    recipient: withConsent('newsletter'),
    from: 'news@mail.acme.example',
    basis: 'consent',
  },
  {
    title: 'R10 rejects a From outside the declared identities',
    purpose: 'newsletter',
    recipient: withConsent('newsletter'),
    from: 'hello@other.example',
    reasons: ['sender_not_allowed'],
  },
  // R1
  {
    title: 'R1 allows a consumer with consent for the purpose',
    purpose: 'newsletter',
    recipient: withConsent('newsletter'),
    basis: 'consent',
  },
  {
    title: 'R1 rejects a consumer without consent',
    purpose: 'newsletter',
    recipient: state({ profile: profile() }),
    reasons: ['consent_missing', 'soft_opt_in_not_applicable'],
  },
  {
    title: 'R1 rejects a consent given for another purpose',
    purpose: 'newsletter',
    recipient: withConsent('offers'),
    reasons: ['consent_missing', 'soft_opt_in_not_applicable'],
  },
  // R2
  {
    title: 'R2 allows soft opt-in for a customer of the same product family',
    purpose: 'newsletter',
    recipient: state({ profile: customer('garden', 100) }),
    basis: 'soft_opt_in',
  },
  {
    title: "R2 rejects soft opt-in for another family's product",
    purpose: 'newsletter',
    recipient: state({ profile: customer('kitchen', 100) }),
    reasons: ['consent_missing', 'soft_opt_in_not_applicable'],
  },
  {
    title: 'R2 rejects soft opt-in when the address was not collected during a sale',
    purpose: 'newsletter',
    recipient: state({ profile: customer('garden', 100, { duringSale: false }) }),
    reasons: ['consent_missing', 'soft_opt_in_not_applicable'],
  },
  {
    title: 'R2 rejects soft opt-in when no opt-out was offered at collection',
    purpose: 'newsletter',
    recipient: state({ profile: customer('garden', 100, { optOutOffered: false }) }),
    reasons: ['consent_missing', 'soft_opt_in_not_applicable'],
  },
  {
    title: 'R2 rejects soft opt-in for a profiling purpose',
    purpose: 'offers',
    recipient: state({ profile: customer('garden', 100) }),
    reasons: ['consent_missing', 'soft_opt_in_not_applicable'],
  },
  {
    title: 'R2 rejects soft opt-in once the customer window has lapsed',
    purpose: 'newsletter',
    recipient: state({ profile: customer('garden', 400) }),
    tenant: tenant({ settings: { ...tenant().settings, customerRetentionDays: 365 } }),
    reasons: ['consent_missing', 'customer_lapsed'],
  },
  // R3
  {
    title: 'R3 allows a consent whose wording version resolves',
    purpose: 'newsletter',
    recipient: withConsent('newsletter', { wordingVersion: 'newsletter-v1' }),
    basis: 'consent',
  },
  {
    title: 'R3 rejects a consent without source',
    purpose: 'newsletter',
    recipient: withConsent('newsletter', { source: undefined }),
    reasons: ['consent_unproven', 'soft_opt_in_not_applicable'],
  },
  {
    title: 'R3 rejects a consent whose wording version is not declared',
    purpose: 'newsletter',
    recipient: withConsent('newsletter', { wordingVersion: 'v-unknown' }),
    reasons: ['consent_unproven', 'soft_opt_in_not_applicable'],
  },
  {
    title: 'R3 rejects a double opt-in never confirmed',
    purpose: 'newsletter',
    recipient: withConsent('newsletter', { method: 'double_opt_in' }),
    reasons: ['consent_unproven', 'soft_opt_in_not_applicable'],
  },
  {
    title: 'R3 allows a confirmed double opt-in',
    purpose: 'newsletter',
    recipient: withConsent('newsletter', { method: 'double_opt_in', confirmedAt: daysAgo(29) }),
    basis: 'consent',
  },
  {
    title: 'R3 rejects a pre-ticked box',
    purpose: 'newsletter',
    recipient: withConsent('newsletter', { preTicked: true }),
    reasons: ['consent_invalid', 'soft_opt_in_not_applicable'],
  },
  {
    title: 'R3 rejects consent bundled with terms',
    purpose: 'newsletter',
    recipient: withConsent('newsletter', { method: 'bundled_with_terms' }),
    reasons: ['consent_invalid', 'soft_opt_in_not_applicable'],
  },
  {
    title: "R3 rejects a partner's form that did not name the tenant",
    purpose: 'newsletter',
    recipient: withConsent('newsletter', { controllers: ['Partner Corp'] }),
    reasons: ['consent_invalid', 'soft_opt_in_not_applicable'],
  },
  {
    title: "R3 allows a partner's form that named the tenant's legal name",
    purpose: 'newsletter',
    recipient: withConsent('newsletter', { controllers: ['Partner Corp', 'Acme SAS'] }),
    basis: 'consent',
  },
  {
    title: 'R3 rejects a withdrawn consent',
    purpose: 'newsletter',
    recipient: state({
      profile: profile(),
      consents: {
        newsletter: {
          purpose: 'newsletter',
          grant: withConsent('newsletter').consents.newsletter!.grant,
          withdrawal: { id: 'w1', at: daysAgo(5), method: 'request_to_controller', recordedAt: daysAgo(5) },
        },
      },
    }),
    reasons: ['consent_withdrawn', 'soft_opt_in_not_applicable'],
  },
  {
    title: 'R3 allows a consent given again after a withdrawal',
    purpose: 'newsletter',
    recipient: state({
      profile: profile(),
      consents: {
        newsletter: {
          purpose: 'newsletter',
          grant: withConsent('newsletter', { givenAt: daysAgo(2), recordedAt: daysAgo(2) }).consents
            .newsletter!.grant,
          withdrawal: { id: 'w1', at: daysAgo(5), method: 'request_to_controller', recordedAt: daysAgo(5) },
        },
      },
    }),
    basis: 'consent',
  },
  {
    title: 'R3 rejects a consent dated after a withdrawal but recorded before it (consent_withdrawn)',
    purpose: 'newsletter',
    recipient: state({
      profile: profile(),
      consents: {
        newsletter: {
          purpose: 'newsletter',
          grant: withConsent('newsletter', { givenAt: '2099-01-01T00:00:00.000Z', recordedAt: daysAgo(5) })
            .consents.newsletter!.grant,
          withdrawal: { id: 'w1', at: daysAgo(2), method: 'one_click', recordedAt: daysAgo(2) },
        },
      },
    }),
    reasons: ['consent_withdrawn', 'soft_opt_in_not_applicable'],
  },
  {
    title:
      "R2/R3 allows soft opt-in after a withdrawal: a withdrawal ends the consent, not the customer's basis",
    purpose: 'newsletter',
    recipient: state({
      profile: customer('garden', 100),
      consents: {
        newsletter: {
          purpose: 'newsletter',
          grant: withConsent('newsletter').consents.newsletter!.grant,
          withdrawal: { id: 'w1', at: daysAgo(5), method: 'request_to_controller', recordedAt: daysAgo(5) },
        },
      },
    }),
    basis: 'soft_opt_in',
  },
  {
    title: 'R7 rejects soft opt-in after an objection to the purpose (what a request to stop records)',
    purpose: 'newsletter',
    recipient: state({
      profile: customer('garden', 100),
      objections: [
        {
          id: 'o1',
          scope: { type: 'purpose', purpose: 'newsletter' },
          at: daysAgo(5),
          method: 'request_to_controller',
          recordedAt: daysAgo(5),
        },
      ],
    }),
    reasons: ['objection'],
  },
  // R4
  {
    title: 'R4 allows a job-related purpose to an informed professional',
    purpose: 'software',
    recipient: state({ profile: professional(['IT']) }),
    to: 'jane.doe@corp.example',
    basis: 'legitimate_interest_b2b',
  },
  {
    title: 'R4 rejects a purpose unrelated to the profession',
    purpose: 'newsletter',
    recipient: state({ profile: professional(['it']) }),
    to: 'jane.doe@corp.example',
    reasons: ['consent_missing', 'not_job_related'],
  },
  {
    title: 'R4 rejects a professional not informed at collection',
    purpose: 'software',
    recipient: state({ profile: professional(['it'], false) }),
    to: 'jane.doe@corp.example',
    reasons: ['consent_missing', 'not_informed_at_collection'],
  },
  {
    title: "R4 allows an organisation's role address",
    purpose: 'newsletter',
    recipient: state({ profile: professional([], false) }),
    to: 'contact@corp.example',
    basis: 'legitimate_interest_b2b',
  },
  // R5
  {
    title: 'R5 allows a non-commercial message to a person informed at collection',
    purpose: 'charity',
    recipient: state({ profile: profile() }),
    basis: 'non_commercial',
  },
  {
    title: 'R5 rejects a non-commercial message to a person never informed',
    purpose: 'charity',
    recipient: state({
      profile: profile({
        collection: { at: daysAgo(10), duringSale: false, informed: false, optOutOffered: false },
      }),
    }),
    reasons: ['consent_missing', 'not_informed_at_collection'],
  },
  // R6
  {
    title: 'R6 allows a transactional message without consent, on the contract',
    purpose: 'receipts',
    recipient: state({
      profile: profile(),
      objections: [
        { id: 'o', scope: { type: 'channel' }, at: daysAgo(1), method: 'one_click', recordedAt: daysAgo(1) },
      ],
    }),
    basis: 'contract',
  },
  {
    title: 'R6 rejects a transactional message to a hard-bounced address',
    purpose: 'receipts',
    recipient: state({ suppressions: [{ reason: 'bounce', at: daysAgo(1), recordedAt: daysAgo(1) }] }),
    reasons: ['suppressed_bounce'],
  },
  // R7
  {
    title: 'R7 rejects after an objection to the purpose, whatever the consent',
    purpose: 'newsletter',
    recipient: withConsent(
      'newsletter',
      {},
      {
        objections: [
          {
            id: 'o',
            scope: { type: 'purpose', purpose: 'newsletter' },
            at: daysAgo(1),
            method: 'one_click',
            recordedAt: daysAgo(1),
          },
        ],
      },
    ),
    reasons: ['objection'],
  },
  {
    title: 'R7 rejects a soft opt-in after an objection to all marketing',
    purpose: 'newsletter',
    recipient: state({
      profile: customer('garden', 100),
      objections: [
        {
          id: 'o',
          scope: { type: 'channel' },
          at: daysAgo(1),
          method: 'unsubscribe_link',
          recordedAt: daysAgo(1),
        },
      ],
    }),
    reasons: ['objection'],
  },
  {
    title: 'R7 allows another purpose after an objection to one purpose',
    purpose: 'offers',
    recipient: state({
      profile: profile(),
      consents: { offers: { purpose: 'offers', grant: withConsent('offers').consents.offers!.grant } },
      objections: [
        {
          id: 'o',
          scope: { type: 'purpose', purpose: 'newsletter' },
          at: daysAgo(1),
          method: 'one_click',
          recordedAt: daysAgo(1),
        },
      ],
    }),
    basis: 'consent',
  },
  {
    title: 'R7 allows a purpose re-opened by a consent given after the objection',
    purpose: 'newsletter',
    recipient: withConsent(
      'newsletter',
      { givenAt: daysAgo(1), recordedAt: daysAgo(1) },
      {
        objections: [
          {
            id: 'o',
            scope: { type: 'channel' },
            at: daysAgo(3),
            method: 'one_click',
            recordedAt: daysAgo(3),
          },
        ],
      },
    ),
    basis: 'consent',
  },
  {
    title: 'R7 rejects a consent dated in the future but recorded before the objection (objection)',
    purpose: 'newsletter',
    recipient: withConsent(
      'newsletter',
      { givenAt: '2099-01-01T00:00:00.000Z', recordedAt: daysAgo(3) },
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
    reasons: ['objection'],
  },
  {
    title: "R7 rejects a consent given after the objection's date but before it was recorded (objection)",
    purpose: 'newsletter',
    recipient: withConsent(
      'newsletter',
      { givenAt: daysAgo(3), recordedAt: daysAgo(0.5) },
      {
        objections: [
          {
            id: 'o',
            scope: { type: 'channel' },
            at: daysAgo(5),
            method: 'one_click',
            recordedAt: daysAgo(1),
          },
        ],
      },
    ),
    reasons: ['objection'],
  },
  {
    title: "R7 rejects on a tie: a consent given and recorded at the objection's instant (objection)",
    purpose: 'newsletter',
    recipient: withConsent(
      'newsletter',
      { givenAt: '2026-06-01T20:00:00.000Z', recordedAt: '2026-06-01T20:00:00.000Z' },
      {
        objections: [
          {
            id: 'o',
            scope: { type: 'channel' },
            at: '2026-06-01T12:00:00-08:00',
            method: 'one_click',
            recordedAt: '2026-06-01T20:00:00.000Z',
          },
        ],
      },
    ),
    reasons: ['objection'],
  },
  {
    title: 'R7 compares instants, not text: a -08:00 objection blocks a consent given at 19:00Z (objection)',
    purpose: 'newsletter',
    recipient: withConsent(
      'newsletter',
      { givenAt: '2026-06-01T19:00:00Z', recordedAt: daysAgo(1) },
      {
        objections: [
          {
            id: 'o',
            scope: { type: 'channel' },
            at: '2026-06-01T12:00:00-08:00',
            method: 'one_click',
            recordedAt: '2026-06-01T12:00:00-08:00',
          },
        ],
      },
    ),
    reasons: ['objection'],
  },
  {
    title: 'R7 allows a consent given and recorded just after a -08:00 objection',
    purpose: 'newsletter',
    recipient: withConsent(
      'newsletter',
      { givenAt: '2026-06-01T20:00:00.001Z', recordedAt: '2026-06-01T20:00:01Z' },
      {
        objections: [
          {
            id: 'o',
            scope: { type: 'channel' },
            at: '2026-06-01T12:00:00-08:00',
            method: 'one_click',
            recordedAt: '2026-06-01T20:00:00.000Z',
          },
        ],
      },
    ),
    basis: 'consent',
  },
  {
    title: 'R7 rejects a non-commercial message after an objection',
    purpose: 'charity',
    recipient: state({
      profile: profile(),
      objections: [
        { id: 'o', scope: { type: 'channel' }, at: daysAgo(3), method: 'one_click', recordedAt: daysAgo(3) },
      ],
    }),
    reasons: ['objection'],
  },
  // R8
  {
    title: 'R8 rejects marketing to a hard-bounced address',
    purpose: 'newsletter',
    recipient: withConsent(
      'newsletter',
      {},
      { suppressions: [{ reason: 'bounce', at: daysAgo(1), recordedAt: daysAgo(1) }] },
    ),
    reasons: ['suppressed_bounce'],
  },
  {
    title: 'R8 rejects marketing after a spam complaint',
    purpose: 'newsletter',
    recipient: withConsent(
      'newsletter',
      {},
      { suppressions: [{ reason: 'complaint', at: daysAgo(1), recordedAt: daysAgo(1) }] },
    ),
    reasons: ['suppressed_complaint'],
  },
  {
    title: 'R8 allows a transactional message after a complaint',
    purpose: 'receipts',
    recipient: state({ suppressions: [{ reason: 'complaint', at: daysAgo(1), recordedAt: daysAgo(1) }] }),
    basis: 'contract',
  },
  // R9
  {
    title: 'R9 allows a prospect active within retention',
    purpose: 'newsletter',
    recipient: withConsent(
      'newsletter',
      { givenAt: daysAgo(1000) },
      { profile: profile({ collection: undefined, lastActivityAt: daysAgo(1000) }) },
    ),
    basis: 'consent',
  },
  {
    title: 'R9 rejects a prospect past retention',
    purpose: 'newsletter',
    recipient: withConsent(
      'newsletter',
      { givenAt: daysAgo(1200) },
      { profile: profile({ collection: undefined, lastActivityAt: daysAgo(1100) }) },
    ),
    reasons: ['prospect_expired'],
  },
  {
    title: 'R9 rejects a customer past retention',
    purpose: 'newsletter',
    recipient: state({ profile: customer('garden', 1200) }),
    reasons: ['customer_lapsed', 'consent_missing'],
  },
  // R12
  {
    title: 'R12 allows a sensitive purpose with explicit consent',
    purpose: 'health',
    recipient: withConsent('health', { explicit: true }),
    basis: 'consent',
  },
  {
    title: 'R12 rejects a sensitive purpose with a consent not recorded as explicit',
    purpose: 'health',
    recipient: withConsent('health'),
    reasons: ['explicit_consent_required'],
  },
  {
    title: 'R12 rejects soft opt-in for a sensitive purpose',
    purpose: 'health',
    recipient: state({ profile: customer('garden', 10) }),
    reasons: ['explicit_consent_required', 'consent_missing'],
  },
  // R13
  {
    title: 'R13 allows repermission to a legacy opt-in marked for it',
    purpose: 'reperm',
    recipient: state({ profile: profile({ needsRepermission: true }) }),
    basis: 'repermission',
  },
  {
    title: 'R13 allows repermission to a prospect in the last days of retention',
    purpose: 'reperm',
    recipient: state({
      profile: profile({
        collection: { at: daysAgo(1060), duringSale: false, informed: true, optOutOffered: true },
      }),
    }),
    basis: 'repermission',
  },
  {
    title: 'R13 rejects a second repermission for the same purpose',
    purpose: 'reperm',
    recipient: state({
      profile: profile({ needsRepermission: true }),
      repermissions: { reperm: { purpose: 'reperm', count: 1, lastAt: daysAgo(20) } },
    }),
    reasons: ['repermission_not_allowed'],
  },
  {
    title: 'R13 allows repermission for a purpose not yet asked, after another one was',
    purpose: 'reperm',
    recipient: state({
      profile: profile({ needsRepermission: true }),
      repermissions: { other: { purpose: 'other', count: 1, lastAt: daysAgo(20) } },
    }),
    basis: 'repermission',
  },
  {
    title: 'R13 rejects repermission to a recent prospect not marked for it',
    purpose: 'reperm',
    recipient: state({ profile: profile() }),
    reasons: ['repermission_not_allowed'],
  },
  {
    title: 'R13 rejects repermission to someone who objected',
    purpose: 'reperm',
    recipient: state({
      profile: profile({ needsRepermission: true }),
      objections: [
        { id: 'o', scope: { type: 'channel' }, at: daysAgo(3), method: 'one_click', recordedAt: daysAgo(3) },
      ],
    }),
    reasons: ['objection'],
  },
  // Every reason that applied, most decisive first
  {
    title: 'lists every reason, most decisive first',
    purpose: 'newsletter',
    from: 'x@other.example',
    recipient: state({
      profile: profile(),
      suppressions: [{ reason: 'bounce', at: daysAgo(1), recordedAt: daysAgo(1) }],
      objections: [
        { id: 'o', scope: { type: 'channel' }, at: daysAgo(3), method: 'one_click', recordedAt: daysAgo(3) },
      ],
    }),
    reasons: [
      'sender_not_allowed',
      'suppressed_bounce',
      'objection',
      'consent_missing',
      'soft_opt_in_not_applicable',
    ],
  },
  // Mailbox provider thresholds: the complaint-rate hold (no rule id in docs/rules.md)
  {
    title: 'complaint-rate hold rejects a consented marketing email',
    purpose: 'newsletter',
    recipient: withConsent('newsletter'),
    tenant: held,
    reasons: ['complaint_rate_hold'],
  },
  {
    title: 'complaint-rate hold rejects a profiling email',
    purpose: 'offers',
    recipient: withConsent('offers'),
    tenant: held,
    reasons: ['complaint_rate_hold'],
  },
  {
    title: 'complaint-rate hold rejects a non-commercial email',
    purpose: 'charity',
    recipient: withConsent('charity'),
    tenant: held,
    reasons: ['complaint_rate_hold'],
  },
  {
    title: 'complaint-rate hold rejects a repermission email',
    purpose: 'reperm',
    recipient: state({ profile: profile({ needsRepermission: true }) }),
    tenant: held,
    reasons: ['complaint_rate_hold'],
  },
  {
    title: 'complaint-rate hold lets a transactional email through (R6)',
    purpose: 'receipts',
    recipient: state(),
    tenant: held,
    basis: 'contract',
  },
  {
    title: 'complaint-rate hold comes after R8 suppressions and before R7',
    purpose: 'newsletter',
    recipient: withConsent(
      'newsletter',
      {},
      {
        suppressions: [{ reason: 'complaint', at: daysAgo(1), source: 'ses', recordedAt: daysAgo(1) }],
        objections: [
          {
            id: 'o',
            scope: { type: 'channel' },
            at: daysAgo(1),
            method: 'spam_complaint',
            recordedAt: daysAgo(1),
          },
        ],
      },
    ),
    tenant: held,
    reasons: ['suppressed_complaint', 'complaint_rate_hold', 'objection'],
  },
  {
    title: 'no hold: the same marketing email is allowed',
    purpose: 'newsletter',
    recipient: withConsent('newsletter'),
    tenant: tenant({ hold: undefined }),
    basis: 'consent',
  },
];

const sms = (row: {
  title: string;
  purpose: string;
  from: string;
  now: string;
  recipient?: RecipientState;
  outcome: 'allowed' | 'deferred' | 'rejected';
  reasons?: ReasonCode[];
  notBefore?: string;
}) => row;

const smsRows = [
  sms({
    title: 'R10 allows marketing SMS from a short code',
    purpose: 'newsletter',
    from: '36123',
    now: '2026-06-16T10:00:00Z',
    outcome: 'allowed',
  }),
  sms({
    title: 'R10 allows marketing SMS from an alphanumeric sender',
    purpose: 'newsletter',
    from: 'ACME',
    now: '2026-06-16T10:00:00Z',
    outcome: 'allowed',
  }),
  sms({
    title: 'R10 rejects marketing SMS to a consumer from an ordinary number',
    purpose: 'newsletter',
    from: '+33700000001',
    now: '2026-06-16T10:00:00Z',
    outcome: 'rejected',
    reasons: ['sender_not_allowed'],
  }),
  sms({
    title: 'R10 allows a transactional SMS from an ordinary number',
    purpose: 'receipts',
    from: '+33700000001',
    now: '2026-06-16T10:00:00Z',
    outcome: 'allowed',
  }),
  sms({
    title: 'R10 rejects an undeclared SMS sender',
    purpose: 'newsletter',
    from: 'OTHER',
    now: '2026-06-16T10:00:00Z',
    outcome: 'rejected',
    reasons: ['sender_not_allowed'],
  }),
  // Recipients are per channel (R1): the number's state holds no consent, whatever the email address has.
  sms({
    title: 'R1 rejects an SMS without an SMS consent',
    purpose: 'newsletter',
    from: '36123',
    now: '2026-06-16T10:00:00Z',
    recipient: state({ profile: profile({ channel: 'sms', address: '+33612345678' }) }),
    outcome: 'rejected',
    reasons: ['consent_missing', 'soft_opt_in_not_applicable'],
  }),
  sms({
    title: 'R14 defers a marketing SMS on a Sunday to Monday 08:00',
    purpose: 'newsletter',
    from: '36123',
    now: '2026-06-21T10:00:00Z',
    outcome: 'deferred',
    notBefore: '2026-06-22T06:00:00.000Z',
  }),
  sms({
    title: 'R14 never holds a transactional SMS',
    purpose: 'receipts',
    from: '36123',
    now: '2026-06-21T22:00:00Z',
    outcome: 'allowed',
  }),
  sms({
    title: 'R14 comes last: a refused SMS at night is rejected, not deferred',
    purpose: 'newsletter',
    from: '+33700000001',
    now: '2026-06-21T22:00:00Z',
    outcome: 'rejected',
    reasons: ['sender_not_allowed'],
  }),
];

describe('decide, SMS', () => {
  it.each(smsRows)('$title', (row) => {
    const recipient =
      row.recipient ??
      withConsent('newsletter', {}, { profile: profile({ channel: 'sms', address: '+33612345678' }) });
    const decision = decide({
      tenant: tenant(),
      channel: 'sms',
      purposeId: row.purpose,
      from: row.from,
      to: '+33612345678',
      recipient,
      now: new Date(row.now),
    });
    expect(decision.outcome).toBe(row.outcome);
    if (decision.outcome === 'rejected') expect(decision.failures.map((f) => f.reason)).toEqual(row.reasons);
    if (decision.outcome === 'deferred') {
      expect(decision.notBefore.toISOString()).toBe(row.notBefore);
      expect(decision.failures.map((f) => [f.reason, f.rule])).toEqual([['quiet_hours', 'R14']]);
    }
  });
});

describe('decide, complaint-rate hold on SMS', () => {
  it('an email complaint-rate hold does not hold SMS (the rate is an email mailbox-provider measure)', () => {
    const decision = decide({
      tenant: held,
      channel: 'sms',
      purposeId: 'newsletter',
      from: '36123',
      to: '+33612345678',
      recipient: withConsent(
        'newsletter',
        {},
        { profile: profile({ channel: 'sms', address: '+33612345678' }) },
      ),
      now: new Date('2026-06-16T10:00:00Z'),
    });
    expect(decision.outcome).toBe('allowed');
  });
});

describe('decide', () => {
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
    if (row.basis) {
      expect(decision).toMatchObject({ outcome: 'allowed', basis: row.basis });
    } else {
      expect(decision.outcome).toBe('rejected');
      if (decision.outcome === 'rejected')
        expect(decision.failures.map((f) => f.reason)).toEqual(row.reasons);
    }
  });

  it('names the rule of each reason, in order, without repeats', () => {
    const decision = decide({
      tenant: tenant(),
      channel: 'email',
      purposeId: 'newsletter',
      from: 'x@other.example',
      to: 'alice@example.org',
      recipient: withConsent('newsletter', { preTicked: true, source: undefined }),
      now: NOW,
    });
    expect(decision.outcome).toBe('rejected');
    if (decision.outcome === 'rejected') expect(rulesOf(decision.failures)).toEqual(['R10', 'R3', 'R2']);
  });

  it('records the proof an allowed message rests on', () => {
    const decision = decide({
      tenant: tenant(),
      channel: 'email',
      purposeId: 'newsletter',
      from: 'news@acme.example',
      to: 'alice@example.org',
      recipient: state({ profile: customer('garden', 100) }),
      now: NOW,
    });
    expect(decision).toEqual({
      outcome: 'allowed',
      basis: 'soft_opt_in',
      proof: { type: 'purchase', ref: 'order-42', at: daysAgo(100), detail: 'garden' },
    });
  });
});
