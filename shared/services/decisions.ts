import { type Decision, decide } from '../domain/decide';
import { rulesOf } from '../domain/reasons';
import { recipientKey } from '../domain/recipient-key';
import { NotFoundError } from '../ports/gateway-store';
import type { KeyMaterial } from '../ports/key-ring';
import type { DecisionRequest } from '../schemas/api';
import type { RecipientState } from '../schemas/recipient';
import type { Tenant } from '../schemas/tenant';
import type { Caller, Dependencies } from './dependencies';

export type RejectedBody = {
  decision: 'rejected';
  reasons: string[];
  rules: string[];
  details: { reason: string; rule?: string; message: string }[];
};

export function rejectedBody(decision: Extract<Decision, { outcome: 'rejected' }>): RejectedBody {
  return {
    decision: 'rejected',
    reasons: decision.failures.map((f) => f.reason),
    rules: rulesOf(decision.failures),
    details: decision.failures.map((f) => ({ ...f })),
  };
}

export interface DecisionContext {
  readonly tenant: Tenant;
  readonly keys: KeyMaterial;
}

export async function loadContext(deps: Dependencies, caller: Caller): Promise<DecisionContext> {
  const [tenant, keys] = await Promise.all([deps.store.getTenant(caller.tenantId), deps.keys.load()]);
  if (tenant === undefined) throw new NotFoundError(`Tenant ${caller.tenantId} not found`);
  return { tenant, keys };
}

/** A recipient state read ahead (batched), so that the decision reads nothing more. */
export interface PrefetchedState {
  readonly recipientKey: string;
  readonly state: RecipientState;
}

/**
 * Recipient states for many messages of one tenant in batched reads (BatchGetItem, not one
 * request per message), keyed by normalised address. The decisions then run against
 * states read moments before (R7: checked at send time, against the latest state).
 */
export async function prefetchStates(
  deps: Dependencies,
  ctx: DecisionContext,
  messages: readonly { purpose: string; to: string }[],
): Promise<Map<string, PrefetchedState>> {
  const purposesByAddress = new Map<string, Set<string>>();
  for (const m of messages) {
    const set = purposesByAddress.get(m.to) ?? new Set<string>();
    set.add(m.purpose);
    purposesByAddress.set(m.to, set);
  }
  const keyOf = new Map(
    [...purposesByAddress.keys()].map((to) => [
      to,
      recipientKey(ctx.keys.hashKey, ctx.tenant.id, 'email', to),
    ]),
  );
  const states = await deps.store.getRecipientStates(
    ctx.tenant.id,
    [...purposesByAddress].map(([to, purposes]) => ({
      recipientKey: keyOf.get(to)!,
      purposes: [...purposes],
    })),
  );
  return new Map(
    [...keyOf].map(([to, key]) => [to, { recipientKey: key, state: states.get(key)! }] as const),
  );
}

/** Decides for one recipient: on a state read ahead, or reading it (one strongly consistent query). */
export async function decideFor(
  deps: Dependencies,
  ctx: DecisionContext,
  message: { purpose: string; from: string; to: string },
  prefetched?: PrefetchedState,
): Promise<{ decision: Decision; recipientKey: string; state: RecipientState }> {
  const key = prefetched?.recipientKey ?? recipientKey(ctx.keys.hashKey, ctx.tenant.id, 'email', message.to);
  const state = prefetched?.state ?? (await deps.store.getRecipientState(ctx.tenant.id, key));
  const decision = decide({
    tenant: ctx.tenant,
    channel: 'email',
    purposeId: message.purpose,
    from: message.from,
    to: message.to,
    recipient: state,
    now: deps.clock.now(),
  });
  return { decision, recipientKey: key, state };
}

function toResult(decision: Decision) {
  return decision.outcome === 'allowed'
    ? { decision: 'allowed' as const, basis: decision.basis, proof: decision.proof }
    : rejectedBody(decision);
}

/** Concurrent reads per list, bounded so that a 1,000-recipient check does not burst the table. */
const LIST_CONCURRENCY = 16;

/** POST /v1/decisions: the decision without sending, for one recipient or a segment. */
export async function checkDecisions(deps: Dependencies, caller: Caller, request: DecisionRequest) {
  const ctx = await loadContext(deps, caller);
  const from = request.from.address;
  if (request.to !== undefined) {
    const { decision } = await decideFor(deps, ctx, { purpose: request.purpose, from, to: request.to });
    return toResult(decision);
  }
  const recipients = request.recipients ?? [];
  const results: ({ to: string } & ReturnType<typeof toResult>)[] = new Array(recipients.length);
  let next = 0;
  const worker = async () => {
    while (next < recipients.length) {
      const i = next++;
      const to = recipients[i]!;
      const { decision } = await decideFor(deps, ctx, { purpose: request.purpose, from, to });
      results[i] = { to, ...toResult(decision) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(LIST_CONCURRENCY, recipients.length) }, worker));
  const allowed = results.filter((r) => r.decision === 'allowed').length;
  return {
    purpose: request.purpose,
    channel: request.channel,
    summary: { allowed, rejected: results.length - allowed },
    results,
  };
}
