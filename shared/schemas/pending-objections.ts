import * as z from 'zod';
import { objectionSchema } from './recipient';

/**
 * R7: a recipient key's pending objections as stored (an S3 object in AWS, a file locally):
 * what the decision needs, without the proof's IP address and user agent (R11: no more
 * personal data than the purpose needs; the proof travels on the objection queue). Parsed
 * on every read: a document that does not parse is a read failure, and the send fails closed.
 */
export const pendingObjectionSchema = objectionSchema.omit({ ip: true, userAgent: true }).strict();

export const pendingObjectionsDocumentSchema = z
  .object({
    version: z.literal(1),
    objections: z.array(pendingObjectionSchema).max(1_000),
  })
  .strict();
export type PendingObjectionsDocument = z.infer<typeof pendingObjectionsDocumentSchema>;

/** The copy kept in the fallback: the proof's IP address and user agent left out. */
export function pendingCopy(
  objection: z.infer<typeof objectionSchema>,
): z.infer<typeof pendingObjectionSchema> {
  const { ip: _ip, userAgent: _userAgent, ...kept } = objection;
  return kept;
}
