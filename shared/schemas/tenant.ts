import * as z from 'zod';
import { feedbackSettingsSchema } from './feedback';
import { purposeCategorySchema } from './vocabulary';

const idSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be 1-63 characters: lower-case letters, digits, "-" or "_"');

export const purposeIdSchema = idSchema.meta({ description: 'Purpose id, declared by the tenant' });
export const tenantIdSchema = idSchema.meta({ description: 'Tenant id' });

export const purposeInputSchema = z
  .object({
    name: z.string().min(1).max(200).meta({ description: 'Shown to recipients (unsubscribe page)' }),
    category: purposeCategorySchema,
    productFamily: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .meta({ description: 'R2: soft opt-in only covers products of the family the customer bought' }),
    topics: z
      .array(z.string().min(1).max(100))
      .max(50)
      .default([])
      .meta({ description: "R4: professional topics; must meet the recipient's professional topics" }),
    sensitive: z
      .boolean()
      .default(false)
      .meta({ description: 'R12: built on special-category data; needs explicit consent' }),
    offers: z.array(z.string()).max(20).optional().meta({
      description:
        'Repermission purposes only (R13): the purposes its consent page asks for; default every marketing purpose',
    }),
    wordingVersion: z.string().min(1).max(100).optional().meta({
      description:
        'R3: a wording declared with PUT /v1/wordings, shown next to this purpose on the preference centre and consent page; by default a standard sentence in the page language, stored as a wording too',
    }),
  })
  .strict()
  .meta({ id: 'PurposeInput' });
export type PurposeInput = z.input<typeof purposeInputSchema>;

export const purposeSchema = purposeInputSchema.extend({ id: purposeIdSchema }).meta({ id: 'Purpose' });
export type Purpose = z.infer<typeof purposeSchema>;

export const wordingSchema = z
  .object({
    versionId: z.string(),
    text: z.string(),
    sha256: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'Wording' });
export type Wording = z.infer<typeof wordingSchema>;

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24h)');

/** R14: the SMS sending window, in the recipient's time zone. */
export const smsWindowSchema = z
  .object({
    days: z
      .array(z.number().int().min(1).max(7))
      .min(1)
      .default([1, 2, 3, 4, 5, 6])
      .meta({ description: 'ISO weekdays, 1 = Monday' }),
    start: hhmm.default('08:00'),
    end: hhmm.default('20:00'),
    skipPublicHolidays: z.boolean().default(true),
  })
  .strict()
  .refine((w) => w.start < w.end, { message: 'start must be before end', path: ['end'] })
  .meta({ id: 'SmsWindow' });

export const smsSettingsSchema = z
  .object({
    defaultRegion: z
      .string()
      .regex(/^[A-Z]{2}$/, 'must be an ISO 3166 region code such as FR')
      .default('FR')
      .meta({ description: 'Region used to read national numbers' }),
    optOutMention: z
      .string()
      .min(4)
      .max(60)
      .optional()
      .meta({ description: 'R10: free opt-out mention; default "STOP au <first short code>"' }),
    maxSegments: z.number().int().min(1).max(10).default(3),
    window: smsWindowSchema.default({
      days: [1, 2, 3, 4, 5, 6],
      start: '08:00',
      end: '20:00',
      skipPublicHolidays: true,
    }),
    configurationSetName: z.string().min(1).max(64).optional().meta({
      description: "End User Messaging configuration set for this tenant's SMS; default: the deployment's",
    }),
    keywordPurposes: z
      .array(z.string())
      .optional()
      .meta({ description: 'Purposes a START reply consents to; default: every marketing purpose' }),
  })
  .strict()
  .meta({ id: 'SmsSettings' });
export type SmsSettings = z.infer<typeof smsSettingsSchema>;

/** R10: who a marketing SMS may come from. */
export const smsSenderTypeSchema = z
  .enum(['short_code', 'alphanumeric', 'long_code'])
  .meta({ id: 'SmsSenderType' });
export const smsSenderSchema = z
  .object({
    id: z.string(),
    type: smsSenderTypeSchema,
    originationIdentity: z
      .string()
      .min(1)
      .max(256)
      .meta({ description: 'End User Messaging phone number, sender id or pool (id or ARN)' }),
  })
  .meta({ id: 'SmsSender' });
export type SmsSender = z.infer<typeof smsSenderSchema>;

/** The complaint-rate hold: marketing-like email is refused with `complaint_rate_hold` while it is set. */
export const complaintHoldSchema = z
  .object({
    since: z.string().meta({ description: 'When the hold was set (ISO 8601)' }),
    rate: z.number().meta({ description: 'Complaint rate over the window when the hold was set' }),
    sends: z.number().int(),
    complaints: z.number().int(),
    windowDays: z.number().int(),
  })
  .meta({ id: 'ComplaintHold' });
export type ComplaintHold = z.infer<typeof complaintHoldSchema>;

/**
 * The last lift of a hold: who, when, the hold lifted, and what the lift day had counted at
 * that moment (the baseline), so that the complaints behind the hold do not set it again.
 */
export const complaintHoldLiftSchema = z
  .object({
    at: z.string().meta({ description: 'When the hold was lifted (ISO 8601)' }),
    by: z.object({ type: z.enum(['admin_key', 'console_user']), id: z.string() }).meta({
      description: 'The admin key that lifted it, by its id, or the console user, by their sub',
    }),
    hold: complaintHoldSchema,
    baseline: z
      .object({ day: z.string(), sends: z.number().int(), complaints: z.number().int() })
      .meta({ description: 'Sends and complaints counted on the lift day (UTC) when it was lifted' }),
  })
  .meta({ id: 'ComplaintHoldLift' });
export type ComplaintHoldLift = z.infer<typeof complaintHoldLiftSchema>;

export const COMPLAINT_RATE_DEFAULTS = {
  windowDays: 7,
  holdRate: 0.003,
  warningRate: 0.001,
  minSends: 1000,
} as const;

/**
 * Mailbox provider thresholds (docs/rules.md): the email complaint rate over a rolling window of
 * UTC days, complaints / deliveries. At `holdRate`, marketing sends are held
 * (`complaint_rate_hold`) until an admin lifts the hold; `warningRate` raises the alarm.
 * `windowDays` 7: mailbox providers judge recent days (Gmail reports a daily rate and its
 * compliance status follows the last several days), so a month-long window would dilute a bad
 * campaign's spike below the threshold; a single day would be noise at small volumes.
 * `minSends`: below this many deliveries in the window the rate is not judged, so one
 * complaint out of ten messages does not hold a small tenant (1,000 is the smallest volume at
 * which 0.3% means three complaints, not one; Gmail shows no rate below about 1,000 a day).
 */
export const complaintRateSettingsSchema = z
  .object({
    windowDays: z.number().int().min(1).max(90).default(COMPLAINT_RATE_DEFAULTS.windowDays).meta({
      description: 'Rolling window, in UTC days (today included)',
    }),
    holdRate: z.number().positive().max(1).default(COMPLAINT_RATE_DEFAULTS.holdRate).meta({
      description: 'Complaint rate (0.003 = 0.3%) at which marketing email is held',
    }),
    warningRate: z.number().positive().max(1).default(COMPLAINT_RATE_DEFAULTS.warningRate).meta({
      description: 'Complaint rate (0.001 = 0.1%) at which the alarm fires',
    }),
    minSends: z.number().int().min(1).default(COMPLAINT_RATE_DEFAULTS.minSends).meta({
      description: 'Deliveries in the window below which the rate is not judged (no hold, no warning)',
    }),
  })
  .strict()
  .refine((s) => s.warningRate <= s.holdRate, {
    message: 'warningRate must not be above holdRate',
    path: ['warningRate'],
  })
  .meta({ id: 'ComplaintRateSettings' });
export type ComplaintRateSettings = z.infer<typeof complaintRateSettingsSchema>;

/**
 * R3 double opt-in: at most one confirmation mail pending per recipient and purpose
 * within `windowHours` (default 24 h): asking again on the consent page within the window
 * sends nothing and says a link was already sent, so the page cannot be used to flood a
 * mailbox. Once the window has passed, a new link may be asked for. The same window holds
 * for the fresh preferences link (R15) mailed from an unsubscribe or stale preferences
 * page: at most one per recipient per window; that link is valid `freshLinkHours`.
 */
export const CONFIRMATION_DEFAULTS = { windowHours: 24, freshLinkHours: 24 };
export const confirmationSettingsSchema = z
  .object({
    windowHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 30)
      .default(CONFIRMATION_DEFAULTS.windowHours)
      .meta({
        description:
          'Hours during which a second confirmation mail for the same purpose (or a second fresh preferences link) is not sent',
      }),
    freshLinkHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 7)
      .default(CONFIRMATION_DEFAULTS.freshLinkHours)
      .meta({
        description:
          'R15: hours a fresh preferences link (mailed to the address, or minted with POST /v1/links) stays valid',
      }),
  })
  .strict()
  .meta({ id: 'ConfirmationSettings' });
export type ConfirmationSettings = z.infer<typeof confirmationSettingsSchema>;

/** Per-tenant parameters of docs/rules.md, with its defaults. */
export const tenantSettingsSchema = z
  .object({
    prospectRetentionDays: z
      .number()
      .int()
      .positive()
      .default(3 * 365),
    customerRetentionDays: z
      .number()
      .int()
      .positive()
      .default(3 * 365),
    suppressionRetentionDays: z
      .number()
      .int()
      .positive()
      .default(3 * 365),
    /** R13: prospects within this many days of the end of their retention may get a repermission message. */
    repermissionWindowDays: z.number().int().positive().default(90),
    /** R13: repermission messages per recipient and purpose, at most. */
    repermissionMaxPerPurpose: z.number().int().positive().default(1),
    sms: smsSettingsSchema.default({
      defaultRegion: 'FR',
      maxSegments: 3,
      window: { days: [1, 2, 3, 4, 5, 6], start: '08:00', end: '20:00', skipPublicHolidays: true },
    }),
    /** The SES v2 endpoint reads the purpose from the `EmailTags` entry of this name. */
    purposeTagName: z.string().min(1).max(256).default('purpose'),
    /** Mailbox provider thresholds (docs/rules.md): see complaintRateSettingsSchema. */
    complaintRate: complaintRateSettingsSchema.default({ ...COMPLAINT_RATE_DEFAULTS }),
    /** R3: the consent page's confirmation mails (see confirmationSettingsSchema). */
    confirmation: confirmationSettingsSchema.default({ ...CONFIRMATION_DEFAULTS }),
    /** The tenant's own SES feedback, forwarded (PUT /v1/settings/feedback); absent, not forwarded. */
    feedback: feedbackSettingsSchema.optional(),
  })
  .meta({ id: 'TenantSettings' });
export type TenantSettings = z.infer<typeof tenantSettingsSchema>;

export const tenantSchema = z
  .object({
    id: tenantIdSchema,
    name: z.string().meta({ description: 'Brand shown to recipients' }),
    /** Names under which consents may have been given to this controller (R3: controllers named). */
    controllerNames: z.array(z.string()),
    purposes: z.record(z.string(), purposeSchema),
    emailIdentities: z.array(z.string()).meta({ description: 'R10: domains or addresses allowed as From' }),
    smsSenders: z.record(z.string(), smsSenderSchema).default({}),
    wordings: z.record(z.string(), wordingSchema),
    settings: tenantSettingsSchema,
    /** Mailbox provider thresholds: set when the complaint rate crossed the hold threshold; lifted by an admin. */
    hold: complaintHoldSchema.optional(),
    /** The last time an admin lifted the hold (DELETE /v1/complaint-hold). */
    lastHoldLift: complaintHoldLiftSchema.optional(),
  })
  .meta({ id: 'Tenant' });
export type Tenant = z.infer<typeof tenantSchema>;
