import { randomUUID } from 'node:crypto';
import {
  type ComplaintRateEvaluation,
  evaluateComplaintRate,
  utcDay,
  windowDaysOf,
} from '../domain/complaint-rate';
import { complaintRateIssues } from '../domain/legal-floors';
import { NotFoundError } from '../ports/gateway-store';
import type { Actor, AuditEvent, AuditEventType } from '../schemas/audit';
import { gatewayEvent } from '../schemas/events';
import { DEFAULT_LEGAL_FLOORS } from '../schemas/legal-floors';
import type { ComplaintHold, ComplaintRateSettings, Tenant } from '../schemas/tenant';
import { InvalidInputError } from '../schemas/validation';
import type { Caller, Dependencies } from './dependencies';
import { actorOf } from './record-change';

/**
 * Mailbox provider thresholds (docs/rules.md): counting deliveries and complaints per tenant and
 * UTC day, judging the rate (domain/complaint-rate.ts), setting the hold that decide.ts turns
 * into `complaint_rate_hold`, and the admin's reading and lifting of it.
 *
 * Counting is by arrival (the gateway's clock), not by the event's own timestamp: SES
 * publishes within seconds, and the window is judged on the same clock.
 */

/** Counters outlive the longest window a tenant may set (90 days) by two days. */
export const COUNTER_TTL_DAYS = 92;
/** Deliveries lower the rate, but crossing `minSends` may make a standing rate judgeable: judged every this many. */
export const EVALUATE_EVERY_DELIVERIES = 100;
/** Tenant audit events listed with the rate. */
const HISTORY_LIMIT = 20;
const HOLD_EVENTS: readonly AuditEventType[] = ['complaint_hold.set', 'complaint_hold.lifted'];

const SYSTEM: Actor = { type: 'system', id: 'complaint-rate' };

function counterTtl(now: Date): number {
  return Math.floor(now.getTime() / 1000) + COUNTER_TTL_DAYS * 86_400;
}

const percent = (rate: number) => `${(rate * 100).toFixed(2)}%`;

export interface TenantEvaluation {
  readonly tenantId: string;
  readonly settings: ComplaintRateSettings;
  readonly evaluation: ComplaintRateEvaluation;
  /** The hold was set by this evaluation. */
  readonly holdSet: boolean;
}

/**
 * Counts `count` deliveries for the tenant today. The tenant is not read here (one write per
 * delivery, the hot path): the tag comes from the gateway's own sends. Every
 * EVALUATE_EVERY_DELIVERIES deliveries of a day, the rate is judged.
 *
 * Duplicates: SNS delivers at least once, and a redelivered Delivery event is counted again.
 * That is rare (a function that failed after its write) and errs towards more sends, a
 * slightly lower rate; complaints, the numerator, are counted exactly once.
 */
export async function countDeliveries(
  deps: Dependencies,
  tenantId: string,
  count: number,
): Promise<TenantEvaluation | undefined> {
  const now = deps.clock.now();
  const total = await deps.complaints.countDeliveries(tenantId, utcDay(now), count, counterTtl(now));
  const before = total - count;
  if (Math.floor(before / EVALUATE_EVERY_DELIVERIES) === Math.floor(total / EVALUATE_EVERY_DELIVERIES)) {
    return undefined;
  }
  const tenant = await deps.tenants.getTenant(tenantId);
  if (tenant === undefined) return undefined;
  return judge(deps, tenant, now);
}

/**
 * Counts one complaint (once per id: a redelivered SES complaint is 'duplicate'). The caller
 * judges the rate either way (`judge`), so that a judgement lost to a failure after the count
 * is made on SNS's retry.
 */
export async function countComplaint(
  deps: Dependencies,
  tenant: Tenant,
  complaintId: string,
): Promise<'counted' | 'duplicate'> {
  const now = deps.clock.now();
  return deps.complaints.countComplaint(tenant.id, utcDay(now), complaintId, counterTtl(now));
}

async function evaluate(deps: Dependencies, tenant: Tenant, now: Date): Promise<ComplaintRateEvaluation> {
  const settings = tenant.settings.complaintRate;
  const days = windowDaysOf(now, settings.windowDays);
  const counts = await deps.complaints.listComplaintRateDays(tenant.id, days[0]!, days.at(-1)!);
  return evaluateComplaintRate({
    counts,
    settings,
    now,
    held: tenant.hold !== undefined,
    lastLift: tenant.lastHoldLift?.baseline,
  });
}

/** Judges the rate and sets the hold when it is due. */
export async function judge(
  deps: Dependencies,
  tenant: Tenant,
  now = deps.clock.now(),
): Promise<TenantEvaluation> {
  const settings = tenant.settings.complaintRate;
  const evaluation = await evaluate(deps, tenant, now);
  let holdSet = false;
  if (evaluation.holdDue) {
    const { sends, complaints } = evaluation.judged;
    const hold: ComplaintHold = {
      since: now.toISOString(),
      rate: complaints / sends,
      sends,
      complaints,
      windowDays: settings.windowDays,
    };
    holdSet = (await deps.complaints.setComplaintHold(tenant.id, hold)) === 'set';
    if (holdSet) {
      await recordTenantEvent(deps, tenant.id, {
        type: 'complaint_hold.set',
        actor: SYSTEM,
        at: hold.since,
        why: `Mailbox provider thresholds: complaint rate ${percent(hold.rate)} over ${hold.windowDays} days reached the hold threshold ${percent(settings.holdRate)}`,
        data: { ...hold, holdRate: settings.holdRate },
        publish: (event) =>
          gatewayEvent('Complaint Hold Set', {
            version: 1,
            eventId: event.id,
            tenant: tenant.id,
            at: event.at,
            ...holdFigures(hold),
            holdRate: settings.holdRate,
          }),
      });
      deps.log.warn('complaint-rate hold set', { tenantId: tenant.id, ...hold });
    }
  }
  return { tenantId: tenant.id, settings, evaluation, holdSet };
}

/** A tenant audit event holding its event out, which the table's stream publishes (docs/recipients.md, "Events out"). */
async function recordTenantEvent(
  deps: Dependencies,
  tenantId: string,
  change: Omit<AuditEvent, 'id'> & { publish: (event: AuditEvent) => ReturnType<typeof gatewayEvent> },
): Promise<AuditEvent> {
  const { publish, ...rest } = change;
  const event: AuditEvent = { id: randomUUID(), ...rest };
  await deps.tenantAudit.appendTenantAudit(tenantId, event, publish(event));
  return event;
}

async function tenantOf(deps: Dependencies, caller: Caller): Promise<Tenant> {
  const tenant = await deps.tenants.getTenant(caller.tenantId);
  if (tenant === undefined) throw new NotFoundError(`Tenant ${caller.tenantId} not found`);
  return tenant;
}

/** GET /v1/complaint-rate: the window's figures as the mailbox providers see them, the status, the hold. */
export async function getComplaintRate(deps: Dependencies, caller: Caller) {
  const tenant = await tenantOf(deps, caller);
  const settings = tenant.settings.complaintRate;
  const e = await evaluate(deps, tenant, deps.clock.now());
  // The holds only: the trail also holds key revocations and configuration changes (GET /v1/audit).
  const { events: history } = await deps.tenantAudit.listTenantAudit(tenant.id, {
    limit: HISTORY_LIMIT,
    types: HOLD_EVENTS,
  });
  return {
    windowDays: e.windowDays,
    from: e.from,
    to: e.to,
    sends: e.sends,
    complaints: e.complaints,
    rate: e.rate,
    thresholds: {
      holdRate: settings.holdRate,
      warningRate: settings.warningRate,
      minSends: settings.minSends,
    },
    enoughVolume: e.enoughVolume,
    status: e.status,
    hold: tenant.hold,
    lastHoldLift: tenant.lastHoldLift,
    days: e.days,
    history,
  };
}

/**
 * DELETE /v1/complaint-hold: lifts the hold, with who and when, in the tenant's audit trail
 * and as an event. Idempotent: without a hold it answers `lifted: false` and changes nothing.
 * The lift day's counts so far become the baseline the next hold is judged from.
 */
export async function liftComplaintHold(
  deps: Dependencies,
  caller: Caller,
  /** The console's lift: its actor (`via: console`) and the reason the person gave, kept in the trail. */
  options: { readonly actor?: Actor; readonly reason?: string } = {},
) {
  const tenant = await tenantOf(deps, caller);
  const hold = tenant.hold;
  const noHold = {
    lifted: false as const,
    message: 'No complaint-rate hold is set: nothing to lift',
    lastHoldLift: tenant.lastHoldLift,
  };
  if (hold === undefined) return noHold;
  const now = deps.clock.now();
  const day = utcDay(now);
  const [today] = await deps.complaints.listComplaintRateDays(tenant.id, day, day);
  const lift = {
    at: now.toISOString(),
    // A console user lifts it as themselves (their sub), not as a key.
    by: {
      type: caller.userSub === undefined ? ('admin_key' as const) : ('console_user' as const),
      id: caller.keyId,
    },
    hold,
    baseline: { day, sends: today?.sends ?? 0, complaints: today?.complaints ?? 0 },
  };
  if ((await deps.complaints.liftComplaintHold(tenant.id, lift)) === 'no_hold') return noHold;
  await recordTenantEvent(deps, tenant.id, {
    type: 'complaint_hold.lifted',
    actor: options.actor ?? actorOf(caller),
    at: lift.at,
    why:
      options.reason === undefined
        ? 'DELETE /v1/complaint-hold: an admin lifted the complaint-rate hold'
        : `An admin lifted the complaint-rate hold: ${options.reason}`,
    data: {
      hold,
      baseline: lift.baseline,
      ...(options.reason === undefined ? {} : { reason: options.reason }),
    },
    publish: (event) =>
      gatewayEvent('Complaint Hold Lifted', {
        version: 1,
        eventId: event.id,
        tenant: tenant.id,
        at: event.at,
        ...holdFigures(hold),
        since: hold.since,
        liftedBy: caller.keyId,
      }),
  });
  deps.log.info('complaint-rate hold lifted', {
    tenantId: tenant.id,
    keyId: caller.keyId,
    since: hold.since,
  });
  return {
    lifted: true as const,
    message: `Complaint-rate hold set on ${hold.since} lifted; marketing email goes again`,
    lastHoldLift: lift,
  };
}

/** What the hold events carry of the hold: the rate and the counts it was judged on. */
function holdFigures(hold: ComplaintHold) {
  return { rate: hold.rate, sends: hold.sends, complaints: hold.complaints, windowDays: hold.windowDays };
}

/** PUT /v1/settings/complaints. */
export async function putComplaintRateSettings(
  deps: Dependencies,
  caller: Caller,
  settings: ComplaintRateSettings,
): Promise<ComplaintRateSettings> {
  // A tenant may hold earlier than the mailbox providers' 0.3%, never later.
  const issues = complaintRateIssues(settings, deps.legalFloors ?? DEFAULT_LEGAL_FLOORS);
  if (issues.length > 0) throw new InvalidInputError(issues);
  await deps.tenants.putComplaintRateSettings(caller.tenantId, settings);
  return settings;
}
