import * as z from 'zod';

/**
 * The SES v2 `SendEmail` request as the AWS SDK and CLI serialise it (REST-JSON,
 * PascalCase). Every field that changes what SES does with the message is forwarded or
 * refused by name (services/ses-send-email.ts), never silently dropped.
 */
const content = z.object({ Data: z.string(), Charset: z.string().optional() }).loose();
const tag = z.object({ Name: z.string().min(1).max(256), Value: z.string().max(256) }).loose();
const addresses = z.array(z.string().max(400)).max(50).optional();
/** SES v2 refuses more than 50 recipients per message, To, Cc and Bcc together. */
export const MAX_SES_RECIPIENTS = 50;
/**
 * The largest raw message the SES endpoint takes: its request reaches Lambda through API
 * Gateway, whose synchronous invocation payload is at most 6 MB, and holds the message
 * base64-encoded (4 bytes for 3) in JSON beside the event's headers. The SMTP relay
 * advertises and enforces the same SIZE, so a message is not sendable on one surface and
 * not on the other.
 */
export const MAX_SES_RAW_MESSAGE_BYTES = 4 * 1024 * 1024;
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

/**
 * SES v2 `Template` content: a stored template by name (or ARN, whose last part names it),
 * or the template inline (`TemplateContent`), with its data as a JSON string.
 */
const templateContent = z
  .object({
    TemplateName: z.string().max(64).optional(),
    TemplateArn: z.string().max(2048).optional(),
    TemplateContent: z
      .object({ Subject: z.string().optional(), Html: z.string().optional(), Text: z.string().optional() })
      .loose()
      .optional(),
    TemplateData: z.string().max(262_144).optional(),
    Headers: z
      .array(z.object({ Name: z.string(), Value: z.string() }).loose())
      .max(50)
      .optional(),
    Attachments: z.array(attachment).optional(),
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
        Template: templateContent.optional(),
      })
      .loose(),
    ConfigurationSetName: z.string().min(1).max(64).optional(),
    FeedbackForwardingEmailAddress: z.string().max(400).optional(),
    FeedbackForwardingEmailAddressIdentityArn: z.string().max(2048).optional(),
    FromEmailAddressIdentityArn: z.string().max(2048).optional(),
    ListManagementOptions: z
      .object({ ContactListName: z.string(), TopicName: z.string().optional() })
      .loose()
      .optional(),
    EndpointId: z.string().optional(),
    TenantName: z.string().optional(),
  })
  .loose();
export type SesSendEmailInput = z.output<typeof sesSendEmailSchema>;

/** SES's limits on a template name: letters, digits, "_" and "-", at most 64. */
const templateName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'may hold only letters, digits, "_" and "-"');

export const sesTemplateContentSchema = z
  .object({ Subject: z.string().optional(), Html: z.string().optional(), Text: z.string().optional() })
  .loose()
  .refine((c) => c.Html !== undefined || c.Text !== undefined, 'needs Html or Text');

/** CreateEmailTemplate (POST /v2/email/templates). */
export const sesCreateTemplateSchema = z
  .object({
    TemplateName: templateName,
    TemplateContent: sesTemplateContentSchema,
    Tags: z
      .array(z.object({ Key: z.string().min(1).max(128), Value: z.string().max(256) }).loose())
      .max(50)
      .optional(),
  })
  .loose();
/** UpdateEmailTemplate (PUT /v2/email/templates/{TemplateName}): the name comes from the path. */
export const sesUpdateTemplateSchema = z.object({ TemplateContent: sesTemplateContentSchema }).loose();
export const sesTemplateNameSchema = templateName;

const bulkEntry = z
  .object({
    Destination: z
      .object({ ToAddresses: addresses, CcAddresses: addresses, BccAddresses: addresses })
      .loose(),
    ReplacementTags: z.array(tag).max(50).optional(),
    ReplacementEmailContent: z
      .object({
        ReplacementTemplate: z
          .object({ ReplacementTemplateData: z.string().max(262_144).optional() })
          .loose()
          .optional(),
      })
      .loose()
      .optional(),
    ReplacementHeaders: z
      .array(z.object({ Name: z.string(), Value: z.string() }).loose())
      .max(50)
      .optional(),
  })
  .loose();

/** SES v2 accepts at most 50 entries per SendBulkEmail call. */
export const MAX_SES_BULK_ENTRIES = 50;

/** SendBulkEmail (POST /v2/email/outbound-bulk-emails): SES's DefaultContent is a template only. */
export const sesSendBulkEmailSchema = z
  .object({
    FromEmailAddress: z.string().max(400).optional(),
    FromEmailAddressIdentityArn: z.string().max(2048).optional(),
    ReplyToAddresses: z.array(z.string().max(400)).max(10).optional(),
    FeedbackForwardingEmailAddress: z.string().max(400).optional(),
    FeedbackForwardingEmailAddressIdentityArn: z.string().max(2048).optional(),
    DefaultEmailTags: z.array(tag).max(50).optional(),
    DefaultContent: z.object({ Template: templateContent }).loose(),
    BulkEmailEntries: z.array(bulkEntry).min(1).max(MAX_SES_BULK_ENTRIES),
    ConfigurationSetName: z.string().min(1).max(64).optional(),
    EndpointId: z.string().optional(),
    TenantName: z.string().optional(),
  })
  .loose();
export type SesSendBulkEmailInput = z.output<typeof sesSendBulkEmailSchema>;
