import type { RecipientState } from '../schemas/recipient';
import type { TenantSettings } from '../schemas/tenant';

const DAY_MS = 86_400_000;

export function addDays(iso: string, days: number): Date {
  return new Date(Date.parse(iso) + days * DAY_MS);
}

function latest(dates: readonly (string | undefined)[]): string | undefined {
  let best: string | undefined;
  let bestMs = Number.NEGATIVE_INFINITY;
  for (const d of dates) {
    if (d === undefined) continue;
    const ms = Date.parse(d);
    if (ms > bestMs) {
      bestMs = ms;
      best = d;
    }
  }
  return best;
}

/** R2/R9: the last purchase, whatever the family; undefined for a prospect. */
export function lastPurchaseAt(state: RecipientState): string | undefined {
  return latest((state.profile?.purchases ?? []).map((p) => p.at));
}

/**
 * R9: the last contact coming from the person: collection, declared activity, purchases,
 * consents given, withdrawals and objections are all their acts. An email open is not
 * (the tenant reports `lastActivityAt` without opens).
 */
export function lastActivityAt(state: RecipientState): string | undefined {
  const profile = state.profile;
  return latest([
    profile?.collection?.at,
    profile?.lastActivityAt,
    ...(profile?.purchases ?? []).map((p) => p.at),
    ...Object.values(state.consents).flatMap((c) => [c.grant?.givenAt, c.grant?.confirmedAt]),
  ]);
}

/**
 * R9: when the recipient's personal data falls out of retention: prospect retention after
 * the last activity, or customer retention after the last purchase, whichever is later.
 * Undefined when nothing about the person is dated (nothing to retain).
 */
export function retentionEnd(state: RecipientState, settings: TenantSettings): Date | undefined {
  const activity = lastActivityAt(state);
  if (activity === undefined) return undefined;
  const asProspect = addDays(activity, settings.prospectRetentionDays);
  const purchase = lastPurchaseAt(state);
  if (purchase === undefined) return asProspect;
  const asCustomer = addDays(purchase, settings.customerRetentionDays);
  return asCustomer.getTime() > asProspect.getTime() ? asCustomer : asProspect;
}
