import * as z from 'zod';
import { objectionSchema } from './recipient';
import { channelSchema } from './vocabulary';

/**
 * R7: an unsubscribe accepted while the store was unavailable, as it travels on the durable
 * objection queue: the verified token's claims and the objection with its proof. The
 * objection id derives from message and purpose, so applying it twice records it once.
 */
export const queuedObjectionSchema = z
  .object({
    version: z.literal(1),
    tenant: z.string().min(1).max(63),
    recipientKey: z.string().length(43),
    channel: channelSchema,
    objection: objectionSchema,
    /** When the gateway accepted the objection and answered the person (the objection's `at`). */
    acceptedAt: z.string(),
  })
  .strict()
  .meta({ id: 'QueuedObjection' });
export type QueuedObjection = z.infer<typeof queuedObjectionSchema>;
