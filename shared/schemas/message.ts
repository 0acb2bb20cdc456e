import * as z from 'zod';
import {
  FRAMESET_PROBLEM,
  htmlCanShowLink,
  MAX_HTML_DEPTH,
  MAX_PLACEHOLDERS,
} from '../domain/inject-unsubscribe';
import { emailBase, instantSchema, isObjectPayload, mailboxSchema, NO_LINE_BREAKS, smsBase } from './api';

/*
 * POST /v1/messages (and the bulk queue's messages): apart from ./api.ts because the email
 * variant's frameset check parses HTML (parse5). The functions that never send (decisions,
 * state, operator, pages) import ./api.ts only, and bundle neither parse5 nor these schemas.
 */

/** Limits keep every message well under SES's 40 MB and API Gateway's 10 MB payload limits. */
export const MAX_HTML_LENGTH = 2_000_000;
export const MAX_TEXT_LENGTH = 500_000;

/** POST /v1/messages: a scheduled send (stored, decided again when due). */
const sendAtField = {
  sendAt: instantSchema.optional().meta({
    description:
      'Send later, at most 30 days ahead: the message is stored and decided again against the latest state when due (an objection meanwhile wins); the answer is `scheduled` with its id, and DELETE /v1/messages/{messageId} cancels it. An instant up to 5 minutes past sends now.',
    example: '2026-12-05T10:00:00+01:00',
  }),
};

export const MAX_SMS_BODY_LENGTH = 1600;

export const sendEmailSchema = z
  .object({
    ...emailBase,
    subject: z.string().min(1).max(998).regex(NO_LINE_BREAKS, 'must not contain line breaks'),
    html: z
      .string()
      .min(1)
      .max(MAX_HTML_LENGTH)
      .refine(htmlCanShowLink, FRAMESET_PROBLEM)
      .optional()
      .meta({
        description: `R10: the gateway always adds its own unsubscribe footer, last in <body> and styled inline with !important, to every marketing message; {{unsubscribe_url}} (and {{preferences_url}}) may add links of the sender's own, never replace the footer. Refused with a 400 naming html: a frameset document, elements nested more than ${MAX_HTML_DEPTH} deep, more than ${MAX_PLACEHOLDERS} placeholders.`,
      }),
    text: z
      .string()
      .min(1)
      .max(MAX_TEXT_LENGTH)
      .optional()
      .meta({
        description: `R10: the gateway always appends its unsubscribe line to every marketing message; {{unsubscribe_url}} is filled in too. At most ${MAX_PLACEHOLDERS} placeholders.`,
      }),
    replyTo: mailboxSchema.optional(),
    ...sendAtField,
    idempotencyKey: z.string().min(1).max(200).optional().meta({
      description:
        'Sends once per key (per tenant and recipient, kept 24 hours): a retry or a concurrent duplicate answers the first outcome, and the same key with another message to the recipient is refused (422)',
      example: 'order-1234-shipped',
    }),
  })
  .strict()
  .refine((m) => m.html !== undefined || m.text !== undefined, {
    message: 'html or text is required',
    path: ['html'],
    // Report it alongside other problems, not only once the rest is valid.
    when: isObjectPayload,
  })
  .meta({ id: 'SendEmailRequest' });

export const sendSmsSchema = z
  .object({
    ...smsBase,
    body: z
      .string()
      .min(1)
      .max(MAX_SMS_BODY_LENGTH)
      .meta({ description: 'The text; the opt-out mention is appended to marketing SMS (R10)' }),
    ...sendAtField,
    idempotencyKey: z.string().min(1).max(200).optional().meta({
      description:
        'Sends once per key (per tenant and recipient, kept 24 hours): a retry or a concurrent duplicate answers the first outcome, and the same key with another message to the recipient is refused (422)',
    }),
  })
  .strict()
  .meta({ id: 'SendSmsRequest' });

/** Discriminated by channel, so that a 400 names the failing field of the right variant. */
export const sendMessageSchema = z
  .discriminatedUnion('channel', [sendEmailSchema, sendSmsSchema])
  .meta({ id: 'SendMessageRequest' });
export type SendMessageRequest = z.output<typeof sendMessageSchema>;
export type SendEmailRequest = z.output<typeof sendEmailSchema>;
export type SendSmsRequest = z.output<typeof sendSmsSchema>;
