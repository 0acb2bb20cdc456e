import * as z from 'zod';
import { auditEventSchema } from './audit';
import { complaintHoldLiftSchema, complaintHoldSchema } from './tenant';

/** GET /v1/complaint-rate and DELETE /v1/complaint-hold answers (mailbox provider thresholds). */
export const complaintRateDaySchema = z
  .object({
    day: z.string().meta({ description: 'UTC day, YYYY-MM-DD' }),
    sends: z.number().int(),
    complaints: z.number().int(),
  })
  .meta({ id: 'ComplaintRateDay' });

export const complaintRateResponseSchema = z
  .object({
    windowDays: z.number().int(),
    from: z.string().meta({ description: 'First UTC day of the window' }),
    to: z.string().meta({ description: 'Last UTC day of the window (today)' }),
    sends: z.number().int().meta({ description: 'Deliveries reported by SES in the window' }),
    complaints: z.number().int(),
    rate: z
      .number()
      .nullable()
      .meta({ description: 'complaints / sends (0.003 = 0.3%); null without sends' }),
    thresholds: z.object({ holdRate: z.number(), warningRate: z.number(), minSends: z.number().int() }),
    enoughVolume: z.boolean().meta({ description: 'At least minSends deliveries: the rate is judged' }),
    status: z.enum(['ok', 'warning', 'hold']),
    hold: complaintHoldSchema.optional(),
    lastHoldLift: complaintHoldLiftSchema.optional(),
    days: z.array(complaintRateDaySchema).meta({ description: 'Every day of the window, oldest first' }),
    history: z
      .array(auditEventSchema)
      .meta({ description: 'The latest holds set and lifted (tenant audit trail), newest first' }),
  })
  .meta({ id: 'ComplaintRate' });

export const complaintHoldLiftResponseSchema = z
  .object({
    lifted: z.boolean().meta({ description: 'false: there was no hold, nothing changed' }),
    message: z.string(),
    lastHoldLift: complaintHoldLiftSchema.optional(),
  })
  .meta({ id: 'ComplaintHoldLiftResult' });
