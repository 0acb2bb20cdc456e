import * as z from 'zod';
import { InvalidInputError } from '../../schemas/validation';
import { escapeHtml as e, type Lang } from '../pages/layout';

/**
 * The console's form fields and their schemas: each form is parsed with zod, and a problem
 * is shown on the page naming its field, as a 400 of the API does.
 */
export const channelSchema = z.enum(['email', 'sms']);
export const addressLookupSchema = z.object({
  channel: channelSchema.default('email'),
  address: z.string().trim().min(1, 'is required').max(320, 'is longer than 320 characters'),
});
export const messageLookupSchema = addressLookupSchema.extend({
  messageId: z.string().trim().min(1, 'is required').max(200, 'is longer than 200 characters'),
});
/** A recipient key (R11's keyed hash, base64url), as the recipient page's forms carry it. */
export const recipientKeyFieldSchema = z.object({
  recipientKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'is not a recipient key'),
  channel: channelSchema.default('email'),
});

export type Issue = { readonly field: string; readonly problem: string };

/** The form's fields as the schema reads them (FormData's strings only; files are ignored). */
export function parseForm<S extends z.ZodType>(
  schema: S,
  form: FormData | undefined,
): { ok: true; data: z.output<S> } | { ok: false; issues: Issue[] } {
  const fields: Record<string, string> = {};
  for (const [name, value] of form?.entries() ?? []) if (typeof value === 'string') fields[name] = value;
  const result = schema.safeParse(fields);
  if (result.success) return { ok: true, data: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((i) => ({ field: i.path.join('.') || 'form', problem: i.message })),
  };
}

/** A service's 400 (InvalidInputError) as the page's issues; anything else is thrown on. */
export function issuesOf(error: unknown): Issue[] {
  if (error instanceof InvalidInputError)
    return error.issues.map((i) => ({ field: i.field, problem: i.problem }));
  throw error;
}

export function issueList(issues: readonly Issue[]): string {
  if (issues.length === 0) return '';
  return `<div class="notice error" role="alert" id="form-errors"><ul class="plain">${issues
    .map((i) => `<li><code>${e(i.field)}</code>: ${e(i.problem)}</li>`)
    .join('')}</ul></div>\n`;
}

const LABELS = {
  en: { channel: 'Channel', email: 'Email', sms: 'SMS', address: 'Address (email or phone number)' },
  fr: { channel: 'Canal', email: 'E-mail', sms: 'SMS', address: 'Adresse (e-mail ou numéro de téléphone)' },
} as const;

/** The channel and address fields of a lookup; the address is hashed, never stored (R11). */
export function addressFields(
  lang: Lang,
  values: { channel?: string; address?: string },
  invalid: readonly Issue[],
): string {
  const t = LABELS[lang];
  const wrong = (field: string) =>
    invalid.some((i) => i.field === field) ? ' aria-invalid="true" aria-describedby="form-errors"' : '';
  const option = (value: 'email' | 'sms') =>
    `<option value="${value}"${values.channel === value ? ' selected' : ''}>${t[value]}</option>`;
  return `<label class="field" for="channel">${t.channel}</label>
<select id="channel" name="channel">${option('email')}${option('sms')}</select>
<label class="field" for="address">${t.address}</label>
<input type="text" id="address" name="address" autocomplete="off" spellcheck="false" required value="${e(values.address ?? '')}"${wrong('address')}>`;
}
