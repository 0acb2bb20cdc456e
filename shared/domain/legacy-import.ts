import { createHash } from 'node:crypto';
import { type ConsentGrant, preTickedAsGiven } from '../schemas/recipient';
import type { Purpose, Tenant } from '../schemas/tenant';
import { type Channel, type ConsentMethod, consentMethodSchema } from '../schemas/vocabulary';
import { AddressError, normalizeEmail } from './address';
import { checkConsent } from './decide';
import { isFutureDated } from './instant';
import { own } from './own';
import { PhoneNumberError, parsePhone } from './phone';
import { addDays } from './retention';

/**
 * R16: one row of a legacy base (a CSV line already mapped to these names) and what the
 * import makes of it. Pure: no I/O, no clock (the caller passes `now`), no key; the
 * recipient key and ids are derived by the caller from `normalizedAddress`.
 */
export interface LegacyRow {
  readonly address?: string;
  readonly channel?: string;
  readonly purpose?: string;
  readonly optin_at?: string;
  readonly method?: string;
  readonly source?: string;
  readonly wording?: string;
  readonly wording_version?: string;
  readonly ip?: string;
  readonly pre_ticked?: string;
  /** R3: controllers named to the person, separated by `;` (must include the tenant). */
  readonly controllers?: string;
  readonly opted_out?: string;
  readonly last_activity_at?: string;
  readonly purchase_family?: string;
  readonly purchase_at?: string;
  /** R2: a free, simple way to refuse was offered at collection. */
  readonly opt_out_offered?: string;
  readonly hard_bounce?: string;
}

/** Every column the import understands, in the default header's order. */
export const LEGACY_COLUMNS = [
  'address',
  'channel',
  'purpose',
  'optin_at',
  'method',
  'source',
  'wording',
  'wording_version',
  'ip',
  'pre_ticked',
  'opted_out',
  'last_activity_at',
  'purchase_family',
  'purchase_at',
  'hard_bounce',
  'controllers',
  'opt_out_offered',
] as const satisfies readonly (keyof LegacyRow)[];

export const LEGACY_OUTCOMES = [
  'migrated_consent',
  'soft_opt_in',
  'needs_repermission',
  'opted_out',
  'expired',
  'bounced',
  'invalid',
] as const;
export type LegacyOutcome = (typeof LEGACY_OUTCOMES)[number];

interface Located {
  readonly channel: Channel;
  readonly normalizedAddress: string;
  readonly purpose: Purpose;
}

export type Classification =
  | { readonly outcome: 'invalid'; readonly reason: string }
  /** R16/R8: a suppression entry on the channel. */
  | (Located & { readonly outcome: 'bounced'; readonly at: string })
  /** R16/R11: an objection to all marketing on the channel. */
  | (Located & { readonly outcome: 'opted_out'; readonly at: string })
  /** R16/R9: purged; nothing personal is stored. */
  | (Located & { readonly outcome: 'expired'; readonly reason: string })
  /** R16/R3: the consent is stored with its proof (without id and recordedAt, set by the caller). */
  | (Located & {
      readonly outcome: 'migrated_consent';
      readonly grant: Omit<ConsentGrant, 'id' | 'recordedAt'>;
      readonly lastActivityAt: string;
    })
  /** R2: a customer of the purpose's product family, offered a way to refuse. */
  | (Located & {
      readonly outcome: 'soft_opt_in';
      readonly purchase: { productFamily: string; at: string };
      readonly lastActivityAt: string;
    })
  /** R13: kept, marked for repermission; `reason` says why the opt-in did not migrate. */
  | (Located & {
      readonly outcome: 'needs_repermission';
      readonly reason: string;
      readonly lastActivityAt?: string;
      readonly purchase?: { productFamily: string; at: string };
    });

const TRUE = new Set(['1', 'true', 'yes', 'y', 'oui', 'o', 'x']);
const FALSE = new Set(['', '0', 'false', 'no', 'n', 'non']);

function blank(value: string | undefined): value is undefined {
  return value === undefined || value.trim() === '';
}

/** Yes/no columns: undefined when the value is not a recognised flag (the row is then invalid). */
function flag(value: string | undefined): boolean | undefined {
  const v = (value ?? '').trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  return undefined;
}

/**
 * False for the two dates Date.parse reads although they are not on the calendar, rolling
 * them forward: a day past the end of its month (31 February becomes 3 March) and the hour
 * 24. The import would otherwise record a proof (R3: when it was given) dated on a day
 * nobody wrote. Date.parse itself refuses a month past 12, a day past 31, a minute or a
 * second past 59.
 */
function onTheCalendar(parts: RegExpExecArray): boolean {
  const n = (i: number) => Number(parts[i]);
  // Day 0 of the next month is the last day of this one.
  const daysInMonth = new Date(Date.UTC(n(1), n(2), 0)).getUTCDate();
  return n(3) <= daysInMonth && n(4) <= 23;
}

/** A date as ISO 8601 (a bare `YYYY-MM-DD` is midnight UTC); undefined when absent, null when unreadable. */
function date(value: string | undefined, now: Date): string | undefined | null {
  if (blank(value)) return undefined;
  const v = value.trim();
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v;
  const parts = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/.exec(
    iso,
  );
  if (parts === null || !onTheCalendar(parts)) return null;
  const ms = Date.parse(iso);
  // A date in the future is a data-entry error, not a proof (R3: when it was given); the
  // same few minutes of clock skew as the API allows (RULES.md "Time").
  if (Number.isNaN(ms) || isFutureDated(iso, now)) return null;
  return new Date(ms).toISOString();
}

function latest(dates: readonly (string | undefined)[]): string | undefined {
  let best: string | undefined;
  // Compared as instants (RULES.md "Time"), not as text.
  for (const d of dates)
    if (d !== undefined && (best === undefined || Date.parse(d) > Date.parse(best))) best = d;
  return best;
}

/** R16: classifies one legacy row, in the order docs/rules.md checks a decision. */
export function classifyLegacyRow(tenant: Tenant, row: LegacyRow, now: Date): Classification {
  const invalid = (reason: string): Classification => ({ outcome: 'invalid', reason });

  const channel = (row.channel ?? '').trim().toLowerCase();
  if (channel !== 'email' && channel !== 'sms') return invalid('channel must be email or sms');
  if (blank(row.address)) return invalid('address is missing');
  let normalizedAddress: string;
  try {
    normalizedAddress =
      channel === 'email'
        ? normalizeEmail(row.address)
        : parsePhone(row.address, tenant.settings.sms.defaultRegion).e164;
  } catch (error) {
    if (error instanceof AddressError || error instanceof PhoneNumberError) {
      return invalid(`address ${error.message}`);
    }
    throw error;
  }
  const purpose = own(tenant.purposes, (row.purpose ?? '').trim());
  if (purpose === undefined) return invalid('unknown purpose');

  const dates: Record<string, string | undefined> = {};
  for (const field of ['optin_at', 'last_activity_at', 'purchase_at'] as const) {
    const d = date(row[field], now);
    if (d === null) return invalid(`${field} is not a past ISO 8601 date`);
    dates[field] = d;
  }
  const flags: Record<string, boolean> = {};
  for (const field of ['pre_ticked', 'opted_out', 'hard_bounce', 'opt_out_offered'] as const) {
    const f = flag(row[field]);
    if (f === undefined) return invalid(`${field} must be yes/no`);
    flags[field] = f;
  }
  let method: ConsentMethod | undefined;
  if (!blank(row.method)) {
    const parsed = consentMethodSchema.safeParse(row.method.trim());
    if (!parsed.success) return invalid('method is not a known consent method');
    method = parsed.data;
  }
  const located: Located = { channel, normalizedAddress, purpose };
  const at = now.toISOString();

  // R8 first: a hard-bounced address is suppressed whatever else the row says.
  if (flags.hard_bounce) return { ...located, outcome: 'bounced', at };
  // R11: a known opt-out becomes an objection (kept as a keyed hash, whatever retention says).
  if (flags.opted_out) return { ...located, outcome: 'opted_out', at: dates.last_activity_at ?? at };

  // R9: the last act of the person: opt-in, activity or purchase.
  const lastActivity = latest([dates.optin_at, dates.last_activity_at, dates.purchase_at]);
  if (lastActivity === undefined) {
    return { ...located, outcome: 'expired', reason: 'no dated act of the person: retention cannot run' };
  }
  const prospectEnd = addDays(lastActivity, tenant.settings.prospectRetentionDays);
  const customerEnd =
    dates.purchase_at === undefined
      ? undefined
      : addDays(dates.purchase_at, tenant.settings.customerRetentionDays);
  const end = customerEnd && customerEnd > prospectEnd ? customerEnd : prospectEnd;
  if (end.getTime() <= now.getTime()) {
    return { ...located, outcome: 'expired', reason: `retention ended on ${end.toISOString().slice(0, 10)}` };
  }

  const purchase =
    dates.purchase_at !== undefined && !blank(row.purchase_family)
      ? { productFamily: row.purchase_family.trim(), at: dates.purchase_at }
      : undefined;

  // R3 through decide's own check, so that a migrated consent is exactly one the decision accepts.
  let notMigrated = 'no opt-in recorded';
  if (dates.optin_at !== undefined || method !== undefined) {
    const controllers = blank(row.controllers)
      ? undefined
      : row.controllers
          .split(';')
          .map((c) => c.trim())
          .filter((c) => c !== '');
    const grant: Omit<ConsentGrant, 'id' | 'recordedAt'> = {
      givenAt: dates.optin_at,
      method,
      wording: blank(row.wording) ? undefined : row.wording,
      wordingVersion: blank(row.wording_version) ? undefined : row.wording_version.trim(),
      source: blank(row.source) ? undefined : row.source.trim(),
      controllers,
      explicit: false,
      preTicked: preTickedAsGiven({ method, preTicked: flags.pre_ticked ?? false }),
      ip: blank(row.ip) ? undefined : row.ip.trim(),
    };
    const check = checkConsent(
      { purpose: purpose.id, grant: { ...grant, id: 'legacy', recordedAt: at } },
      tenant,
    );
    if (check.ok && !purpose.sensitive) {
      return { ...located, outcome: 'migrated_consent', grant, lastActivityAt: lastActivity };
    }
    notMigrated = check.ok
      ? 'R12: a sensitive purpose needs explicit consent'
      : check.failures.map((f) => f.message).join('; ');
  }

  // R2: soft opt-in only for a sale in the purpose's family, with a refusal offered, not profiling.
  if (
    purchase !== undefined &&
    flags.opt_out_offered &&
    purpose.category === 'marketing' &&
    !purpose.sensitive &&
    purpose.productFamily !== undefined &&
    purpose.productFamily === purchase.productFamily &&
    customerEnd !== undefined &&
    customerEnd.getTime() > now.getTime()
  ) {
    return { ...located, outcome: 'soft_opt_in', purchase, lastActivityAt: lastActivity };
  }

  return {
    ...located,
    outcome: 'needs_repermission',
    reason: notMigrated,
    lastActivityAt: lastActivity,
    purchase,
  };
}

/**
 * Deterministic ids (idempotent re-runs): a hash of the tenant and the row's meaningful
 * content, so that importing the same file twice writes the same items.
 */
export function legacyRowHash(tenantId: string, row: LegacyRow): string {
  const h = createHash('sha256').update(tenantId);
  for (const column of LEGACY_COLUMNS) h.update(`\n${column}=${(row[column] ?? '').trim()}`);
  return h.digest('base64url').slice(0, 22);
}
