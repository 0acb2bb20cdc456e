import * as z from 'zod';
import { canonicalInstant, instantMs } from '../domain/instant';

/** The vocabulary of docs/rules.md, verbatim. */
export const channelSchema = z.enum(['email', 'sms']).meta({ id: 'Channel' });
export type Channel = z.infer<typeof channelSchema>;

export const purposeCategorySchema = z
  .enum(['marketing', 'profiling', 'non_commercial', 'transactional', 'repermission'])
  .meta({ id: 'PurposeCategory' });
export type PurposeCategory = z.infer<typeof purposeCategorySchema>;

export const audienceSchema = z.enum(['consumer', 'professional']).meta({ id: 'Audience' });
export type Audience = z.infer<typeof audienceSchema>;

export const basisSchema = z
  .enum(['consent', 'soft_opt_in', 'legitimate_interest_b2b', 'non_commercial', 'contract', 'repermission'])
  .meta({ id: 'Basis' });
export type Basis = z.infer<typeof basisSchema>;

export const reasonCodeSchema = z
  .enum([
    'unknown_purpose',
    'sender_not_allowed',
    'suppressed_bounce',
    'suppressed_complaint',
    'objection',
    'prospect_expired',
    'customer_lapsed',
    'explicit_consent_required',
    'consent_missing',
    'consent_unproven',
    'consent_invalid',
    'consent_withdrawn',
    'soft_opt_in_not_applicable',
    'not_job_related',
    'not_informed_at_collection',
    'repermission_not_allowed',
    'complaint_rate_hold',
    'quiet_hours',
  ])
  .meta({ id: 'ReasonCode' });
export type ReasonCode = z.infer<typeof reasonCodeSchema>;

export const ruleIdSchema = z
  .enum([
    'R1',
    'R2',
    'R3',
    'R4',
    'R5',
    'R6',
    'R7',
    'R8',
    'R9',
    'R10',
    'R11',
    'R12',
    'R13',
    'R14',
    'R15',
    'R16',
  ])
  .meta({ id: 'RuleId' });
export type RuleId = z.infer<typeof ruleIdSchema>;

/**
 * How a consent was collected. The last group are the methods R3 declares invalid:
 * a consent recorded with one of them never counts (`consent_invalid`).
 */
export const validConsentMethods = [
  'web_form',
  'double_opt_in',
  'paper_form',
  'phone_recorded',
  'sms_keyword',
  'preference_center',
  'consent_page',
  'in_store',
] as const;
export const invalidConsentMethods = [
  'pre_ticked_box',
  'bundled_with_terms',
  'terms_acceptance',
  'silence',
  'inactivity',
  'scrolling',
] as const;
export const consentMethodSchema = z
  .enum([...validConsentMethods, ...invalidConsentMethods])
  .meta({ id: 'ConsentMethod' });
export type ConsentMethod = z.infer<typeof consentMethodSchema>;

export const objectionMethodSchema = z
  .enum([
    'unsubscribe_link',
    'one_click',
    // R10 / RFC 2369: a mail to the List-Unsubscribe mailto: address.
    'mailto',
    'sms_stop',
    'spam_complaint',
    'preference_center',
    'request_to_controller',
    'erasure_request',
  ])
  .meta({ id: 'ObjectionMethod' });
export type ObjectionMethod = z.infer<typeof objectionMethodSchema>;

/**
 * RULES.md vocabulary, "Time": an instant in, with any offset or precision, one canonical
 * UTC string out (`2026-06-01T20:00:00.000Z`), so that nothing stored or compared downstream
 * depends on how the sender wrote it (a `-08:00` objection compared as text).
 */
export const isoDateTimeSchema = z.iso
  .datetime({ offset: true })
  .meta({
    description:
      "ISO 8601 instant with any offset and precision, stored in UTC. A person's act dated more than 5 minutes after the gate's clock is refused (400 naming the field).",
  })
  .refine((v) => !Number.isNaN(instantMs(v)), 'is not a valid instant')
  .transform(canonicalInstant);
