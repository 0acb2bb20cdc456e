import * as z from 'zod';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24h)');

/**
 * The floors when the deployment sets none: R14 Monday to Saturday 08:00 to 20:00 and no
 * marketing SMS on public holidays, R10 STOP and the short code in a tenant's own opt-out
 * mention, a 0.3 % complaint hold rate. Written out rather than parsed from `{}` when the
 * module loads: every function imports this, and a first parse compiles zod's parser of the
 * object (test/unit/legal-floors.test.ts checks the schema gives these for `{}`).
 */
const DEFAULTS = {
  smsWindow: { days: [1, 2, 3, 4, 5, 6], start: '08:00', end: '20:00', skipPublicHolidays: true },
  optOutMention: { requireStop: true, requireShortCode: true },
  maxHoldRate: 0.003,
} as const;

/**
 * The floors the deployment (the operator, through the construct's
 * `legalFloors` prop) sets under every tenant's settings. Tenants may be stricter, never looser.
 */
export const legalFloorsSchema = z
  .object({
    /** R14: the widest SMS window a tenant may set. */
    smsWindow: z
      .object({
        days: z
          .array(z.number().int().min(1).max(7))
          .min(1)
          .default(() => [...DEFAULTS.smsWindow.days]),
        start: hhmm.default(DEFAULTS.smsWindow.start),
        end: hhmm.default(DEFAULTS.smsWindow.end),
        /** true: a tenant may not send marketing SMS on public holidays. */
        skipPublicHolidays: z.boolean().default(DEFAULTS.smsWindow.skipPublicHolidays),
      })
      .strict()
      .default(() => ({ ...DEFAULTS.smsWindow, days: [...DEFAULTS.smsWindow.days] })),
    /** R10: what a tenant's own opt-out mention must contain. */
    optOutMention: z
      .object({
        requireStop: z.boolean().default(DEFAULTS.optOutMention.requireStop),
        requireShortCode: z.boolean().default(DEFAULTS.optOutMention.requireShortCode),
      })
      .strict()
      .default(() => ({ ...DEFAULTS.optOutMention })),
    /** Mailbox provider thresholds: the highest complaint hold rate a tenant may set (0.003 = 0.3%). */
    maxHoldRate: z.number().positive().max(1).default(DEFAULTS.maxHoldRate),
  })
  .strict();
export type LegalFloors = z.output<typeof legalFloorsSchema>;
export type LegalFloorsInput = z.input<typeof legalFloorsSchema>;

export const DEFAULT_LEGAL_FLOORS: LegalFloors = {
  smsWindow: { ...DEFAULTS.smsWindow, days: [...DEFAULTS.smsWindow.days] },
  optOutMention: { ...DEFAULTS.optOutMention },
  maxHoldRate: DEFAULTS.maxHoldRate,
};
