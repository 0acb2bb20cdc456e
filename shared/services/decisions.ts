import { AddressError, normalizeEmail } from '../domain/address';
import { type Decision, decide } from '../domain/decide';
import { scopeRefusal } from '../domain/key-scope';
import { mergeRecipientStates } from '../domain/merge-recipient-state';
import { own } from '../domain/own';
import { withPendingObjections } from '../domain/pending-objections';
import { PhoneNumberError, parsePhone } from '../domain/phone';
import { rulesOf } from '../domain/reasons';
import { recipientKeys } from '../domain/recipient-key';
import { checkDecisionAt } from '../domain/schedule';
import { NotFoundError } from '../ports/gateway-store';
import type { KeyMaterial } from '../ports/key-ring';
import type { DecisionRequest } from '../schemas/api';
import type { Objection, RecipientState } from '../schemas/recipient';
import type { Tenant } from '../schemas/tenant';
import { InvalidInputError } from '../schemas/validation';
import type { Channel } from '../schemas/vocabulary';
import type { Caller, Dependencies } from './dependencies';
import { OutOfScopeError } from './errors';

export type RejectedBody = {
  decision: 'rejected';
  reasons: string[];
  rules: string[];
  details: { reason: string; rule?: string; message: string }[];
};

export function rejectedBody(decision: {
  failures: Extract<Decision, { outcome: 'rejected' }>['failures'];
}): RejectedBody {
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

export async function loadContext(
  deps: Pick<Dependencies, 'tenants' | 'keys'>,
  tenantId: string,
): Promise<DecisionContext> {
  const [tenant, keys] = await Promise.all([deps.tenants.getTenant(tenantId), deps.keys.load()]);
  if (tenant === undefined) throw new NotFoundError(`Tenant ${tenantId} not found`);
  return { tenant, keys };
}

/**
 * The caller's key scopes (domain/key-scope.ts), checked before any recipient is read or
 * any decision recorded, on every send surface: POST /v1/messages (and its sendAt), POST
 * /v1/decisions, the bulk queue and the SES v2 endpoint. The category is the purpose's as
 * the tenant declares it now, so a key bound to marketing cannot send as transactional (R6).
 */
export function refuseOutOfScope(
  caller: Caller,
  tenant: Tenant,
  send: { readonly channel: Channel; readonly purpose: string },
): void {
  const refusal = scopeRefusal(caller.scopes, {
    ...send,
    category: own(tenant.purposes, send.purpose)?.category,
  });
  if (refusal !== undefined) throw new OutOfScopeError(refusal.scope, refusal.message);
}

/**
 * A recipient address as the vocabulary of docs/rules.md defines it: a normalised email address,
 * or an E.164 number (a national number is read in the tenant's default region).
 */
export function normalizeAddress(tenant: Tenant, channel: Channel, raw: string, field: string): string {
  try {
    return channel === 'email'
      ? normalizeEmail(raw)
      : parsePhone(raw, tenant.settings.sms.defaultRegion).e164;
  } catch (error) {
    if (error instanceof AddressError || error instanceof PhoneNumberError) {
      const what = channel === 'email' ? 'not a valid email address' : 'not a valid phone number';
      throw new InvalidInputError([{ field, problem: `${what}: ${error.message}` }]);
    }
    throw error;
  }
}

/** A recipient state read ahead (batched), so that the decision reads nothing more. */
export interface PrefetchedState {
  readonly recipientKey: string;
  readonly state: RecipientState;
}

/**
 * Email recipient states for many messages of one tenant, read ahead in one store call (a
 * strongly consistent Query per recipient, several in flight: 1 read unit each, where a
 * BatchGetItem bills every key asked), keyed by normalised address. (SMS numbers are normalised
 * per message, with the tenant's default region; they are read one by one.) The decisions then run against
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
      recipientKeys(ctx.keys.hashKey, ctx.tenant.id, 'email', to),
    ]),
  );
  // R7: the pending objections first, then the store (see readPendingObjections).
  const pending = new Map(
    await mapBounded(
      [...keyOf.values()],
      LIST_CONCURRENCY,
      async (keys) => [keys.key, await readPendingObjections(deps, ctx.tenant.id, keys)] as const,
    ),
  );
  // Dual-key read: the legacy key's items ride in the same batch.
  const states = await deps.store.getRecipientStates(
    ctx.tenant.id,
    [...purposesByAddress].flatMap(([to, purposes]) => {
      const { key, legacyKey } = keyOf.get(to)!;
      return [key, ...(legacyKey ? [legacyKey] : [])].map((k) => ({
        recipientKey: k,
        purposes: [...purposes],
      }));
    }),
    // A Query per recipient bills 1 read unit; a BatchGetItem bills each key it asks (7 for one purpose).
    { read: 'query' },
  );
  return new Map(
    [...keyOf].map(([to, { key, legacyKey }]) => {
      const state = states.get(key)!;
      const legacy = legacyKey === undefined ? undefined : states.get(legacyKey);
      const merged = legacy ? mergeRecipientStates(state, legacy) : state;
      return [
        to,
        { recipientKey: key, state: withPendingObjections(merged, pending.get(key) ?? []) },
      ] as const;
    }),
  );
}

/**
 * The recipient's state, read with one strongly consistent query, and, while keys written
 * before identities were case-folded may remain (`npx consent-gate migrate` moves
 * them, and unsubscribe links already delivered carry them), the legacy key's state too,
 * merged: an objection stored under `Frank@…`'s old key still blocks (R7).
 */
export async function readRecipientState(
  deps: Pick<Dependencies, 'store'>,
  tenantId: string,
  keys: { key: string; legacyKey?: string },
): Promise<RecipientState> {
  const [state, legacy] = await Promise.all([
    deps.store.getRecipientState(tenantId, keys.key),
    keys.legacyKey === undefined ? undefined : deps.store.getRecipientState(tenantId, keys.legacyKey),
  ]);
  return legacy === undefined ? state : mergeRecipientStates(state, legacy);
}

/**
 * R7: the objections accepted by POST /u/{token} and not yet applied to the store, under the
 * recipient's key and its legacy key. Read BEFORE the store, on purpose: the consumer removes
 * one only after the store holds it, so an objection missing here was either not yet accepted
 * or is already in the store the decision reads next; read the other way round (or at once),
 * an objection applied and removed between the two reads would be missed. A read that fails
 * throws PendingObjectionsUnavailableError (a StoreUnavailableError): the send fails closed.
 */
export async function readPendingObjections(
  deps: Pick<Dependencies, 'pendingObjections'>,
  tenantId: string,
  keys: { key: string; legacyKey?: string },
): Promise<Objection[]> {
  const [pending, legacy] = await Promise.all([
    deps.pendingObjections.list({ tenant: tenantId, recipientKey: keys.key }),
    keys.legacyKey === undefined
      ? []
      : deps.pendingObjections.list({ tenant: tenantId, recipientKey: keys.legacyKey }),
  ]);
  return [...pending, ...legacy];
}

async function mapBounded<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/**
 * Decides for one recipient: on a state read ahead, or reading it (the pending objections,
 * then one strongly consistent query).
 */
export async function decideFor(
  deps: Pick<Dependencies, 'store' | 'clock' | 'pendingObjections'>,
  ctx: DecisionContext,
  message: { channel: Channel; purpose: string; from: string; to: string },
  prefetched?: PrefetchedState,
  /** Decide as at this instant (POST /v1/decisions `at`), on the state read now. */
  at?: Date,
): Promise<{ decision: Decision; recipientKey: string; state: RecipientState }> {
  const keys = recipientKeys(ctx.keys.hashKey, ctx.tenant.id, message.channel, message.to);
  const key = prefetched?.recipientKey ?? keys.key;
  let state = prefetched?.state;
  if (state === undefined) {
    // The pending objections first, then the store (readPendingObjections says why).
    const pending = await readPendingObjections(deps, ctx.tenant.id, keys);
    state = withPendingObjections(await readRecipientState(deps, ctx.tenant.id, keys), pending);
  }
  const decision = decide({
    tenant: ctx.tenant,
    channel: message.channel,
    purposeId: message.purpose,
    from: message.from,
    to: message.to,
    recipient: state,
    now: at ?? deps.clock.now(),
  });
  return { decision, recipientKey: key, state };
}

function toResult(decision: Decision) {
  switch (decision.outcome) {
    case 'allowed':
      return { decision: 'allowed' as const, basis: decision.basis, proof: decision.proof };
    case 'deferred':
      return {
        decision: 'deferred' as const,
        notBefore: decision.notBefore.toISOString(),
        basis: decision.basis,
        proof: decision.proof,
        ...reasonsOf(decision.failures),
      };
    case 'rejected':
      return rejectedBody(decision);
  }
}

function reasonsOf(failures: Extract<Decision, { outcome: 'rejected' }>['failures']) {
  return { reasons: failures.map((f) => f.reason), rules: rulesOf(failures) };
}

/** Concurrent reads per list, bounded so that a 1,000-recipient check does not burst the table. */
const LIST_CONCURRENCY = 16;

/** POST /v1/decisions: the decision without sending, for one recipient or a segment. */
export async function checkDecisions(deps: Dependencies, caller: Caller, request: DecisionRequest) {
  let at: Date | undefined;
  if (request.at !== undefined) {
    const checked = checkDecisionAt(request.at, deps.clock.now());
    if (!checked.ok) throw new InvalidInputError([{ field: 'at', problem: checked.problem }]);
    at = checked.at;
  }
  const ctx = await loadContext(deps, caller.tenantId);
  refuseOutOfScope(caller, ctx.tenant, request);
  const from = request.channel === 'email' ? request.from.address : request.from;
  const decideOne = async (raw: string, field: string) => {
    const to = normalizeAddress(ctx.tenant, request.channel, raw, field);
    const { decision } = await decideFor(
      deps,
      ctx,
      { channel: request.channel, purpose: request.purpose, from, to },
      undefined,
      at,
    );
    return { to, ...toResult(decision) };
  };
  if (request.to !== undefined) {
    const { to: _to, ...result } = await decideOne(request.to, 'to');
    return result;
  }
  const recipients = request.recipients ?? [];
  // Every number is read first, so that a bad one is a 400 before any state is read.
  recipients.forEach((raw, i) => {
    normalizeAddress(ctx.tenant, request.channel, raw, `recipients.${i}`);
  });
  const results: Awaited<ReturnType<typeof decideOne>>[] = new Array(recipients.length);
  let next = 0;
  const worker = async () => {
    while (next < recipients.length) {
      const i = next++;
      results[i] = await decideOne(recipients[i]!, `recipients.${i}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(LIST_CONCURRENCY, recipients.length) }, worker));
  const count = (d: string) => results.filter((r) => r.decision === d).length;
  return {
    purpose: request.purpose,
    channel: request.channel,
    summary: { allowed: count('allowed'), deferred: count('deferred'), rejected: count('rejected') },
    results,
  };
}
