import { z } from 'zod';

/**
 * The SES v2 `SendEmail` request as the AWS SDK and CLI serialise it (REST-JSON,
 * PascalCase). Fields the gateway does not use (ConfigurationSetName, ListManagementOptions,
 * feedback addresses…) are accepted and ignored, as a client may always send them.
 */
const content = z.object({ Data: z.string(), Charset: z.string().optional() }).loose();
const tag = z.object({ Name: z.string().min(1).max(256), Value: z.string().max(256) }).loose();
const addresses = z.array(z.string().max(400)).max(50).optional();

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
