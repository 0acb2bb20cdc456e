import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { channelSchema, objectionMethodSchema, reasonCodeSchema } from '../schemas/vocabulary';
import { OUTBOUND_ATTRIBUTE, type StreamRecordLike } from './stream-events';

/**
 * The console's figures, from the table's stream (never a scan): each inserted audit event
 * of a recipient adds to the counters of its tenant and UTC day. Pure: a stream record in,
 * the additions out; the store applies them once per event (shared/adapters/dynamodb-counter-store.ts).
 *
 * Three counter items per tenant and day, each a flat map of counter name → count:
 * - `decisions`: `<outcome>|<channel>|<purpose>` (outcome `sent`, `rejected`, `deferred`);
 * - `reasons`: `<reason code>|<channel>`, each reason of a rejection once (RULES.md's codes);
 * - `objections`: `<channel>|<method>` (R7: link, one-click, mailto, STOP SMS, complaint,
 *   preference centre, request to the controller, erasure).
 * Complaints and sends for the complaint rate are not counted again here: the complaint-rate
 * hold already keeps them per day (shared/adapters/dynamodb-complaint-store.ts), and the
 * console shows those very figures, the ones the hold is judged on.
 */
export const COUNTER_KINDS = ['decisions', 'reasons', 'objections'] as const;
export type CounterKind = (typeof COUNTER_KINDS)[number];

export interface CounterDelta {
  readonly tenantId: string;
  /** UTC day, `YYYY-MM-DD`. */
  readonly day: string;
  readonly kind: CounterKind;
  /** Counter name → what to add. */
  readonly add: Readonly<Record<string, number>>;
}

/** An event counted once: its tenant and audit event id (the store's marker), and what it adds. */
export interface CountedEvent {
  readonly tenantId: string;
  readonly eventId: string;
  readonly deltas: readonly CounterDelta[];
}

const OUT = OUTBOUND_ATTRIBUTE;
function pick(
  image: Record<string, AttributeValue>,
  names: readonly string[],
): Record<string, AttributeValue> {
  const picked: Record<string, AttributeValue> = {};
  for (const name of names) if (image[name] !== undefined) picked[name] = repaired(image[name]);
  return picked;
}

/**
 * DynamoDB Local's stream writes an empty map as `{}` instead of `{M: {}}`, which unmarshall
 * refuses: read as the empty map it is, so that such an item never stops the batch.
 */
function repaired(value: AttributeValue): AttributeValue {
  const v = value as unknown as Record<string, unknown>;
  if (Object.keys(v).length === 0) return { M: {} };
  if (v.M !== undefined)
    return {
      M: Object.fromEntries(
        Object.entries(v.M as Record<string, AttributeValue>).map(([k, x]) => [k, repaired(x)]),
      ),
    };
  if (v.L !== undefined) return { L: (v.L as AttributeValue[]).map(repaired) };
  return value;
}

/** `TENANT#<tenant>#R#<recipientKey>`: a recipient's partition (shared/adapters/dynamodb-table.ts). */
const RECIPIENT_PK = /^TENANT#([a-z0-9][a-z0-9_-]{0,62})#R#([A-Za-z0-9_-]{43})$/;

/** The tenant and recipient of a recipient partition's key; undefined for any other key. */
export function recipientOfPk(pk: unknown): { tenantId: string; recipientKey: string } | undefined {
  if (typeof pk !== 'string') return undefined;
  const match = RECIPIENT_PK.exec(pk);
  return match ? { tenantId: match[1]!, recipientKey: match[2]! } : undefined;
}

/** The recipient whose item a stream record wrote or removed, with that item's sort key. */
export function recipientItemOf(
  record: StreamRecordLike,
): { tenantId: string; recipientKey: string; sk: unknown } | undefined {
  const image = record.dynamodb?.NewImage ?? record.dynamodb?.OldImage;
  if (image === undefined) return undefined;
  const { pk, sk } = unmarshall(pick(image as Record<string, AttributeValue>, ['pk', 'sk'])) as {
    pk?: unknown;
    sk?: unknown;
  };
  const owner = recipientOfPk(pk);
  return owner && { ...owner, sk };
}

/** The UTC day of an instant as the events write it; undefined when it is not one. */
export function utcDayOf(at: unknown): string | undefined {
  if (typeof at !== 'string') return undefined;
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().slice(0, 10);
}

const OUTCOMES: Record<string, 'sent' | 'rejected' | 'deferred'> = {
  'decision.sent': 'sent',
  'decision.rejected': 'rejected',
  'decision.deferred': 'deferred',
};

/** Names are joined with `|`: a purpose id (lower-case letters, digits, `-`, `_`) never holds one. */
const PURPOSE_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * What one stream record adds: an audit event just inserted in a recipient's partition (the
 * only time it is counted: an audit event is written once and never updated; a MODIFY (a TTL
 * set) or a REMOVE (expiry, erasure) takes nothing back, the day happened). Anything else, or
 * an event that lacks what a counter needs (an event of before the channel was recorded with
 * a rejection, an import's legacy opt-out, dated at its collection), adds nothing.
 */
export function countedEventOf(record: StreamRecordLike): CountedEvent | undefined {
  if (record.eventName !== 'INSERT') return undefined;
  const image = record.dynamodb?.NewImage;
  if (image === undefined) return undefined;
  // Only the attributes read (a stream image may hold values the mapping has no use for).
  const item = unmarshall(
    pick(image as Record<string, AttributeValue>, ['pk', 'entity', 'data', OUT]),
  ) as Record<string, unknown>;
  if (item.entity !== 'audit' || typeof item.data !== 'object' || item.data === null) return undefined;
  const owner = recipientOfPk(item.pk);
  if (owner === undefined) return undefined;
  const event = item.data as { id?: unknown; type?: unknown; at?: unknown; data?: Record<string, unknown> };
  const day = utcDayOf(event.at);
  if (typeof event.id !== 'string' || day === undefined || typeof event.type !== 'string') return undefined;
  const data = event.data ?? {};
  const deltas = deltasOf(owner.tenantId, day, event.type, data, item.out);
  return deltas.length === 0 ? undefined : { tenantId: owner.tenantId, eventId: event.id, deltas };
}

function deltasOf(
  tenantId: string,
  day: string,
  type: string,
  data: Record<string, unknown>,
  out: unknown,
): CounterDelta[] {
  const outcome = OUTCOMES[type];
  if (outcome !== undefined) {
    const channel = channelSchema.safeParse(data.channel);
    if (!channel.success || typeof data.purpose !== 'string' || !PURPOSE_ID.test(data.purpose)) return [];
    const deltas: CounterDelta[] = [
      { tenantId, day, kind: 'decisions', add: { [`${outcome}|${channel.data}|${data.purpose}`]: 1 } },
    ];
    if (outcome === 'rejected' && Array.isArray(data.failures)) {
      const reasons = new Set<string>();
      for (const f of data.failures as { reason?: unknown }[]) {
        const reason = reasonCodeSchema.safeParse(f?.reason);
        if (reason.success) reasons.add(`${reason.data}|${channel.data}`);
      }
      if (reasons.size > 0)
        deltas.push({
          tenantId,
          day,
          kind: 'reasons',
          add: Object.fromEntries([...reasons].map((name) => [name, 1])),
        });
    }
    return deltas;
  }
  if (type === 'objection.recorded') {
    // R7: the channel is the event out's (every objection but a legacy import's publishes one).
    const detail = (out as { detail?: { channel?: unknown } } | undefined)?.detail;
    const channel = channelSchema.safeParse(data.channel ?? detail?.channel);
    const method = objectionMethodSchema.safeParse(data.method);
    if (!channel.success || !method.success) return [];
    return [{ tenantId, day, kind: 'objections', add: { [`${channel.data}|${method.data}`]: 1 } }];
  }
  return [];
}

/** Several events' additions to the same counter item, summed: one update per item and batch. */
export function sumDeltas(deltas: readonly CounterDelta[]): CounterDelta[] {
  const byItem = new Map<
    string,
    { tenantId: string; day: string; kind: CounterKind; add: Record<string, number> }
  >();
  for (const d of deltas) {
    const key = `${d.tenantId}|${d.day}|${d.kind}`;
    let item = byItem.get(key);
    if (item === undefined) {
      item = { tenantId: d.tenantId, day: d.day, kind: d.kind, add: {} };
      byItem.set(key, item);
    }
    for (const [name, n] of Object.entries(d.add)) item.add[name] = (item.add[name] ?? 0) + n;
  }
  return [...byItem.values()];
}
