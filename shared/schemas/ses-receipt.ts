import * as z from 'zod';

/**
 * The event an SES receipt rule's Lambda action delivers (Records[].ses.mail / .receipt),
 * reduced to what the mailto unsubscribe reads (R10 / RFC 2369). Unknown fields are ignored;
 * bounds keep a hostile mail from making the function work hard.
 */
const verdict = z
  .object({ status: z.enum(['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED', 'DISABLED']) })
  .optional();

export const sesReceiptRecordSchema = z.object({
  eventSource: z.literal('aws:ses'),
  ses: z.object({
    mail: z.object({
      messageId: z.string().min(1).max(200),
      timestamp: z.string().max(100),
      commonHeaders: z
        .object({
          from: z.array(z.string().max(1000)).max(50).optional(),
          date: z.string().max(200).optional(),
          messageId: z.string().max(1000).optional(),
        })
        .optional(),
    }),
    receipt: z.object({
      recipients: z.array(z.string().max(320)).min(1).max(100),
      spfVerdict: verdict,
      dkimVerdict: verdict,
      dmarcVerdict: verdict,
    }),
  }),
});
export const sesReceiptEventSchema = z.object({ Records: z.array(sesReceiptRecordSchema).min(1).max(100) });
export type SesReceiptRecord = z.infer<typeof sesReceiptRecordSchema>;
export type SesReceiptEvent = z.infer<typeof sesReceiptEventSchema>;
