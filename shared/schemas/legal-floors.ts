import * as z from 'zod';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24h)');

/**
 * The floors the deployment (the operator, through the construct's
 * `legalFloors` prop) sets under every tenant's settings. Tenants may be stricter, never looser.
 */
export const legalFloorsSchema = z
  .object({
    /** R14: the widest SMS window a tenant may set. */
    smsWindow: z
      .object({
        days: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5, 6]),
        start: hhmm.default('08:00'),
        end: hhmm.default('20:00'),
        /** true: a tenant may not send marketing SMS on public holidays. */
        skipPublicHolidays: z.boolean().default(true),
      })
      .strict()
      .default({ days: [1, 2, 3, 4, 5, 6], start: '08:00', end: '20:00', skipPublicHolidays: true }),
    /** R10: what a tenant's own opt-out mention must contain. */
    optOutMention: z
      .object({
        requireStop: z.boolean().default(true),
        requireShortCode: z.boolean().default(true),
      })
      .strict()
      .default({ requireStop: true, requireShortCode: true }),
    /** Mailbox provider thresholds: the highest complaint hold rate a tenant may set (0.003 = 0.3%). */
    maxHoldRate: z.number().positive().max(1).default(0.003),
  })
  .strict();
export type LegalFloors = z.output<typeof legalFloorsSchema>;
export type LegalFloorsInput = z.input<typeof legalFloorsSchema>;

export const DEFAULT_LEGAL_FLOORS: LegalFloors = legalFloorsSchema.parse({});
