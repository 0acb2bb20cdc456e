import { z } from 'zod';

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
    'sms_stop',
    'spam_complaint',
    'preference_center',
    'request_to_controller',
    'erasure_request',
  ])
  .meta({ id: 'ObjectionMethod' });
export type ObjectionMethod = z.infer<typeof objectionMethodSchema>;

export const isoDateTimeSchema = z.iso.datetime({ offset: true });
