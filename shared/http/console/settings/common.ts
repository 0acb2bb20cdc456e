import type * as z from 'zod';
import frenchLocale from 'zod/v4/locales/fr.js';
import { frenchSpacing, frenchSpacingOf } from '../../../domain/french-typography';
import type { AssignedIdentities } from '../../../schemas/identity';
import type { Tenant } from '../../../schemas/tenant';
import { InvalidInputError } from '../../../schemas/validation';
import { IdentityNotAssignedError, WordingExistsError } from '../../../services/errors';
import { escapeHtml as e, type Lang } from '../../pages/layout';
import { type Issue, issueList } from '../fields';
import type { ConsoleRequest, ConsoleResult } from '../router';

/**
 * What the Settings sections share: their common words, the HTML of a table and of a form's
 * invalid field, the parse of a form with the API's own schema, and the pages an action
 * answers (done, refused, not found). Each section (keys.ts, hold.ts, purposes.ts,
 * wordings.ts, identities.ts, sms-senders.ts, sms.ts) renders its part of the page and
 * exports its routes; index.ts composes them.
 */
export const COMMON = {
  en: {
    title: 'Settings',
    none: 'None.',
    cancel: 'Cancel',
    yes: 'yes',
    no: 'no',
    id: 'Id',
    refused: 'Not saved: the field named below is wrong. Nothing was changed.',
    forbidden: 'Not allowed: nothing was changed.',
  },
  fr: frenchSpacingOf({
    title: 'Paramètres',
    none: 'Aucun.',
    cancel: 'Annuler',
    yes: 'oui',
    no: 'non',
    id: 'Id',
    refused: 'Non enregistré : le champ nommé ci-dessous est incorrect. Rien n’a été modifié.',
    forbidden: 'Action non autorisée : rien n’a été modifié.',
  }),
} as const;

// Only the French locale: `z.locales` would bundle every language zod has (about 200 KiB).
const FRENCH = frenchLocale();

/** What the page's sections read, once per page. */
export interface SettingsData {
  readonly tenant: Tenant;
  readonly identities: AssignedIdentities;
}

export const code = (v: unknown) => (typeof v === 'string' && v !== '' ? `<code>${e(v)}</code>` : '—');

export function table(lang: Lang, head: readonly string[], rows: readonly string[]): string {
  return rows.length === 0
    ? `<p>${COMMON[lang].none}</p>`
    : `<div class="table-wrap"><table><thead><tr>${head.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

/** An ISO weekday (1 = Monday) by its name: 1 January 2024 was a Monday. */
export const weekday = (lang: Lang, day: number) =>
  new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { weekday: 'long', timeZone: 'UTC' }).format(
    new Date(Date.UTC(2024, 0, day)),
  );

/** The attributes of a field a problem names (its path, or a part of it: `topics.0`, `window.end`). */
export function invalid(issues: readonly Issue[], ...fields: readonly string[]): string {
  const named = issues.some((i) => fields.some((f) => i.field === f || i.field.startsWith(`${f}.`)));
  return named ? ' aria-invalid="true" aria-describedby="form-errors"' : '';
}

/** A form's text field, trimmed ('' when absent). */
export function field(form: FormData | undefined, name: string): string {
  const v = form?.get(name);
  return typeof v === 'string' ? v.trim() : '';
}

/** A comma-separated field as a list (`it, software` → ['it', 'software']). */
export const listOf = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/**
 * The input built from a form, parsed with the API route's own schema: its problems name
 * the fields as a 400 of the API does (`window.end`, `topics.0`).
 */
export function parseAs<S extends z.ZodType>(
  lang: Lang,
  schema: S,
  input: unknown,
  prefix?: string,
): { ok: true; data: z.output<S> } | { ok: false; issues: Issue[] } {
  // zod's own French messages for its generic problems; a schema's own message stays as written.
  const result = schema.safeParse(input, lang === 'fr' ? { error: FRENCH.localeError } : undefined);
  if (result.success) return { ok: true, data: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((i) => ({
      field: [prefix, ...i.path.map(String)].filter((p) => p !== undefined && p !== '').join('.') || 'form',
      problem: lang === 'fr' ? frenchSpacing(i.message) : i.message,
    })),
  };
}

/**
 * A service's refusal as the form's problems and status: a 400 (InvalidInputError), a 409
 * (a wording version stored with another text), a 403 (an identity not this tenant's, under
 * `field`). Anything else is thrown on (a store failure is the console's 503 page).
 */
export function refusalOf(
  error: unknown,
  field: (identity: string) => string,
): { status: number; issues: Issue[] } {
  if (error instanceof InvalidInputError) return { status: 400, issues: [...error.issues] };
  if (error instanceof WordingExistsError) return { status: 409, issues: [...error.issues] };
  if (error instanceof IdentityNotAssignedError)
    return { status: 403, issues: [{ field: field(error.identity), problem: error.message }] };
  throw error;
}

/** A form refused: the form again, its problems named above it. */
export function refused(
  r: ConsoleRequest,
  title: string,
  issues: readonly Issue[],
  form: string,
  status = 400,
): ConsoleResult {
  return {
    kind: 'page',
    status,
    title,
    body: `<h1>${title}</h1>\n<p>${COMMON[r.lang].refused}</p>\n${issueList(issues)}${form}`,
  };
}

/** What an action changed: its facts, and the way back to Settings. */
export function done(r: ConsoleRequest, title: string, lead: string, details: string): ConsoleResult {
  const t = COMMON[r.lang];
  return {
    kind: 'page',
    title,
    body: `<h1>${title}</h1>
<p class="notice" role="status">${lead}</p>
${details}
<p><a href="/console/settings">${t.title}</a></p>`,
  };
}

export function notFound(r: ConsoleRequest, text: string): ConsoleResult {
  const t = COMMON[r.lang];
  return {
    kind: 'page',
    status: 404,
    title: t.title,
    body: `<h1>${t.title}</h1>\n<p class="notice warning" role="status">${text}</p>\n<p><a href="/console/settings">${t.title}</a></p>`,
  };
}

/** The buttons under a form: submit, and back to Settings (not on the Settings page itself). */
export const actions = (r: ConsoleRequest, submit: string, cancel = true) =>
  `<div class="actions"><button type="submit">${submit}</button>${cancel ? ` <a href="/console/settings">${COMMON[r.lang].cancel}</a>` : ''}</div>`;
