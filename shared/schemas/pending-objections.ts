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

type Pending = z.infer<typeof pendingObjectionSchema>;

/**
 * The edits both stores apply under their own concurrency control (a conditional write in
 * S3, a rename on disk): the list with the objection added, or undefined when it is already
 * there (same id: nothing to write).
 */
export function withPending(
  objections: readonly Pending[],
  objection: z.infer<typeof objectionSchema>,
): Pending[] | undefined {
  return objections.some((o) => o.id === objection.id) ? undefined : [...objections, pendingCopy(objection)];
}

/** The list without the objection, or undefined when it is not there (nothing to write). */
export function withoutPending(objections: readonly Pending[], objectionId: string): Pending[] | undefined {
  return objections.some((o) => o.id === objectionId)
    ? objections.filter((o) => o.id !== objectionId)
    : undefined;
}
