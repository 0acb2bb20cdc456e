import type { RecipientState } from '../schemas/recipient';
import type { TenantSettings } from '../schemas/tenant';
import { instantMs } from './instant';
import { own } from './own';

/** A day in ms: retention periods are counted in whole UTC days. */
export const DAY_MS = 86_400_000;

export function addDays(iso: string, days: number): Date {
  return new Date(Date.parse(iso) + days * DAY_MS);
}

/**
 * Epoch ms of an instant that may be absent: `NaN` for none, so that the comparisons below
 * need no guard (a comparison with `NaN` is false, `Math.min` and `Math.max` give `NaN`).
 */
function ms(iso: string | undefined): number {
  return iso === undefined ? Number.NaN : instantMs(iso);
}

function asInstant(t: number | undefined): string | undefined {
  return t === undefined ? undefined : new Date(t).toISOString();
}

/**
 * RULES.md "Time": a fact cannot have happened after it was recorded. A date later than its
 * record (stored before future dates were refused at recording) counts as of the recording,
 * so that a purchase "made" next year neither gives soft opt-in (R2) nor stretches
 * retention (R9). A record always has its time (the schema requires it), so `NaN` comes
 * only from an absent date, and stays `NaN`.
 */
function notAfter(date: string, recordedMs: number): number {
  // The record's time is read once per record by the callers, not once per date.
  return Math.min(instantMs(date), recordedMs);
}

/** The later of a running latest (NaN: none yet) and an instant (NaN: absent). */
const later = (latest: number, t: number) => (Number.isNaN(t) || t <= latest ? latest : t);
const orUndefined = (latest: number) => (Number.isNaN(latest) ? undefined : latest);

// Loops, not arrays spread and filtered: a decision reads these on every call (R2, R9).
/** R2/R9: the last purchase, whatever the family, as epoch ms; undefined for a prospect. */
export function lastPurchaseMs(state: RecipientState): number | undefined {
  const profile = state.profile;
  // No purchase, nothing to read (the record's time is not parsed for nothing).
  if (profile === undefined || profile.purchases.length === 0) return undefined;
  const recorded = ms(profile.updatedAt);
  let latest = Number.NaN;
  for (const p of profile.purchases) latest = later(latest, notAfter(p.at, recorded));
  return orUndefined(latest);
}

/** R2/R9: the last purchase, whatever the family, as a canonical instant; undefined for a prospect. */
export function lastPurchaseAt(state: RecipientState): string | undefined {
  return asInstant(lastPurchaseMs(state));
}

/** The last activity; `purchase` is lastPurchaseMs(state), which it includes (the later of both). */
function lastActivityMs(state: RecipientState, purchase: number | undefined): number | undefined {
  const profile = state.profile;
  let latest = Number.NaN;
  if (profile !== undefined) {
    const recorded = ms(profile.updatedAt);
    if (profile.collection !== undefined) latest = later(latest, notAfter(profile.collection.at, recorded));
    if (profile.lastActivityAt !== undefined)
      latest = later(latest, notAfter(profile.lastActivityAt, recorded));
  }
  if (purchase !== undefined) latest = later(latest, purchase);
  for (const purpose in state.consents) {
    const grant = own(state.consents, purpose)?.grant;
    if (grant === undefined) continue;
    const recorded = ms(grant.recordedAt);
    if (grant.givenAt !== undefined) latest = later(latest, notAfter(grant.givenAt, recorded));
    if (grant.confirmedAt !== undefined) latest = later(latest, notAfter(grant.confirmedAt, recorded));
  }
  return orUndefined(latest);
}

/**
 * R9: the last contact coming from the person, as a canonical instant: collection, declared
 * activity, purchases, consents given, withdrawals and objections are all their acts. An
 * email open is not (the tenant reports `lastActivityAt` without opens).
 */
export function lastActivityAt(state: RecipientState): string | undefined {
  return asInstant(lastActivityMs(state, lastPurchaseMs(state)));
}

/**
 * R9: when the recipient's personal data falls out of retention: prospect retention after
 * the last activity, or customer retention after the last purchase, whichever is later.
 * Undefined when nothing about the person is dated (nothing to retain). `purchase` is
 * lastPurchaseMs(state), for a caller that has it already (decide reads it for R2 too).
 */
export function retentionEnd(
  state: RecipientState,
  settings: TenantSettings,
  purchase: number | undefined = lastPurchaseMs(state),
): Date | undefined {
  const end = retentionEndMs(state, settings, purchase);
  return end === undefined ? undefined : new Date(end);
}

/** retentionEnd as epoch ms: decide() compares it with now as numbers, without a Date each time. */
export function retentionEndMs(
  state: RecipientState,
  settings: TenantSettings,
  purchase: number | undefined = lastPurchaseMs(state),
): number | undefined {
  const activity = lastActivityMs(state, purchase);
  if (activity === undefined) return undefined;
  const asProspect = activity + settings.prospectRetentionDays * DAY_MS;
  // No purchase: the prospect end alone counts.
  if (purchase === undefined) return asProspect;
  return Math.max(asProspect, purchase + settings.customerRetentionDays * DAY_MS);
}

/** DynamoDB TTL: seconds since the epoch. */
export function ttlOf(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** What the retention plan needs to know of a stored item. */
export interface RetentionItem {
  readonly sk: string;
  readonly entity: string;
  readonly ttl?: number;
  /** When the fact it records happened (objections, suppressions, audit events). */
  readonly at?: string;
  readonly auditType?: string;
}

/** R11: what honours an opposition is kept on its own, longer retention, not the person's. */
const OPPOSITION_ENTITIES = new Set(['objection', 'objectionScope', 'suppression']);

/**
 * R9 and R11: the TTL each item of a recipient's partition should carry. Personal data
 * (profile, consents, messages, pending and deferred items, their audit events) expires
 * with the recipient's retention; the opposition entries and the audit events that prove
 * them expire `suppressionRetentionDays` after they were recorded. Returns only the items
 * whose TTL must change.
 */
export function retentionPlan(
  items: readonly RetentionItem[],
  state: RecipientState,
  settings: TenantSettings,
  keptAuditTypes: readonly string[],
): { sk: string; ttl: number }[] {
  const end = retentionEnd(state, settings);
  const plan: { sk: string; ttl: number }[] = [];
  for (const item of items) {
    // The re-plan request itself is deleted once served (services/retention.ts).
    if (item.entity === RETENTION_REPLAN_ENTITY) continue;
    const ttl = itemTtl(item, end, settings, keptAuditTypes);
    if (ttl !== undefined && ttl !== item.ttl) plan.push({ sk: item.sk, ttl });
  }
  return plan;
}

/** The entity of a pending request to re-plan a partition's TTLs (services/retention.ts). */
export const RETENTION_REPLAN_ENTITY = 'retentionReplan';

/**
 * R9 and R11: the TTL one item should carry, given the end of the recipient's retention:
 * opposition entries and the audit events that prove them on their own clock, everything
 * else at `end`. Undefined when nothing is dated yet.
 */
export function itemTtl(
  item: Pick<RetentionItem, 'entity' | 'at' | 'auditType'>,
  end: Date | undefined,
  settings: TenantSettings,
  keptAuditTypes: readonly string[],
): number | undefined {
  const opposition =
    OPPOSITION_ENTITIES.has(item.entity) ||
    (item.entity === 'audit' && item.auditType !== undefined && keptAuditTypes.includes(item.auditType));
  if (opposition) {
    return item.at === undefined ? undefined : ttlOf(addDays(item.at, settings.suppressionRetentionDays));
  }
  return end === undefined ? undefined : ttlOf(end);
}

/**
 * R9: the expiry of a record written now about a recipient (a message, a decision): the end
 * of the recipient's retention, or, for a recipient with nothing dated yet, the prospect
 * retention from now.
 */
export function recordTtl(state: RecipientState, settings: TenantSettings, now: Date): number {
  return ttlOf(retentionEnd(state, settings) ?? addDays(now.toISOString(), settings.prospectRetentionDays));
}
