import { type CountedEvent, countedEventOf, recipientItemOf } from '../domain/counters';
import { inParallel } from '../domain/in-parallel';
import { changesStanding, type StandingName, standingOf } from '../domain/inventory';
import type { StreamRecordLike } from '../domain/stream-events';
import { type CounterStore, StandingConflictError } from '../ports/counter-store';
import type { Tenant } from '../schemas/tenant';
import type { Channel, ReasonCode } from '../schemas/vocabulary';
import type { Dependencies } from './dependencies';

/** Recipients whose standing is recomputed at once (each one strongly consistent Query). */
const STANDING_CONCURRENCY = 8;
/** Reads again when another consumer moved a standing meanwhile. */
const STANDING_ATTEMPTS = 4;

type CounterDeps = Pick<Dependencies, 'store' | 'tenants' | 'clock' | 'log'> & { counters: CounterStore };

/**
 * CountEvents' work on one batch of the table's stream: the events' counts (each event
 * once: the store keeps a marker per event) and the standings of the recipients whose state
 * changed, recomputed from their state as it is now (so a record handed twice moves
 * nothing the second time: the standing stored is already that state's). A failure throws:
 * the consumer hands the batch again, and what was counted is not counted twice.
 */
export async function countStreamRecords(
  deps: CounterDeps,
  records: readonly StreamRecordLike[],
): Promise<{ counted: number; duplicates: number; standings: number }> {
  const events: CountedEvent[] = [];
  const touched = new Map<string, Set<string>>();
  for (const record of records) {
    let event: CountedEvent | undefined;
    let owner: ReturnType<typeof recipientItemOf>;
    try {
      event = countedEventOf(record);
      owner = recipientItemOf(record);
    } catch (error) {
      // An image the mapping cannot read is not a figure: counted as nothing, never a batch
      // handed again and again until the stream drops it with the records after it.
      deps.log.warn('stream record not readable for the counters; left out', {
        sequenceNumber: record.dynamodb?.SequenceNumber,
        error: (error as Error).message,
      });
      continue;
    }
    if (event) events.push(event);
    if (owner === undefined || !changesStanding(owner.sk)) continue;
    const keys = touched.get(owner.tenantId) ?? new Set<string>();
    touched.set(owner.tenantId, keys);
    keys.add(owner.recipientKey);
  }
  const { counted, duplicates } =
    events.length > 0 ? await deps.counters.countEvents(events) : { counted: 0, duplicates: 0 };
  let standings = 0;
  for (const [tenantId, keys] of touched) standings += await restand(deps, tenantId, [...keys]);
  return { counted, duplicates, standings };
}

/** Recomputes and stores the standings of some recipients of one tenant; returns how many moved. */
async function restand(deps: CounterDeps, tenantId: string, recipientKeys: string[]): Promise<number> {
  // A tenant that no longer exists counts nobody: its recipients' standings go to nothing.
  const tenant: Tenant | undefined = await deps.tenants.getTenant(tenantId);
  for (let attempt = 1; ; attempt++) {
    const before = await deps.counters.getStandings(tenantId, recipientKeys);
    const after = new Map<string, readonly StandingName[]>();
    const now = deps.clock.now();
    await inParallel(recipientKeys, STANDING_CONCURRENCY, async (key) => {
      const state = tenant === undefined ? undefined : await deps.store.getRecipientState(tenantId, key);
      after.set(key, tenant === undefined || state === undefined ? [] : standingOf(tenant, state, now));
    });
    const changes = recipientKeys.map((key) => ({
      recipientKey: key,
      before: before.get(key) ?? [],
      after: after.get(key) ?? [],
    }));
    try {
      await deps.counters.putStandings(tenantId, changes);
      return changes.filter((c) => c.before.join('\n') !== c.after.join('\n')).length;
    } catch (error) {
      if (!(error instanceof StandingConflictError) || attempt >= STANDING_ATTEMPTS) throw error;
      deps.log.warn('standings moved meanwhile; read again', { tenantId, attempt });
    }
  }
}

/** The console's overview of one tenant, as series over its days (oldest first). */
export interface Overview {
  readonly tenantId: string;
  /** The UTC days of the window, oldest first; every per-day series below has one value per day. */
  readonly days: readonly string[];
  readonly decisions: {
    readonly sent: readonly number[];
    readonly rejected: readonly number[];
    readonly deferred: readonly number[];
    /** Totals over the window per outcome, channel and purpose, largest first. */
    readonly breakdown: readonly {
      outcome: 'sent' | 'rejected' | 'deferred';
      channel: Channel;
      purpose: string;
      total: number;
    }[];
  };
  /** Reasons of the rejections over the window, most frequent first, with their per-day series. */
  readonly reasons: readonly {
    reason: ReasonCode;
    channel: Channel;
    total: number;
    perDay: readonly number[];
  }[];
  /** R7: objections per channel and method, with their per-day series, largest first. */
  readonly objections: readonly {
    channel: Channel;
    method: string;
    total: number;
    perDay: readonly number[];
  }[];
  /**
   * Mailbox provider thresholds: email deliveries and complaints per day (the counts the hold
   * is judged on), the rate per day (null without deliveries), the thresholds and the hold.
   */
  readonly complaintRate: {
    readonly sends: readonly number[];
    readonly complaints: readonly number[];
    readonly rate: readonly (number | null)[];
    readonly warningRate: number;
    readonly holdRate: number;
    readonly hold?: { readonly since: string; readonly rate: number };
  };
  readonly inventory: {
    readonly recipients: readonly { channel: Channel; audience: string; count: number }[];
    /** Per channel and purpose: how many could be sent to now, on which basis. */
    readonly sendable: readonly { channel: Channel; purpose: string; basis: string; count: number }[];
    readonly repermissionOnly: readonly { channel: Channel; count: number }[];
    readonly suppressed: readonly { channel: Channel; count: number }[];
  };
}

const DAY_MS = 86_400_000;

/** The `days` UTC days ending on `now`'s, oldest first. */
export function windowDays(now: Date, days: number): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: days }, (_, i) =>
    new Date(today - (days - 1 - i) * DAY_MS).toISOString().slice(0, 10),
  );
}

/**
 * The overview of a tenant over the last `days` UTC days: two Queries (the counter partition,
 * the complaint-rate days) and the tenant's item, whatever the size of its base.
 */
export async function readOverview(
  deps: Pick<Dependencies, 'tenants' | 'complaints'> & { counters: CounterStore },
  tenantId: string,
  options: { days: number; now: Date },
): Promise<Overview> {
  const days = windowDays(options.now, options.days);
  const from = days[0]!;
  const to = days[days.length - 1]!;
  const [counters, rateDays, tenant] = await Promise.all([
    deps.counters.readCounters(tenantId, from, to),
    deps.complaints.listComplaintRateDays(tenantId, from, to),
    deps.tenants.getTenant(tenantId),
  ]);
  const index = new Map(days.map((d, i) => [d, i]));
  const zeros = () => days.map(() => 0);
  const outcomes = { sent: zeros(), rejected: zeros(), deferred: zeros() };
  const breakdown = new Map<
    string,
    { outcome: 'sent' | 'rejected' | 'deferred'; channel: Channel; purpose: string; total: number }
  >();
  const reasons = new Map<
    string,
    { reason: ReasonCode; channel: Channel; total: number; perDay: number[] }
  >();
  const objections = new Map<string, { channel: Channel; method: string; total: number; perDay: number[] }>();
  for (const item of counters.days) {
    const i = index.get(item.day);
    if (i === undefined) continue;
    for (const [name, n] of Object.entries(item.counts)) {
      const parts = name.split('|');
      if (item.kind === 'decisions') {
        const [outcome, channel, purpose] = parts as ['sent' | 'rejected' | 'deferred', Channel, string];
        if (!(outcome in outcomes)) continue;
        outcomes[outcome][i]! += n;
        const entry = breakdown.get(name) ?? { outcome, channel, purpose, total: 0 };
        entry.total += n;
        breakdown.set(name, entry);
      } else if (item.kind === 'reasons') {
        const [reason, channel] = parts as [ReasonCode, Channel];
        const entry = reasons.get(name) ?? { reason, channel, total: 0, perDay: zeros() };
        entry.total += n;
        entry.perDay[i]! += n;
        reasons.set(name, entry);
      } else {
        const [channel, method] = parts as [Channel, string];
        const entry = objections.get(name) ?? { channel, method, total: 0, perDay: zeros() };
        entry.total += n;
        entry.perDay[i]! += n;
        objections.set(name, entry);
      }
    }
  }
  const sends = zeros();
  const complaints = zeros();
  for (const d of rateDays) {
    const i = index.get(d.day);
    if (i === undefined) continue;
    sends[i] = d.sends;
    complaints[i] = d.complaints;
  }
  const inventory = {
    recipients: [] as { channel: Channel; audience: string; count: number }[],
    sendable: [] as { channel: Channel; purpose: string; basis: string; count: number }[],
    repermissionOnly: [] as { channel: Channel; count: number }[],
    suppressed: [] as { channel: Channel; count: number }[],
  };
  for (const [name, count] of Object.entries(counters.inventory)) {
    if (count === 0) continue;
    const [what, channel, a, b] = name.split('|') as [string, Channel, string, string];
    if (what === 'recipients') inventory.recipients.push({ channel, audience: a, count });
    else if (what === 'basis') inventory.sendable.push({ channel, purpose: a, basis: b, count });
    else if (what === 'repermissionOnly') inventory.repermissionOnly.push({ channel, count });
    else if (what === 'suppressed') inventory.suppressed.push({ channel, count });
  }
  const byName =
    <T extends { channel: string }>(key: (t: T) => string) =>
    (x: T, y: T) =>
      x.channel.localeCompare(y.channel) || key(x).localeCompare(key(y));
  inventory.recipients.sort(byName((r) => r.audience));
  inventory.sendable.sort(byName((s) => `${s.purpose}|${s.basis}`));
  const largest = (x: { total: number }, y: { total: number }) => y.total - x.total;
  const settings = tenant?.settings.complaintRate;
  return {
    tenantId,
    days,
    decisions: { ...outcomes, breakdown: [...breakdown.values()].sort(largest) },
    reasons: [...reasons.values()].sort(largest),
    objections: [...objections.values()].sort(largest),
    complaintRate: {
      sends,
      complaints,
      rate: sends.map((s, i) => (s > 0 ? complaints[i]! / s : null)),
      warningRate: settings?.warningRate ?? 0.001,
      holdRate: settings?.holdRate ?? 0.003,
      ...(tenant?.hold ? { hold: { since: tenant.hold.since, rate: tenant.hold.rate } } : {}),
    },
    inventory,
  };
}
