import { hashApiKey, keyRefusal, roleRefusal } from '../domain/api-key';
import type { OutboundEvent } from '../ports/event-publisher';
import { messageOutcomeDetailSchema } from '../schemas/events';
import { sendMessageSchema } from '../schemas/message';
import { InvalidInputError, parseInput } from '../schemas/validation';
import { type DecisionContext, loadContext, type PrefetchedState, prefetchStates } from './decisions';
import type { Caller, Dependencies } from './dependencies';
import { OutOfScopeError } from './errors';
import type { SendResult } from './send-message';
import { sendMessageOnce } from './send-once';

/**
 * The bulk queue: each message carries the same JSON as POST /v1/messages and the sender's
 * API key in its `Authorization` message attribute (`Bearer cg_send_…`), so the queue
 * grants no more than the HTTP API does. A batch is prepared at once (keys resolved, one
 * context per tenant, recipient states read in batched reads), then each message is sent
 * through the same idempotent path as the HTTP API.
 */
export interface QueuedMessage {
  /** SQS message id: the idempotency key when the body has no idempotencyKey (SQS may deliver twice). */
  readonly messageId: string;
  readonly body: string;
  readonly authorization?: string;
}

export type Prepared =
  | { readonly kind: 'invalid'; readonly problem: string }
  | { readonly kind: 'failed'; readonly error: Error }
  | {
      readonly kind: 'ready';
      readonly caller: Caller;
      readonly request: ReturnType<typeof sendMessageSchema.parse>;
      readonly ctx: DecisionContext;
      readonly state?: PrefetchedState;
    };

export type BulkOutcome =
  | { outcome: 'invalid'; problem: string }
  | ({
      outcome: 'sent' | 'deferred' | 'scheduled' | 'rejected';
      replayed: boolean;
      recipientKey?: string;
    } & SendResult);

const BEARER = /^Bearer\s+(\S{10,200})\s*$/i;

export async function prepareBatch(
  deps: Dependencies,
  messages: readonly QueuedMessage[],
): Promise<Map<string, Prepared>> {
  const prepared = new Map<string, Prepared>();
  const parsed: { m: QueuedMessage; caller: Caller; request: ReturnType<typeof sendMessageSchema.parse> }[] =
    [];
  const callers = new Map<string, Promise<Caller | string>>();
  for (const m of messages) {
    const key = BEARER.exec(m.authorization ?? '')?.[1];
    if (key === undefined) {
      prepared.set(m.messageId, {
        kind: 'invalid',
        problem: 'The Authorization message attribute (Bearer <sender key>) is missing',
      });
      continue;
    }
    let body: unknown;
    try {
      body = JSON.parse(m.body);
    } catch {
      prepared.set(m.messageId, { kind: 'invalid', problem: 'The message body is not valid JSON' });
      continue;
    }
    let request: ReturnType<typeof sendMessageSchema.parse>;
    try {
      request = parseInput(sendMessageSchema, body);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      prepared.set(m.messageId, { kind: 'invalid', problem: error.message });
      continue;
    }
    if (!callers.has(key)) {
      callers.set(
        key,
        deps.credentials.getApiKey(hashApiKey(key)).then((r) => {
          if (r === undefined) return 'Unknown API key';
          // A key revoked or expired since the message was queued sends nothing.
          const refusal = keyRefusal(r, deps.clock.now());
          if (refusal !== undefined) return `This API key is ${refusal}`;
          // The same roles as POST /v1/messages: a compliance key (read only) or the operator's sends nothing.
          const role = roleRefusal(r.role, 'sender', false);
          if (role !== undefined) return role;
          return { tenantId: r.tenantId, keyId: r.keyId, role: r.role, scopes: r.scopes };
        }),
      );
    }
    try {
      const caller = await callers.get(key)!;
      if (typeof caller === 'string') {
        prepared.set(m.messageId, { kind: 'invalid', problem: caller });
        continue;
      }
      parsed.push({ m, caller, request });
    } catch (error) {
      prepared.set(m.messageId, { kind: 'failed', error: error as Error });
    }
  }

  // One context and one batched state read per tenant present in the batch.
  const byTenant = new Map<string, typeof parsed>();
  for (const p of parsed) byTenant.set(p.caller.tenantId, [...(byTenant.get(p.caller.tenantId) ?? []), p]);
  await Promise.all(
    [...byTenant.values()].map(async (group) => {
      try {
        const ctx = await loadContext(deps, group[0]!.caller.tenantId);
        // Email states in one batched read; SMS numbers are normalised and read per message.
        const emails = group.flatMap((p) => (p.request.channel === 'email' ? [p.request] : []));
        const states = await prefetchStates(
          deps,
          ctx,
          emails.map((r) => ({ purpose: r.purpose, to: r.to })),
        );
        for (const p of group) {
          prepared.set(p.m.messageId, {
            kind: 'ready',
            caller: p.caller,
            request: p.request,
            ctx,
            state: p.request.channel === 'email' ? states.get(p.request.to) : undefined,
          });
        }
      } catch (error) {
        for (const p of group) prepared.set(p.m.messageId, { kind: 'failed', error: error as Error });
      }
    }),
  );
  return prepared;
}

/**
 * One queued message: sent or rejected once (idempotent on its idempotencyKey, else its
 * SQS message id), its outcome published. Throws (so that SQS delivers it again, then
 * dead-letters it) only when the outcome is unknown: store, provider or bus unavailable.
 */
export async function processQueuedMessage(
  deps: Dependencies,
  message: QueuedMessage,
  prepared: Prepared | undefined,
): Promise<BulkOutcome> {
  if (prepared === undefined) throw new Error(`Message ${message.messageId} was not prepared`);
  if (prepared.kind === 'failed') throw prepared.error;
  const invalid = async (problem: string): Promise<BulkOutcome> => {
    // Delivering it again would not make it valid: an outcome, not a failure. It changed
    // nothing, so no audit event holds it: the outcome item does (and may name no tenant).
    await storeOutcome(deps, message, { outcome: 'invalid', problem });
    return { outcome: 'invalid', problem };
  };
  if (prepared.kind === 'invalid') return invalid(prepared.problem);
  const { caller, request, ctx, state } = prepared;
  const key =
    request.idempotencyKey === undefined ? `sqs:${message.messageId}` : `key:${request.idempotencyKey}`;
  const outcomeOf = (result: SendResult, replayed: boolean) => ({
    tenantId: caller.tenantId,
    idempotencyKey: request.idempotencyKey,
    purpose: request.purpose,
    // R11: recipients are named by their key, never by their address.
    recipientKey: state?.recipientKey,
    replayed,
    ...result,
  });
  let sent: Awaited<ReturnType<typeof sendMessageOnce>>;
  try {
    // Its decision is its claim (one write), then its outcome item (one more): the outcome is
    // known only once the provider answered, and a redelivery finds the decision and answers it.
    sent = await sendMessageOnce(deps, caller, request, key, { ctx, state });
  } catch (error) {
    // R10: content the injection refuses (HTML nested too deep, too many placeholders) is
    // found only when the message is built; it is invalid, not worth delivering again.
    if (error instanceof InvalidInputError) return invalid(error.message);
    // Outside the key's scopes: delivering it again would not bring it in.
    if (error instanceof OutOfScopeError) return invalid(error.message);
    throw error;
  }
  const { result, replayed } = sent;
  await storeOutcome(deps, message, outcomeOf(result, replayed));
  return { outcome: result.decision, replayed, recipientKey: state?.recipientKey, ...result };
}

/** How long an outcome item stays (epoch seconds from now): past SQS's redeliveries; the stream took it long before. */
const OUTCOME_TTL_S = 24 * 3600;

/**
 * The message's outcome, published from the table's stream with `eventId` `sqs:<id>`, in an
 * outcome item (`OUTCOME#<id>`) stored once per SQS message id. A store failure throws: SQS
 * delivers the message again, the send is answered from its decision (sendMessageOnce), and
 * the outcome is stored then. A redelivery finding it stored adds nothing.
 */
function outcomeEvent(message: QueuedMessage, fields: Record<string, unknown>): OutboundEvent {
  const detail = messageOutcomeDetailSchema.parse({
    ...fields,
    version: 1,
    eventId: `sqs:${message.messageId}`,
    sqsMessageId: message.messageId,
  });
  return { detailType: 'Message Outcome', detail };
}

async function storeOutcome(
  deps: Dependencies,
  message: QueuedMessage,
  fields: Record<string, unknown>,
): Promise<void> {
  await deps.store.putMessageOutcome(
    message.messageId,
    outcomeEvent(message, fields),
    Math.floor(deps.clock.now().getTime() / 1000) + OUTCOME_TTL_S,
  );
}
