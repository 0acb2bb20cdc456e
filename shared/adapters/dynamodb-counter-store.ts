import { BatchGetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { type CountedEvent, type CounterKind, sumDeltas } from '../domain/counters';
import { type StandingName, standingDelta } from '../domain/inventory';
import { type CounterStore, type DayCounters, StandingConflictError } from '../ports/counter-store';
import { StoreUnavailableError } from '../ports/store-errors';
import {
  BATCH_GET_ATTEMPTS,
  BATCH_GET_LIMIT,
  DynamoDbTable,
  ENTITY_VERSION,
  translate,
} from './dynamodb-table';

/**
 * The console's counters (key layout: docs/architecture.md, "Key layout"):
 *
 * | item | pk | sk |
 * |------|----|----|
 * | day counters of one kind (ttl) | `TENANT#<id>#COUNTERS` | `DAY#<YYYY-MM-DD>#<decisions, reasons or objections>` |
 * | inventory | `TENANT#<id>#COUNTERS` | `INVENTORY` |
 * | event counted (ttl, 2 days) | `COUNTED#<tenant>#<eventId>` | `COUNTED` |
 * | a recipient's standing | `STANDING#<tenant>#<recipientKey>` | `STANDING` |
 *
 * Counters are top-level attributes `c:<name>` (ADD needs no enclosing map to exist). An
 * event is counted in one TransactWriteItems with its marker, written only if absent: the
 * stream hands a record again after a failure (Lambda's retries, the local poller's), and
 * the marker makes that second count a no-op; the markers outlive the stream's 24 hours of
 * retention. The day items and the inventory are one partition per tenant, so the overview
 * is one Query (`sk >= DAY#<first day>`: the days, then `INVENTORY`).
 */
const countersPk = (tenantId: string) => `TENANT#${tenantId}#COUNTERS`;
const daySk = (day: string, kind: CounterKind) => `DAY#${day}#${kind}`;
const INVENTORY_SK = 'INVENTORY';
const markerKey = (tenantId: string, eventId: string) => ({
  pk: `COUNTED#${tenantId}#${eventId}`,
  sk: 'COUNTED',
});
const standingKey = (tenantId: string, recipientKey: string) => ({
  pk: `STANDING#${tenantId}#${recipientKey}`,
  sk: 'STANDING',
});
const COUNTER_PREFIX = 'c:';

/** The inventory item of a tenant holding `counts` (the bench writes a large base's figures with it). */
export function inventoryItem(tenantId: string, counts: Readonly<Record<StandingName, number>>) {
  return {
    pk: countersPk(tenantId),
    sk: INVENTORY_SK,
    entity: 'inventory',
    v: ENTITY_VERSION,
    ...Object.fromEntries(Object.entries(counts).map(([name, n]) => [`${COUNTER_PREFIX}${name}`, n])),
  };
}
/** Day counters are kept a little longer than the console's 90 days. */
export const COUNTER_DAY_TTL_DAYS = 100;
/** Markers outlive the stream's retention (24 h), after which nothing is handed again. */
const MARKER_TTL_SECONDS = 2 * 86_400;
/** TransactWriteItems takes at most 100 items. */
const TRANSACTION_LIMIT = 100;
/** Transactions tried again when cancelled by a conflict or throttling (another shard's consumer on the same day item). */
const ATTEMPTS = 8;
const RETRIED = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded']);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const backoff = (attempt: number) => sleep(Math.random() * Math.min(1_000, 20 * 2 ** attempt));

type TransactItem = Record<string, unknown>;

/** `ADD` of each counter of `add` (zeros left out) on one item, with its entity fields set. */
function addUpdate(
  tableName: string,
  key: { pk: string; sk: string },
  add: Readonly<Record<string, number>>,
  set: Record<string, unknown>,
): TransactItem | undefined {
  const entries = Object.entries(add).filter(([, n]) => n !== 0);
  if (entries.length === 0) return undefined;
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets = Object.entries(set).map(([field, value], i) => {
    names[`#s${i}`] = field;
    values[`:s${i}`] = value;
    return `#s${i} = :s${i}`;
  });
  const adds = entries.map(([name, n], i) => {
    names[`#c${i}`] = `${COUNTER_PREFIX}${name}`;
    values[`:c${i}`] = n;
    return `#c${i} :c${i}`;
  });
  return {
    Update: {
      TableName: tableName,
      Key: key,
      UpdateExpression: `${sets.length > 0 ? `SET ${sets.join(', ')} ` : ''}ADD ${adds.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** The counters of an item as read: its `c:` attributes. */
function countsOf(item: Record<string, unknown>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [field, value] of Object.entries(item))
    if (field.startsWith(COUNTER_PREFIX) && typeof value === 'number') counts[field.slice(2)] = value;
  return counts;
}

/** The transaction's cancellation codes, one per item ('None' for an item that was fine). */
function cancellationCodes(error: unknown): string[] | undefined {
  if ((error as { name?: string }).name !== 'TransactionCanceledException') return undefined;
  return ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map(
    (r) => r.Code ?? 'None',
  );
}

const signature = (names: readonly StandingName[]) => [...names].sort().join('\n');

export class DynamoDbCounterStore extends DynamoDbTable implements CounterStore {
  async countEvents(events: readonly CountedEvent[]): Promise<{ counted: number; duplicates: number }> {
    // One marker per event id (a batch never holds an event twice, but a caller might).
    const unique = [...new Map(events.map((e) => [`${e.tenantId}#${e.eventId}`, e])).values()];
    let counted = 0;
    let duplicates = 0;
    for (const chunk of this.chunks(unique)) {
      const outcome = await this.countChunk(chunk);
      counted += outcome.counted;
      duplicates += outcome.duplicates;
    }
    return { counted, duplicates };
  }

  /** Events in order, cut where a transaction would exceed 100 items (markers + distinct counter items). */
  private chunks(events: readonly CountedEvent[]): CountedEvent[][] {
    const chunks: CountedEvent[][] = [];
    let current: CountedEvent[] = [];
    let items = new Set<string>();
    for (const event of events) {
      const next = new Set(items);
      for (const d of event.deltas) next.add(`${d.tenantId}|${d.day}|${d.kind}`);
      if (current.length > 0 && current.length + 1 + next.size > TRANSACTION_LIMIT) {
        chunks.push(current);
        current = [];
        items = new Set(event.deltas.map((d) => `${d.tenantId}|${d.day}|${d.kind}`));
      } else items = next;
      current.push(event);
    }
    if (current.length > 0) chunks.push(current);
    return chunks;
  }

  private async countChunk(events: CountedEvent[]): Promise<{ counted: number; duplicates: number }> {
    let pending = events;
    let duplicates = 0;
    const now = Math.floor(Date.now() / 1000);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= ATTEMPTS)
        throw new StoreUnavailableError('DynamoDB kept cancelling the counters transaction (conflicts)');
      if (attempt > 0) await backoff(attempt);
      const markers: TransactItem[] = pending.map((e) => ({
        Put: {
          TableName: this.tableName,
          Item: {
            ...markerKey(e.tenantId, e.eventId),
            entity: 'counted',
            v: ENTITY_VERSION,
            ttl: now + MARKER_TTL_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': 'pk' },
        },
      }));
      const updates = sumDeltas(pending.flatMap((e) => e.deltas)).flatMap(
        (d) =>
          addUpdate(this.tableName, { pk: countersPk(d.tenantId), sk: daySk(d.day, d.kind) }, d.add, {
            entity: 'counterDay',
            v: ENTITY_VERSION,
            day: d.day,
            kind: d.kind,
            ttl: Math.floor(Date.parse(`${d.day}T00:00:00Z`) / 1000) + COUNTER_DAY_TTL_DAYS * 86_400,
          }) ?? [],
      );
      try {
        await this.doc.send(new TransactWriteCommand({ TransactItems: [...markers, ...updates] as never }));
        return { counted: pending.length, duplicates };
      } catch (error) {
        const codes = cancellationCodes(error);
        if (codes === undefined) translate(error);
        const counted = new Set(
          pending.filter((_, i) => codes[i] === 'ConditionalCheckFailed').map((e) => e.eventId),
        );
        const others = codes.filter(
          (c, i) => c !== 'None' && !(i < pending.length && c === 'ConditionalCheckFailed'),
        );
        if (others.some((c) => !RETRIED.has(c)))
          throw new StoreUnavailableError(
            `DynamoDB cancelled the counters transaction (${others.join(', ')})`,
            {
              cause: error,
            },
          );
        // Events counted before (their marker stands): left out, the rest counted again at once.
        duplicates += counted.size;
        pending = pending.filter((e) => !counted.has(e.eventId));
        if (counted.size > 0) attempt = -1;
      }
    }
    return { counted: 0, duplicates };
  }

  async getStandings(
    tenantId: string,
    recipientKeys: readonly string[],
  ): Promise<Map<string, readonly StandingName[]>> {
    const standings = new Map<string, readonly StandingName[]>();
    for (let i = 0; i < recipientKeys.length; i += BATCH_GET_LIMIT) {
      let pending: Record<string, unknown>[] = recipientKeys
        .slice(i, i + BATCH_GET_LIMIT)
        .map((key) => standingKey(tenantId, key));
      try {
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt >= BATCH_GET_ATTEMPTS)
            throw new StoreUnavailableError('DynamoDB left standings unprocessed');
          if (attempt > 0) await backoff(attempt);
          const { Responses, UnprocessedKeys } = await this.doc.send(
            new BatchGetCommand({
              RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
            }),
          );
          for (const item of Responses?.[this.tableName] ?? [])
            standings.set(String(item.recipientKey), (item.names as string[] | undefined) ?? []);
          pending = (UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
        }
      } catch (error) {
        translate(error);
      }
    }
    return standings;
  }

  async putStandings(
    tenantId: string,
    changes: readonly {
      recipientKey: string;
      before: readonly StandingName[];
      after: readonly StandingName[];
    }[],
  ): Promise<void> {
    const moved = changes.filter((c) => signature(c.before) !== signature(c.after));
    // One item is the inventory's update: 99 standings a transaction.
    for (let i = 0; i < moved.length; i += TRANSACTION_LIMIT - 1) {
      const chunk = moved.slice(i, i + TRANSACTION_LIMIT - 1);
      const delta: Record<string, number> = {};
      for (const c of chunk)
        for (const [name, n] of Object.entries(standingDelta(c.before, c.after)))
          delta[name] = (delta[name] ?? 0) + n;
      const items: TransactItem[] = chunk.map((c) => {
        const key = standingKey(tenantId, c.recipientKey);
        // Only if what was read is still there: no move applied twice.
        const condition =
          c.before.length === 0
            ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': 'pk' } }
            : {
                ConditionExpression: '#sig = :sig',
                ExpressionAttributeNames: { '#sig': 'sig' },
                ExpressionAttributeValues: { ':sig': signature(c.before) },
              };
        return c.after.length === 0
          ? { Delete: { TableName: this.tableName, Key: key, ...condition } }
          : {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...key,
                  entity: 'standing',
                  v: ENTITY_VERSION,
                  recipientKey: c.recipientKey,
                  names: [...c.after].sort(),
                  sig: signature(c.after),
                },
                ...condition,
              },
            };
      });
      const inventory = addUpdate(this.tableName, { pk: countersPk(tenantId), sk: INVENTORY_SK }, delta, {
        entity: 'inventory',
        v: ENTITY_VERSION,
      });
      try {
        await this.doc.send(
          new TransactWriteCommand({ TransactItems: [...items, ...(inventory ? [inventory] : [])] as never }),
        );
      } catch (error) {
        const codes = cancellationCodes(error);
        if (codes === undefined) translate(error);
        if (codes.some((c) => c === 'ConditionalCheckFailed'))
          throw new StandingConflictError('A standing changed since it was read', { cause: error });
        throw new StoreUnavailableError(
          `DynamoDB cancelled the standings transaction (${codes.filter((c) => c !== 'None').join(', ')})`,
          { cause: error },
        );
      }
    }
  }

  async readCounters(
    tenantId: string,
    fromDay: string,
    toDay: string,
  ): Promise<{ days: DayCounters[]; inventory: Readonly<Record<StandingName, number>> }> {
    // Eventually consistent: figures for people to look at, half the read units.
    const items = await this.queryAll({
      KeyConditionExpression: '#pk = :pk AND #sk >= :from',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
      ExpressionAttributeValues: { ':pk': countersPk(tenantId), ':from': `DAY#${fromDay}` },
    });
    const days: DayCounters[] = [];
    let inventory: Record<string, number> = {};
    for (const item of items) {
      if (item.sk === INVENTORY_SK) inventory = countsOf(item);
      else if (item.entity === 'counterDay' && typeof item.day === 'string' && item.day <= toDay)
        days.push({ day: item.day, kind: item.kind as CounterKind, counts: countsOf(item) });
    }
    return { days, inventory };
  }
}
