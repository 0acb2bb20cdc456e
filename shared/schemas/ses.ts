import * as z from 'zod';

/**
 * The SES v2 `SendEmail` request as the AWS SDK and CLI serialise it (REST-JSON,
 * PascalCase). Fields the gateway does not use (ConfigurationSetName, ListManagementOptions,
 * feedback addresses…) are accepted and ignored, as a client may always send them.
 */
const content = z.object({ Data: z.string(), Charset: z.string().optional() }).loose();
const tag = z.object({ Name: z.string().min(1).max(256), Value: z.string().max(256) }).loose();
const addresses = z.array(z.string().max(400)).max(50).optional();
/** SES v2 refuses more than 50 recipients per message, To, Cc and Bcc together. */
export const MAX_SES_RECIPIENTS = 50;
/** A value SES writes into a MIME header of the attachment: a line break would start another header. */
const headerValue = (max: number) =>
  z
    .string()
    .max(max)
    .refine((v) => !/[\r\n]/.test(v), 'must not contain line breaks');
/** SES v2 `Attachment`: forwarded to SES as given, its bytes unchanged (never dropped). */
const attachment = z
  .object({
    /** The SDK sends the file's bytes base64-encoded. */
    RawContent: z.base64(),
    FileName: headerValue(255).pipe(z.string().min(1)),
    ContentType: headerValue(255).optional(),
    ContentDisposition: z.enum(['ATTACHMENT', 'INLINE']).optional(),
    ContentId: headerValue(255).optional(),
    ContentDescription: headerValue(1000).optional(),
    ContentTransferEncoding: z.enum(['BASE64', 'QUOTED_PRINTABLE', 'SEVEN_BIT']).optional(),
  })
  .loose();

export const sesSendEmailSchema = z
  .object({
    FromEmailAddress: z.string().max(400).optional(),
    Destination: z
      .object({ ToAddresses: addresses, CcAddresses: addresses, BccAddresses: addresses })
      .loose()
      .optional(),
    ReplyToAddresses: z.array(z.string().max(400)).max(10).optional(),
    EmailTags: z.array(tag).max(50).optional(),
    Content: z
      .object({
        Simple: z
          .object({
            Subject: content,
            Body: z.object({ Text: content.optional(), Html: content.optional() }).loose(),
            Headers: z
              .array(z.object({ Name: z.string(), Value: z.string() }).loose())
              .max(50)
              .optional(),
            Attachments: z.array(attachment).optional(),
          })
          .loose()
          .optional(),
        /** The SDK sends the raw message's bytes base64-encoded. */
        Raw: z.object({ Data: z.base64() }).loose().optional(),
        Template: z.unknown().optional(),
      })
      .loose(),
  })
  .loose();
export type SesSendEmailInput = z.output<typeof sesSendEmailSchema>;
