import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type ChainHead, type ChainLink, nextLink } from '../domain/audit-chain';
import { objectionInstantMs } from '../domain/decide';
import { type ExpiryTombstone, tombstoneTtl } from '../domain/expiry-tombstone';
import { inParallel } from '../domain/in-parallel';
import { RETENTION_REPLAN_ENTITY, type RetentionItem } from '../domain/retention';
import { OUTBOUND_ATTRIBUTE } from '../domain/stream-events';
import type { OutboundEvent } from '../ports/event-publisher';
import {
  type AuditAppend,
  type CommitOutcome,
  type EventRef,
  type FreshCommit,
  type GatewayStore,
  type MessageRecord,
  type RecipientItemWrite,
  type RecipientStateRequest,
  type RetentionReplanRequest,
  recordedEventRef,
  type SendOnce,
  type StateWrite,
  type StoredAuditEntry,
  StoreError,
  StoreUnavailableError,
} from '../ports/gateway-store';
import { type AuditEvent, auditEventSchema } from '../schemas/audit';
import {
  type ConsentGrant,
  type ConsentRecord,
  type Objection,
  objectionSchema,
  type PendingConsent,
  pendingConsentSchema,
  type RecipientProfile,
  type RecipientState,
  recipientProfileSchema,
  type Suppression,
  suppressionSchema,
  type Withdrawal,
} from '../schemas/recipient';
import {
  BATCH_GET_ATTEMPTS,
  BATCH_GET_LIMIT,
  BATCH_WRITE_ATTEMPTS,
  BATCH_WRITE_LIMIT,
  DynamoDbTable,
  ENTITY_VERSION,
  recipientPk,
  translate,
} from './dynamodb-table';

/**
 * The recipient aggregate's adapter. The other aggregates of the table have their own
 * (dynamodb-tenant-store, -credential-store, -complaint-store, -due-queue); the key layout
 * of every item is in docs/architecture.md ("Key layout"). The recipient's rows, here too:
 *
 * Single-table layout (ElectroDB style: generic keys, each item names its entity and version):
 *
 * | item        | pk                          | sk                      |
 * |-------------|-----------------------------|-------------------------|
 * | profile     | TENANT#<id>#R#<recipientKey> | S#PROFILE              |
 * | consent     | (same)                      | S#CONSENT#<purpose>     |
 * | objection of a scope | (same)             | S#OBJECTION#scope#channel, S#OBJECTION#scope#purpose#<id> |
 * | objection (import, before one item per scope) | (same) | S#OBJECTION#<id>     |
 * | suppression | (same)                      | S#SUPPRESSION#<reason>  |
 * | latest objection per scope | (same)       | S#OBJSCOPE#channel, S#OBJSCOPE#purpose#<id> |
 * | message     | (same)                      | M#<sentAt>#<messageId>  |
 * | audit event, chain of changes | (same)    | A#C#<seq, 12 digits> (seq, prevHash, hash; a tombstone after erasure) |
 * | audit event, chain of decisions | (same)  | A#D#<seq, 12 digits>    |
 * | audit event of before the chain | (same)  | A#<at>#<eventId>        |
 * | marker of a fixed-id event | (same)       | E#<eventId>             |
 * | pending DOI | (same)                      | P#<pendingId> (ttl)     |
 * | confirmation mails claimed | (same)       | C#CONFIRM (ttl)         |
 * | retention re-plan asked | (same)          | R#REPLAN (ttl; gsi1 RETENTION_REPLAN) |
 * | bulk message outcome | OUTCOME#<sqsMessageId> | OUTCOME (ttl)         |
 *
 * Events out: an audit event (recipient or tenant) and a bulk outcome item carry the event
 * published for them in `out` ({detailType, detail}); the table's stream publishes each on
 * its INSERT (shared/domain/stream-events.ts), no item is ever updated to publish.
 *
 * Batched reads: every item a decision needs has a key known in advance (the profile, the
 * consent of the purpose, the two suppressions, and the latest objection of each scope
 * that can block the purpose), so many recipients' states are read with BatchGetItem
 * (100 keys a call) instead of one Query per partition. Objections themselves have
 * random ids; each one is written together with its scope's "latest objection" item in
 * one transaction, and the decision only ever needs the latest one per scope (R7: an
 * objection blocks unless a consent came after it, and an older objection is older still).
 *
 * A recipient's state is the `S#` items of one partition: the decision reads it with
 * one strongly consistent Query. Messages live beside it under `M#` so the log grows
 * without slowing that read. Objections and suppressions carry no address (R11).
 * Audit events (append-only, hash-chained: see commitChanges and docs/architecture.md)
 * and pending double opt-ins live in the same partition, so an erasure finds everything of
 * a recipient with one query. Every state item (`S#`) written through commitChanges keeps
 * `chain: {seq, hash, name}`, the link of the event that last wrote it.
 * (The key layout is documented once more, with the chain, in docs/architecture.md.)
 */

/** R7: one objection item per scope, however many times the person objects. */
const objectionItemSk = (objection: Pick<Objection, 'scope'>) =>
  objection.scope.type === 'channel'
    ? 'S#OBJECTION#scope#channel'
    : `S#OBJECTION#scope#purpose#${objection.scope.purpose}`;
const RETENTION_REPLAN_INDEX_PK = 'RETENTION_REPLAN';
const RETENTION_REPLAN_SK = 'R#REPLAN';
/** Updates in flight at once when TTLs are re-planned. */
const TTL_UPDATE_CONCURRENCY = 16;
/** Recipient state Queries in flight at once (a bulk batch, the SES endpoint's recipients). */
const STATE_QUERY_CONCURRENCY = 16;
const objectionScopeSk = (objection: Pick<Objection, 'scope'>) =>
  objection.scope.type === 'channel' ? 'S#OBJSCOPE#channel' : `S#OBJSCOPE#purpose#${objection.scope.purpose}`;

/** R3: the confirmation mails claimed per purpose (`until#<purpose>`, epoch ms), one item per recipient. */
const CONFIRMATION_SK = 'C#CONFIRM';

/** Tenant audit events, and a recipient's events written before the chain, sort by time. */
function auditSk(event: AuditEvent): string {
  return `A#${event.at}#${event.id}`;
}

/**
 * R15: a recipient's chained audit events are keyed by their sequence number, so that
 * "seq n is free" is the item's own `attribute_not_exists`: two writers that read the same
 * tip cannot both append, and no head item has to be written by every change (a send's
 * decision stays one put). A recipient has two chains: `C`, the changes to its state
 * (consents, objections, suppressions, erasure…), and `D`, the sending decisions (with their
 * basis and proof) and what became of them. Apart, so that an objection never queues behind
 * a burst of sends to the same person (each writer that loses a seq reads the tip again),
 * and sends never wait on each other's state changes. Both letters sort after the digits of
 * the events of before the chain (`A#2026-…`), which come first, as they came first in time.
 */
export type ChainName = 'C' | 'D';
const chainPrefix = (chain: ChainName) => `A#${chain}#`;
const chainSk = (chain: ChainName, seq: number) => `${chainPrefix(chain)}${String(seq).padStart(12, '0')}`;
const DECISION_TYPES = new Set<AuditEvent['type']>([
  'decision.sent',
  'decision.rejected',
  'decision.deferred',
  'decision.scheduled',
  'send.failed',
  'message.cancelled',
]);
/** The chain an event belongs to: a sending decision and its outcome, or a change. */
export const chainOf = (type: AuditEvent['type']): ChainName => (DECISION_TYPES.has(type) ? 'D' : 'C');
/** Marker of an event with a fixed id (SNS redelivery, import re-run): written with it, only if absent. */
const eventIdSk = (eventId: string) => `E#${eventId}`;
/**
 * Commits tried when other writers append to the same chain meanwhile (then
 * StoreUnavailableError), and the backoff between them: a random pause up to a cap that
 * doubles from CHAIN_BACKOFF_MS to CHAIN_BACKOFF_CAP_MS ("full jitter"). A burst of sends to
 * one person spreads out instead of retrying in step: 80 writers started at once all commit
 * (test/integration/chain-contention.test.ts; with 25 attempts of at most 20 ms, 24 of the 100
 * were refused), and the first retries stay a few ms (R7: an objection must not wait long).
 */
const CHAIN_ATTEMPTS = 60;
const CHAIN_BACKOFF_MS = 2;
const CHAIN_BACKOFF_CAP_MS = 100;
/** TransactWriteItems takes at most 100 items. */
const TRANSACTION_LIMIT = 100;

/**
 * Decisions read by a keyed send's look-back: a first page that holds a retry's first
 * attempt when nothing came between (about one read unit), then pages of up to 100.
 */
const LOOK_BACK_FIRST_PAGE = 4;
const LOOK_BACK_PAGE = 100;
/** A send key as stored: hashed, never the sender's own string. */
const onceKey = (key: string) => createHash('sha256').update(key).digest('base64url');
const onceAttribute = (once: SendOnce) => ({
  k: onceKey(once.key),
  f: once.fingerprint,
  ...(once.answer === undefined ? {} : { a: once.answer }),
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One item of a commit, and what it is for (a cancelled transaction names its items by index). */
interface Put {
  readonly Item: Record<string, unknown>;
  readonly ConditionExpression?: string;
  readonly role: 'state' | 'event' | 'marker';
  readonly eventId?: string;
}

/** An audit item as read back: a chained event, its tombstone after erasure (R11), or an event of before the chain. */
function auditEntryOf(item: Record<string, unknown>): StoredAuditEntry {
  if (typeof item.seq !== 'number') return { chained: false, event: auditEventSchema.parse(item.data) };
  const link = {
    chain: String(item.sk).slice(2, 3) as ChainName,
    position: Number(String(item.sk).slice(4)),
    seq: item.seq,
    prevHash: String(item.prevHash),
    hash: String(item.hash),
  };
  if (item.data === undefined) {
    const t = (item.tombstone ?? {}) as { type: AuditEvent['type']; at: string; expired?: unknown };
    // R9: a tombstone of expiry says when the event expired; one of erasure does not.
    const expired = typeof t.expired === 'string' ? { expired: t.expired } : {};
    return { chained: true, ...link, tombstone: { type: t.type, at: t.at, ...expired } };
  }
  // As stored, not as parsed: a field added to an event must change its hash, not be stripped.
  return { chained: true, ...link, event: item.data as AuditEvent };
}

function emptyState(recipientKey: string): RecipientState {
  return { recipientKey, consents: {}, objections: [], suppressions: [] };
}

/** Adds one state item (Query or BatchGetItem alike) to a recipient's state. */
function addStateItem(state: RecipientState, item: Record<string, unknown>): void {
  switch (item.entity) {
    case 'profile':
      state.profile = recipientProfileSchema.parse(item.data);
      break;
    case 'consent': {
      const record = item.data as ConsentRecord;
      state.consents[record.purpose] = record;
      break;
    }
    case 'objection': {
      // A scope's item: the first objection, and the latest when there were more (both count for R7).
      const first = objectionSchema.parse(item.data);
      state.objections.push(first);
      if (item.latest !== undefined) {
        const latest = objectionSchema.parse(item.latest);
        if (latest.id !== first.id) state.objections.push(latest);
      }
      break;
    }
    case 'objectionScope':
      // Only the batched read uses these; the Query sees every objection itself.
      break;
    case 'suppression':
      state.suppressions.push(suppressionSchema.parse(item.data));
      break;
    case 'repermission': {
      const data = { purpose: String(item.purpose), count: Number(item.count), lastAt: String(item.lastAt) };
      state.repermissions = { ...state.repermissions, [data.purpose]: data };
      break;
    }
  }
}

const messageOutcomeKey = (sqsMessageId: string) => ({ pk: `OUTCOME#${sqsMessageId}`, sk: 'OUTCOME' });

/** How many times an objection is read again and written when other writers changed its item meanwhile. */
const OBJECTION_ATTEMPTS = 25;

export class DynamoDbGatewayStore extends DynamoDbTable implements GatewayStore {
  async getRecipientState(tenantId: string, recipientKey: string): Promise<RecipientState> {
    const state = emptyState(recipientKey);
    let startKey: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.hotQueryPage({
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :state)',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
          ExpressionAttributeValues: { ':pk': recipientPk(tenantId, recipientKey), ':state': 'S#' },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        });
        for (const item of page.Items) addStateItem(state, item);
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    } catch (error) {
      translate(error);
    }
    return state;
  }

  putProfile(tenantId: string, recipientKey: string, profile: RecipientProfile): Promise<void> {
    return this.put({
      Item: {
        pk: recipientPk(tenantId, recipientKey),
        sk: 'S#PROFILE',
        entity: 'profile',
        v: ENTITY_VERSION,
        data: profile,
      },
    });
  }

  async putRecipientItems(tenantId: string, items: readonly RecipientItemWrite[]): Promise<void> {
    const byKey = new Map<string, Record<string, unknown>>();
    const add = (item: Record<string, unknown>) => byKey.set(`${item.pk}|${item.sk}`, item);
    for (const w of items) {
      const pk = recipientPk(tenantId, w.recipientKey);
      const base = { pk, v: ENTITY_VERSION, ttl: w.ttl };
      switch (w.kind) {
        case 'profile':
          add({ ...base, sk: 'S#PROFILE', entity: 'profile', data: w.profile });
          break;
        case 'consent':
          add({
            ...base,
            sk: `S#CONSENT#${w.purpose}`,
            entity: 'consent',
            data: { purpose: w.purpose, grant: w.grant },
          });
          break;
        case 'objection':
          if (w.latestOfScope) {
            add({
              ...base,
              sk: objectionScopeSk(w.objection),
              entity: 'objectionScope',
              data: w.objection,
              at: w.objection.at,
              atMs: objectionInstantMs(w.objection),
            });
          }
          add({ ...base, sk: `S#OBJECTION#${w.objection.id}`, entity: 'objection', data: w.objection });
          break;
        case 'suppression':
          add({
            ...base,
            sk: `S#SUPPRESSION#${w.suppression.reason}`,
            entity: 'suppression',
            data: w.suppression,
          });
          break;
        case 'audit':
          add({ ...base, sk: auditSk(w.event), entity: 'audit', data: w.event });
          break;
      }
    }
    const all = [...byKey.values()];
    try {
      for (let i = 0; i < all.length; i += BATCH_WRITE_LIMIT) {
        let pending: Record<string, unknown>[] | undefined = all
          .slice(i, i + BATCH_WRITE_LIMIT)
          .map((Item) => ({ PutRequest: { Item } }));
        for (let attempt = 0; pending && pending.length > 0; attempt++) {
          if (attempt >= BATCH_WRITE_ATTEMPTS) {
            throw new StoreUnavailableError('DynamoDB left items unwritten (throttled); import stopped');
          }
          if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(25 * 2 ** attempt, 2_000)));
          const page = await this.doc.send(
            new BatchWriteCommand({ RequestItems: { [this.tableName]: pending as never } }),
          );
          pending = page.UnprocessedItems?.[this.tableName] as Record<string, unknown>[] | undefined;
        }
      }
    } catch (error) {
      translate(error);
    }
  }

  putConsent(tenantId: string, recipientKey: string, purpose: string, grant: ConsentGrant): Promise<void> {
    return this.setConsentPart(tenantId, recipientKey, purpose, 'grant', grant);
  }

  putWithdrawal(
    tenantId: string,
    recipientKey: string,
    purpose: string,
    withdrawal: Withdrawal,
  ): Promise<void> {
    return this.setConsentPart(tenantId, recipientKey, purpose, 'withdrawal', withdrawal);
  }

  /** A consent item keeps the latest grant and the latest withdrawal side by side (R3: both with proof). */
  private async setConsentPart(
    tenantId: string,
    recipientKey: string,
    purpose: string,
    part: 'grant' | 'withdrawal',
    value: ConsentGrant | Withdrawal,
  ): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: recipientPk(tenantId, recipientKey), sk: `S#CONSENT#${purpose}` },
          UpdateExpression: 'SET #entity = :entity, #v = :v, #data = if_not_exists(#data, :empty)',
          ExpressionAttributeNames: { '#entity': 'entity', '#v': 'v', '#data': 'data' },
          ExpressionAttributeValues: { ':entity': 'consent', ':v': ENTITY_VERSION, ':empty': { purpose } },
        }),
      );
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: recipientPk(tenantId, recipientKey), sk: `S#CONSENT#${purpose}` },
          UpdateExpression: 'SET #data.#part = :value',
          ExpressionAttributeNames: { '#data': 'data', '#part': part },
          ExpressionAttributeValues: { ':value': value },
        }),
      );
    } catch (error) {
      translate(error);
    }
  }

  async putObjection(
    tenantId: string,
    recipientKey: string,
    objection: Objection,
  ): Promise<'recorded' | 'duplicate'> {
    const pk = recipientPk(tenantId, recipientKey);
    // The scope's latest objection first, then the objection itself: should the second write
    // fail, the batched read already sees the objection (fail closed, R7) and the caller's
    // retry completes it. (No transaction: the local engine of the time, dynalite, had none; the
    // order gives the same guarantee for what matters, never missing an objection.)
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk, sk: objectionScopeSk(objection) },
          UpdateExpression: 'SET #entity = :entity, #v = :v, #data = :data, #at = :at, #atMs = :atMs',
          // R7: compared as instants (epoch ms of when the objection took hold), never as text:
          // "12:00-08:00" is later than "18:00Z". An item written before `atMs` existed has
          // none and is replaced: the new objection was recorded after it, so it took hold
          // later (`npm run migrate` also rewrites those items).
          ConditionExpression: 'attribute_not_exists(#atMs) OR #atMs <= :atMs',
          ExpressionAttributeNames: {
            '#entity': 'entity',
            '#v': 'v',
            '#data': 'data',
            '#at': 'at',
            '#atMs': 'atMs',
          },
          ExpressionAttributeValues: {
            ':entity': 'objectionScope',
            ':v': ENTITY_VERSION,
            ':data': objection,
            ':at': objection.at,
            ':atMs': objectionInstantMs(objection),
          },
        }),
      );
    } catch (error) {
      // A later objection already holds the scope: it blocks at least as much.
      if (!(error instanceof ConditionalCheckFailedException)) translate(error);
    }
    return this.putObjectionItem(pk, objection);
  }

  /**
   * The scope's objection item: the first objection (`data`), the latest (`latest`) and a
   * count. The usual case, a new objection later than those kept, is one conditional
   * update; an objection older than one kept (a queued one applied late) or a repeat of
   * a kept id takes a read and a write under the count read.
   */
  private async putObjectionItem(pk: string, objection: Objection): Promise<'recorded' | 'duplicate'> {
    const key = { pk, sk: objectionItemSk(objection) };
    // Epoch milliseconds: instants compared as numbers, whatever their string form.
    const atMs = Date.parse(objection.at);
    const names = {
      '#entity': 'entity',
      '#v': 'v',
      '#data': 'data',
      '#latest': 'latest',
      '#firstMs': 'firstAtMs',
      '#latestMs': 'latestAtMs',
      '#count': 'count',
      '#id': 'id',
    };
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression:
            'SET #entity = :entity, #v = :v, #data = if_not_exists(#data, :o), #firstMs = if_not_exists(#firstMs, :ms), #latest = :o, #latestMs = :ms ADD #count :one',
          ConditionExpression:
            'attribute_not_exists(#data) OR (#data.#id <> :id AND #latest.#id <> :id AND #firstMs <= :ms AND #latestMs <= :ms)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: {
            ':entity': 'objection',
            ':v': ENTITY_VERSION,
            ':o': objection,
            ':ms': atMs,
            ':one': 1,
            ':id': objection.id,
          },
        }),
      );
      return 'recorded';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) translate(error);
    }
    // R7: an objection is never dropped for contention. Concurrent clicks on one scope (a
    // person clicking "stop all" again and again, or a link scanner) each win one round of
    // the conditional put, so the attempts outnumber any realistic burst, with a jittered
    // pause between them so that the writers do not retry in step.
    for (let attempt = 0; attempt < OBJECTION_ATTEMPTS; attempt++) {
      if (attempt > 0)
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * Math.min(attempt, 5)));
      try {
        const { Item } = await this.doc.send(
          new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
        );
        if (Item === undefined) continue;
        const first = objectionSchema.parse(Item.data);
        const latest = objectionSchema.parse(Item.latest ?? Item.data);
        if (first.id === objection.id || latest.id === objection.id) return 'duplicate';
        const firstMs = Number(Item.firstAtMs ?? Date.parse(first.at));
        const latestMs = Number(Item.latestAtMs ?? Date.parse(latest.at));
        const count = Number(Item.count ?? 1);
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...Item,
              data: atMs < firstMs ? objection : first,
              firstAtMs: Math.min(atMs, firstMs),
              latest: atMs >= latestMs ? objection : latest,
              latestAtMs: Math.max(atMs, latestMs),
              count: count + 1,
            },
            // Optimistic: another objection written meanwhile makes this one read again.
            ConditionExpression: '#count = :count',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: { ':count': Item.count },
          }),
        );
        return 'recorded';
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) translate(error);
      }
    }
    throw new StoreUnavailableError('The objection item kept changing; objection not recorded, retry');
  }

  async getRecipientStates(
    tenantId: string,
    requests: readonly RecipientStateRequest[],
    options: { readonly read?: 'batch' | 'query' } = {},
  ): Promise<Map<string, RecipientState>> {
    if (options.read === 'query') {
      // One Query per recipient (1 RRU for a state under 4 KB) instead of a batch that bills
      // each of its 3 + 3 per purpose keys: cheaper per message, in parallel.
      const keys = [...new Set(requests.map((r) => r.recipientKey))];
      const states = new Map<string, RecipientState>();
      for (let i = 0; i < keys.length; i += STATE_QUERY_CONCURRENCY) {
        const slice = keys.slice(i, i + STATE_QUERY_CONCURRENCY);
        const read = await Promise.all(slice.map((k) => this.getRecipientState(tenantId, k)));
        for (const [j, k] of slice.entries()) states.set(k, read[j] as RecipientState);
      }
      return states;
    }
    const states = new Map<string, RecipientState>();
    const keys = new Map<string, { pk: string; sk: string }>();
    for (const { recipientKey, purposes } of requests) {
      if (!states.has(recipientKey)) states.set(recipientKey, emptyState(recipientKey));
      const pk = recipientPk(tenantId, recipientKey);
      const sks = [
        'S#PROFILE',
        'S#SUPPRESSION#bounce',
        'S#SUPPRESSION#complaint',
        'S#OBJSCOPE#channel',
        ...purposes.flatMap((p) => [`S#CONSENT#${p}`, `S#OBJSCOPE#purpose#${p}`, `S#REPERM#${p}`]),
      ];
      for (const sk of sks) keys.set(`${pk}|${sk}`, { pk, sk });
    }
    const byPk = new Map([...states.keys()].map((k) => [recipientPk(tenantId, k), states.get(k)!]));
    const all = [...keys.values()];
    try {
      for (let i = 0; i < all.length; i += BATCH_GET_LIMIT) {
        let pending: Record<string, unknown>[] | undefined = all.slice(i, i + BATCH_GET_LIMIT);
        for (let attempt = 0; pending && pending.length > 0; attempt++) {
          if (attempt >= BATCH_GET_ATTEMPTS) {
            throw new StoreUnavailableError('DynamoDB left keys unprocessed (throttled); nothing decided');
          }
          if (attempt > 0) await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
          const page = await this.doc.send(
            new BatchGetCommand({
              RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
            }),
          );
          for (const item of page.Responses?.[this.tableName] ?? []) {
            const state = byPk.get(item.pk as string);
            if (item.entity === 'objectionScope') state?.objections.push(objectionSchema.parse(item.data));
            else if (state) addStateItem(state, item);
          }
          pending = page.UnprocessedKeys?.[this.tableName]?.Keys as Record<string, unknown>[] | undefined;
        }
      }
    } catch (error) {
      translate(error);
    }
    return states;
  }

  async countRepermission(
    tenantId: string,
    recipientKey: string,
    purpose: string,
    delta: 1 | -1,
    at: string,
  ) {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: recipientPk(tenantId, recipientKey), sk: `S#REPERM#${purpose}` },
          UpdateExpression:
            'SET #entity = :entity, #v = :v, #purpose = :purpose, #lastAt = :at ADD #count :delta',
          // Top-level attributes: ADD needs no enclosing map to exist on the first count.
          ExpressionAttributeNames: {
            '#entity': 'entity',
            '#v': 'v',
            '#purpose': 'purpose',
            '#lastAt': 'lastAt',
            '#count': 'count',
          },
          ExpressionAttributeValues: {
            ':entity': 'repermission',
            ':v': ENTITY_VERSION,
            ':purpose': purpose,
            ':at': at,
            ':delta': delta,
          },
        }),
      );
    } catch (error) {
      translate(error);
    }
  }

  putSuppression(tenantId: string, recipientKey: string, suppression: Suppression): Promise<void> {
    return this.put({
      Item: {
        pk: recipientPk(tenantId, recipientKey),
        sk: `S#SUPPRESSION#${suppression.reason}`,
        entity: 'suppression',
        v: ENTITY_VERSION,
        data: suppression,
      },
    });
  }

  putMessage(tenantId: string, recipientKey: string, message: MessageRecord, ttl?: number): Promise<void> {
    return this.put({
      Item: {
        pk: recipientPk(tenantId, recipientKey),
        sk: `M#${message.sentAt ?? message.decidedAt}#${message.messageId}`,
        entity: 'message',
        v: ENTITY_VERSION,
        data: message,
        ttl,
      },
    });
  }

  async retentionItems(tenantId: string, recipientKey: string, prefix = ''): Promise<RetentionItem[]> {
    const items = await this.queryPrefix(tenantId, recipientKey, prefix);
    // R9: a tombstone of expiry keeps the TTL keepExpiredLink gave it (the rest of the
    // partition's), not the person's retention, which could let it go before the rest.
    const expiryTombstone = (item: Record<string, unknown>) =>
      typeof (item.tombstone as { expired?: unknown } | undefined)?.expired === 'string';
    return items
      .filter((item) => !expiryTombstone(item))
      .map((item) => {
        const data = item.data as { at?: string; type?: string } | undefined;
        // A scope's objection item expires on the clock of its latest objection (R11).
        const latest = item.latest as { at?: string } | undefined;
        return {
          sk: String(item.sk),
          entity: String(item.entity),
          ttl: typeof item.ttl === 'number' ? item.ttl : undefined,
          at: latest?.at ?? data?.at,
          auditType: item.entity === 'audit' ? data?.type : undefined,
        };
      });
  }

  async setTtls(
    tenantId: string,
    recipientKey: string,
    updates: readonly { sk: string; ttl: number }[],
  ): Promise<void> {
    const pk = recipientPk(tenantId, recipientKey);
    let next = 0;
    // BatchWriteItem has no update, and a put would bring back an item erased meanwhile:
    // conditional updates, TTL_UPDATE_CONCURRENCY in flight at once.
    const worker = async () => {
      while (next < updates.length) {
        const { sk, ttl } = updates[next++]!;
        try {
          await this.doc.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: { pk, sk },
              UpdateExpression: 'SET #ttl = :ttl',
              ConditionExpression: 'attribute_exists(#sk)',
              ExpressionAttributeNames: { '#ttl': 'ttl', '#sk': 'sk' },
              ExpressionAttributeValues: { ':ttl': ttl },
            }),
          );
        } catch (error) {
          // Deleted meanwhile (erasure, TTL): nothing to keep.
          if (!(error instanceof ConditionalCheckFailedException)) translate(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(TTL_UPDATE_CONCURRENCY, updates.length) }, worker));
  }

  async requestRetentionReplan(tenantId: string, recipientKey: string, requestedAt: string): Promise<void> {
    await this.put({
      Item: {
        pk: recipientPk(tenantId, recipientKey),
        sk: RETENTION_REPLAN_SK,
        entity: RETENTION_REPLAN_ENTITY,
        v: ENTITY_VERSION,
        tenantId,
        recipientKey,
        requestedAt,
        gsi1pk: RETENTION_REPLAN_INDEX_PK,
        gsi1sk: `${requestedAt}#${tenantId}#${recipientKey}`,
        // Not kept forever either (R9): 30 days is many scheduled runs.
        ttl: Math.floor(Date.parse(requestedAt) / 1000) + 30 * 86_400,
      },
    });
  }

  async listRetentionReplans(limit: number): Promise<RetentionReplanRequest[]> {
    try {
      const { Items = [] } = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': 'gsi1pk' },
          ExpressionAttributeValues: { ':pk': RETENTION_REPLAN_INDEX_PK },
          Limit: limit,
        }),
      );
      return Items.map((i) => ({
        tenantId: String(i.tenantId),
        recipientKey: String(i.recipientKey),
        requestedAt: String(i.requestedAt),
      }));
    } catch (error) {
      translate(error);
    }
  }

  async completeRetentionReplan(request: RetentionReplanRequest): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: recipientPk(request.tenantId, request.recipientKey), sk: RETENTION_REPLAN_SK },
          ConditionExpression: '#at = :at',
          ExpressionAttributeNames: { '#at': 'requestedAt' },
          ExpressionAttributeValues: { ':at': request.requestedAt },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) translate(error);
    }
  }

  /** Every item of the partition whose sort key starts with `prefix`, oldest first. */
  private async queryPrefix(
    tenantId: string,
    recipientKey: string,
    prefix: string,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: prefix ? '#pk = :pk AND begins_with(#sk, :prefix)' : '#pk = :pk',
            ExpressionAttributeNames: prefix ? { '#pk': 'pk', '#sk': 'sk' } : { '#pk': 'pk' },
            ExpressionAttributeValues: prefix
              ? { ':pk': recipientPk(tenantId, recipientKey), ':prefix': prefix }
              : { ':pk': recipientPk(tenantId, recipientKey) },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
        items.push(...(page.Items ?? []));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    } catch (error) {
      translate(error);
    }
    return items;
  }

  async listMessages(tenantId: string, recipientKey: string): Promise<MessageRecord[]> {
    return (await this.queryPrefix(tenantId, recipientKey, 'M#')).map((item) => item.data as MessageRecord);
  }

  /** The last link of the recipient's chain (one strongly consistent item read), none before the first event. */
  private async chainTip(pk: string, chain: ChainName): Promise<ChainHead | undefined> {
    const { Items } = await this.hotQueryPage({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :c)',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#seq': 'seq', '#hash': 'hash' },
      ExpressionAttributeValues: { ':pk': pk, ':c': chainPrefix(chain) },
      ProjectionExpression: '#seq, #hash',
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    });
    const tip = Items[0];
    return tip === undefined ? undefined : { seq: Number(tip.seq), hash: String(tip.hash) };
  }

  /**
   * A keyed send's look-back: the recipient's decisions, newest first, until one of the key
   * (`earlier`, unless a `send.failed` of its message came after it: nothing went out, so the
   * send may be tried again) or one decided before the key's window. The first item read is
   * the tip. A send's first attempt reads all of the recipient's decisions of the window (to
   * find none of its key): a few for most people, since they get a few messages a day; a
   * recipient that got 1,000 decisions in a day costs a keyed send about 200 read units.
   */
  private async lookBack(
    pk: string,
    once: SendOnce,
  ): Promise<
    { outcome: 'none'; tip: ChainHead | undefined } | Extract<CommitOutcome, { outcome: 'earlier' }>
  > {
    const key = onceKey(once.key);
    const failed = new Set<string>();
    let tip: ChainHead | undefined;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.hotQueryPage({
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :c)',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
        ExpressionAttributeValues: { ':pk': pk, ':c': chainPrefix('D') },
        ScanIndexForward: false,
        Limit: start === undefined ? LOOK_BACK_FIRST_PAGE : LOOK_BACK_PAGE,
        ConsistentRead: true,
        ExclusiveStartKey: start,
      });
      for (const item of page.Items) {
        tip ??= { seq: Number(item.seq), hash: String(item.hash) };
        const event = item.data as AuditEvent | undefined;
        // An erased or expired event keeps its time on its tombstone.
        const at = event?.at ?? (item.tombstone as { at?: string } | undefined)?.at;
        if (at !== undefined && at < once.since) return { outcome: 'none', tip };
        if (event === undefined) continue;
        const messageId = (event.data as { messageId?: unknown }).messageId;
        if (event.type === 'send.failed' && typeof messageId === 'string') failed.add(messageId);
        const claim = item.once as { k?: string; f?: string; a?: Record<string, unknown> } | undefined;
        if (claim?.k !== key) continue;
        if (typeof messageId === 'string' && failed.has(messageId)) return { outcome: 'none', tip };
        return {
          outcome: 'earlier',
          event,
          fingerprint: String(claim.f),
          ...(claim.a === undefined ? {} : { answer: claim.a }),
        };
      }
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return { outcome: 'none', tip };
  }

  /** The state items a write merges into, read after the tip (so a writer that appended meanwhile makes the commit fail). */
  private async currentItems(
    pk: string,
    sks: readonly string[],
  ): Promise<Map<string, Record<string, unknown>>> {
    const found = new Map<string, Record<string, unknown>>();
    await Promise.all(
      [...new Set(sks)].map(async (sk) => {
        const { Item } = await this.doc.send(
          new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true }),
        );
        if (Item !== undefined) found.set(sk, Item);
      }),
    );
    return found;
  }

  /**
   * The items a state write puts, merged with what is stored. Every writer of a recipient's
   * state commits through the chain, and the commit fails if another appended since the tip
   * was read (read before these items), so plain puts of the merged items lose nothing.
   * 'duplicate': the objection is already recorded under its id (R7).
   */
  private stateItems(
    pk: string,
    write: StateWrite,
    current: Map<string, Record<string, unknown>>,
    anchor: ChainHead,
  ): Record<string, unknown>[] | 'duplicate' {
    const base = {
      pk,
      v: ENTITY_VERSION,
      chain: { ...anchor, name: 'C' },
      ...(write.ttl !== undefined ? { ttl: write.ttl } : {}),
    };
    switch (write.kind) {
      case 'profile':
        return [{ ...base, sk: 'S#PROFILE', entity: 'profile', data: write.profile }];
      case 'suppression':
        return [
          {
            ...base,
            sk: `S#SUPPRESSION#${write.suppression.reason}`,
            entity: 'suppression',
            data: write.suppression,
          },
        ];
      case 'consent':
      case 'withdrawal': {
        // A consent item keeps the latest grant and the latest withdrawal side by side (R3: both with proof).
        const sk = `S#CONSENT#${write.purpose}`;
        const stored = current.get(sk);
        const data = { ...((stored?.data as object | undefined) ?? {}), purpose: write.purpose };
        const part = write.kind === 'consent' ? { grant: write.grant } : { withdrawal: write.withdrawal };
        return [{ ...stored, ...base, sk, entity: 'consent', data: { ...data, ...part } }];
      }
      case 'objection': {
        const objection = write.objection;
        const atMs = Date.parse(objection.at);
        const itemSk = objectionItemSk(objection);
        const stored = current.get(itemSk);
        let item: Record<string, unknown>;
        if (stored === undefined) {
          item = {
            ...base,
            sk: itemSk,
            entity: 'objection',
            data: objection,
            firstAtMs: atMs,
            latest: objection,
            latestAtMs: atMs,
            count: 1,
          };
        } else {
          const first = objectionSchema.parse(stored.data);
          const latest = objectionSchema.parse(stored.latest ?? stored.data);
          if (first.id === objection.id || latest.id === objection.id) return 'duplicate';
          const firstMs = Number(stored.firstAtMs ?? Date.parse(first.at));
          const latestMs = Number(stored.latestAtMs ?? Date.parse(latest.at));
          item = {
            ...stored,
            ...base,
            data: atMs < firstMs ? objection : first,
            firstAtMs: Math.min(atMs, firstMs),
            latest: atMs >= latestMs ? objection : latest,
            latestAtMs: Math.max(atMs, latestMs),
            count: Number(stored.count ?? 1) + 1,
          };
        }
        const items = [item];
        // The scope's latest objection, for the batched read: R7 compares instants (epoch ms of
        // when the objection took hold), never text; a later one already there blocks as much.
        const scopeSk = objectionScopeSk(objection);
        const scope = current.get(scopeSk);
        const ms = objectionInstantMs(objection);
        if (scope?.atMs === undefined || Number(scope.atMs) <= ms)
          items.push({
            ...base,
            sk: scopeSk,
            entity: 'objectionScope',
            data: objection,
            at: objection.at,
            atMs: ms,
          });
        return items;
      }
    }
  }

  async commitChanges(
    tenantId: string,
    recipientKey: string,
    writes: readonly StateWrite[],
    events: readonly AuditAppend[],
    options: { readonly fresh?: boolean; readonly once?: SendOnce } = {},
  ): Promise<CommitOutcome> {
    if (events.length === 0) throw new StoreError('A state change is committed with its audit event (R15)');
    const pk = recipientPk(tenantId, recipientKey);
    const chain = chainOf(events[0]?.event.type as AuditEvent['type']);
    if (events.some(({ event }) => chainOf(event.type) !== chain))
      throw new StoreError('One commit appends to one chain: changes and decisions are committed apart');
    const mergedSks = writes.flatMap((w) =>
      w.kind === 'consent' || w.kind === 'withdrawal'
        ? [`S#CONSENT#${w.purpose}`]
        : w.kind === 'objection'
          ? [objectionItemSk(w.objection), objectionScopeSk(w.objection)]
          : [],
    );
    // Events whose fixed id turned out recorded already (a redelivery, an import re-run): left out.
    const recorded = new Set<string>();
    for (let attempt = 0; attempt < CHAIN_ATTEMPTS; attempt++) {
      const appended = events.filter(({ event }) => !recorded.has(event.id));
      if (appended.length === 0) return { outcome: 'duplicate' };
      // Jittered, so that writers that lost the same seq do not retry in step (see CHAIN_ATTEMPTS).
      if (attempt > 0)
        await sleep(Math.random() * Math.min(CHAIN_BACKOFF_CAP_MS, CHAIN_BACKOFF_MS * 2 ** attempt));
      let tip: ChainHead | undefined;
      let current: Map<string, Record<string, unknown>>;
      try {
        // The tip first, then the items merged: a writer that commits in between has taken
        // the seq read, so this commit fails and reads both again.
        // A recipient the caller found empty: seq 1 and nothing to merge, unless a writer
        // came first (then seq 1 is taken, the commit fails, and the next attempt reads).
        const fresh = options.fresh === true && attempt === 0;
        if (options.once !== undefined && !fresh) {
          const found = await this.lookBack(pk, options.once);
          if (found.outcome === 'earlier') return found;
          tip = found.tip;
        } else tip = fresh ? undefined : await this.chainTip(pk, chain);
        current = fresh || mergedSks.length === 0 ? new Map() : await this.currentItems(pk, mergedSks);
      } catch (error) {
        translate(error);
      }
      const links: ChainLink[] = [];
      let head = tip;
      for (const { event } of appended) {
        const link = nextLink(head, event);
        links.push(link);
        head = { seq: link.seq, hash: link.hash };
      }
      const anchor = head as ChainHead;
      const puts: Put[] = [];
      for (const write of writes) {
        const items = this.stateItems(pk, write, current, anchor);
        if (items === 'duplicate') return { outcome: 'duplicate' };
        for (const Item of items) puts.push({ Item, role: 'state' });
      }
      appended.forEach(({ event, ttl, out }, i) => {
        const link = links[i] as ChainLink;
        puts.push({
          Item: {
            pk,
            sk: chainSk(chain, link.seq),
            entity: 'audit',
            v: ENTITY_VERSION,
            ...link,
            data: event,
            ttl,
            // The event out rides in the same item: the table's stream publishes it on this
            // INSERT (shared/domain/stream-events.ts), so it leaves if and only if it committed.
            [OUTBOUND_ATTRIBUTE]: out,
            // A keyed send's claim, beside the event (not in it: the hash covers the event only).
            ...(options.once === undefined ? {} : { once: onceAttribute(options.once) }),
          },
          ConditionExpression: 'attribute_not_exists(#sk)',
          role: 'event',
        });
        if (appended[i]?.fixedId)
          puts.push({
            Item: {
              pk,
              sk: eventIdSk(event.id),
              entity: 'auditId',
              v: ENTITY_VERSION,
              eventId: event.id,
              ttl,
            },
            ConditionExpression: 'attribute_not_exists(#sk)',
            role: 'marker',
            eventId: event.id,
          });
      });
      const committed: CommitOutcome = {
        outcome: 'committed',
        events: links.map((l, i) => ({
          eventId: appended[i]?.event.id as string,
          sk: chainSk(chain, l.seq),
          seq: l.seq,
        })),
      };
      if (puts.length > TRANSACTION_LIMIT)
        throw new StoreError(
          `A change of ${puts.length} items exceeds one transaction (${TRANSACTION_LIMIT})`,
        );
      const outcome =
        puts.length === 1
          ? await this.putOne(puts[0] as Put)
          : await this.transact(puts, `${pk}|${chain}|${links.map((l) => l.hash).join('|')}`);
      if (outcome === 'committed') return committed;
      if (outcome === 'retry') continue;
      for (const id of outcome.recorded) recorded.add(id);
    }
    throw new StoreUnavailableError(
      'The audit chain kept moving (concurrent writers); change not recorded, retry',
    );
  }

  /** A send's decision: one conditional put (1 write unit), no transaction (2 per item). */
  private async putOne(put: Put): Promise<'committed' | 'retry'> {
    try {
      await this.hotPut({
        Item: put.Item,
        ConditionExpression: put.ConditionExpression,
        ExpressionAttributeNames: { '#sk': 'sk' },
      });
      return 'committed';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'retry'; // another writer took the seq
      translate(error);
    }
  }

  /**
   * One TransactWriteItems. 'retry': another writer took the seq, or wrote the same items at
   * that moment; `recorded`: those fixed-id events are already stored (markers found).
   * Throttling and any other cancellation: StoreUnavailableError (fail closed, nothing stored).
   */
  private async transact(
    puts: readonly Put[],
    token: string,
  ): Promise<'committed' | 'retry' | { recorded: string[] }> {
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: puts.map(({ Item, ConditionExpression }) => ({
            Put: {
              TableName: this.tableName,
              Item,
              ...(ConditionExpression
                ? { ConditionExpression, ExpressionAttributeNames: { '#sk': 'sk' } }
                : {}),
            },
          })),
          // Deterministic for this content: a re-send of the very same transaction (a lost
          // answer) is applied once (the SDK fills in a token of its own for its retries otherwise).
          ClientRequestToken: createHash('sha256').update(token).digest('hex').slice(0, 36),
        }),
      );
      return 'committed';
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name !== 'TransactionCanceledException') translate(error);
      const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
      const failed = reasons.flatMap((r, i) =>
        r.Code && r.Code !== 'None' ? [{ code: r.Code, put: puts[i] }] : [],
      );
      const markers = failed.filter((f) => f.code === 'ConditionalCheckFailed' && f.put?.role === 'marker');
      if (markers.length > 0) return { recorded: markers.map((f) => f.put?.eventId as string) };
      if (failed.every((f) => f.code === 'ConditionalCheckFailed' || f.code === 'TransactionConflict'))
        return 'retry';
      throw new StoreUnavailableError(
        `DynamoDB cancelled the transaction (${failed.map((f) => f.code).join(', ') || 'unknown'})`,
        { cause: error },
      );
    }
  }

  async putMessageOutcome(sqsMessageId: string, out: OutboundEvent, ttl: number): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...messageOutcomeKey(sqsMessageId),
            entity: 'messageOutcome',
            v: ENTITY_VERSION,
            ttl,
            [OUTBOUND_ATTRIBUTE]: out,
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': 'pk' },
        }),
      );
      return true;
    } catch (error) {
      // Written by an earlier delivery of the same SQS message: its event is on its way already.
      if (error instanceof ConditionalCheckFailedException) return false;
      translate(error);
    }
  }

  async listAudit(tenantId: string, recipientKey: string): Promise<AuditEvent[]> {
    const events: AuditEvent[] = [];
    // Parsed for the API (its field order); the verifier hashes the items as stored.
    for await (const entry of this.auditEntries(tenantId, recipientKey))
      if (entry.event) events.push(auditEventSchema.parse(entry.event));
    // The two chains (and the events of before them) merged in time order; a stable sort
    // keeps each chain's own order for events of the same instant.
    return events.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  }

  async *auditEntries(tenantId: string, recipientKey: string): AsyncIterable<StoredAuditEntry> {
    let startKey: Record<string, unknown> | undefined;
    do {
      let page: { Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> };
      try {
        page = await this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :a)',
            ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
            ExpressionAttributeValues: { ':pk': recipientPk(tenantId, recipientKey), ':a': 'A#' },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
      } catch (error) {
        translate(error);
      }
      for (const item of page.Items ?? []) yield auditEntryOf(item);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  async chainAnchors(tenantId: string, recipientKey: string): Promise<ChainHead[]> {
    const items = await this.queryPrefix(tenantId, recipientKey, 'S#');
    return items.flatMap((item) => {
      const chain = item.chain as { seq?: unknown; hash?: unknown } | undefined;
      return chain && typeof chain.seq === 'number' && typeof chain.hash === 'string'
        ? [{ seq: chain.seq, hash: chain.hash }]
        : [];
    });
  }

  async keepExpiredLink(tombstone: ExpiryTombstone, now: Date): Promise<'written' | 'present' | 'gone'> {
    // What else the partition holds, and until when (projected: the TTLs, never the data).
    const live: { ttl?: number }[] = [];
    let startKey: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#ttl': 'ttl', '#t': 'tombstone' },
            ExpressionAttributeValues: { ':pk': tombstone.pk },
            ProjectionExpression: '#sk, #ttl, #t',
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          // Tombstones (of erasure or expiry) hold nothing of the person: they keep nothing alive.
          if (item.sk === tombstone.sk || item.tombstone !== undefined) continue;
          live.push(typeof item.ttl === 'number' ? { ttl: item.ttl } : {});
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    } catch (error) {
      translate(error);
    }
    const ttl = tombstoneTtl(live, Math.floor(now.getTime() / 1000));
    if (ttl === undefined) return 'gone';
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          // Built field by field: no `data`, no `out` (its INSERT publishes nothing).
          Item: {
            pk: tombstone.pk,
            sk: tombstone.sk,
            entity: 'audit',
            v: ENTITY_VERSION,
            seq: tombstone.seq,
            prevHash: tombstone.prevHash,
            hash: tombstone.hash,
            tombstone: tombstone.tombstone,
            ttl,
          },
          ConditionExpression: 'attribute_not_exists(#sk)',
          ExpressionAttributeNames: { '#sk': 'sk' },
        }),
      );
      return 'written';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'present';
      translate(error);
    }
  }

  async *auditedRecipients(tenantId: string): AsyncIterable<string> {
    const prefix = recipientPk(tenantId, '');
    let startKey: Record<string, unknown> | undefined;
    // Consecutive duplicates only: a scan returns a partition's items together, and nothing
    // is kept per recipient (a tenant of millions is streamed, not held).
    let previous: string | undefined;
    do {
      let page: { Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> };
      try {
        page = await this.doc.send(
          new ScanCommand({
            TableName: this.tableName,
            FilterExpression: 'begins_with(#pk, :p) AND begins_with(#sk, :a)',
            ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
            ExpressionAttributeValues: { ':p': prefix, ':a': 'A#' },
            ProjectionExpression: '#pk',
            ExclusiveStartKey: startKey,
          }),
        );
      } catch (error) {
        translate(error);
      }
      for (const item of page.Items ?? []) {
        const key = String(item.pk).slice(prefix.length);
        if (key !== previous) yield key;
        previous = key;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  putPendingConsent(tenantId: string, recipientKey: string, pending: PendingConsent): Promise<void> {
    return this.put({
      Item: {
        pk: recipientPk(tenantId, recipientKey),
        sk: `P#${pending.id}`,
        entity: 'pendingConsent',
        v: ENTITY_VERSION,
        data: pending,
        // DynamoDB's TTL removes it once its confirmation link has expired.
        ttl: Math.floor(Date.parse(pending.expiresAt) / 1000),
      },
    });
  }

  async getPendingConsent(
    tenantId: string,
    recipientKey: string,
    id: string,
  ): Promise<PendingConsent | undefined> {
    try {
      const { Item } = await this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: recipientPk(tenantId, recipientKey), sk: `P#${id}` },
          ConsistentRead: true,
        }),
      );
      return Item ? pendingConsentSchema.parse(Item.data) : undefined;
    } catch (error) {
      translate(error);
    }
  }

  async claimConfirmation(
    tenantId: string,
    recipientKey: string,
    purposes: readonly string[],
    now: Date,
    until: Date,
  ): Promise<string[]> {
    const key = { pk: recipientPk(tenantId, recipientKey), sk: CONFIRMATION_SK };
    let free = [...new Set(purposes)];
    // A lost race re-reads the claims and tries again with what is still free.
    for (let attempt = 0; attempt < 4 && free.length > 0; attempt++) {
      const names: Record<string, string> = { '#entity': 'entity', '#v': 'v', '#ttl': 'ttl' };
      const sets = ['#entity = :entity', '#v = :v', '#ttl = :ttl'];
      const conditions: string[] = [];
      free.forEach((purpose, i) => {
        names[`#u${i}`] = `until#${purpose}`;
        sets.push(`#u${i} = :until`);
        // Epoch milliseconds: a number comparison, whatever the string form of instants.
        conditions.push(`(attribute_not_exists(#u${i}) OR #u${i} <= :now)`);
      });
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: conditions.join(' AND '),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: {
              ':entity': 'confirmationClaims',
              ':v': ENTITY_VERSION,
              ':ttl': Math.ceil(until.getTime() / 1000),
              ':until': until.getTime(),
              ':now': now.getTime(),
            },
          }),
        );
        return free;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) translate(error);
      }
      try {
        const { Item = {} } = await this.doc.send(
          new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
        );
        free = free.filter((p) => !(Number(Item[`until#${p}`] ?? 0) > now.getTime()));
      } catch (error) {
        translate(error);
      }
    }
    return [];
  }

  async releaseConfirmation(
    tenantId: string,
    recipientKey: string,
    purposes: readonly string[],
    until: Date,
  ): Promise<void> {
    for (const purpose of purposes) {
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: recipientPk(tenantId, recipientKey), sk: CONFIRMATION_SK },
            UpdateExpression: 'REMOVE #u',
            ConditionExpression: '#u = :until',
            ExpressionAttributeNames: { '#u': `until#${purpose}` },
            ExpressionAttributeValues: { ':until': until.getTime() },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) translate(error);
      }
    }
  }

  async eraseRecipient(
    tenantId: string,
    recipientKey: string,
    keepAuditTypes: readonly AuditEvent['type'][],
  ): Promise<number> {
    const items = await this.queryPrefix(tenantId, recipientKey, '');
    const kept = (item: Record<string, unknown>) =>
      item.data !== undefined && keepAuditTypes.includes((item.data as AuditEvent).type);
    // R11/R15: a chained event's content goes, its link stays (seq, prevHash, hash, type, at),
    // so the chain still verifies without the personal data.
    const tombstoned = items.filter(
      (item) =>
        item.entity === 'audit' && typeof item.seq === 'number' && item.data !== undefined && !kept(item),
    );
    const doomed = items.filter((item) => {
      // R11: what honours the opposition stays, including the scope items the batched read uses.
      if (item.entity === 'objection' || item.entity === 'objectionScope' || item.entity === 'suppression') {
        return false;
      }
      if (item.entity === 'audit') return typeof item.seq !== 'number' && !kept(item);
      return true;
    });
    try {
      for (let i = 0; i < tombstoned.length; i += 25) {
        let requests: Record<string, unknown>[] | undefined = tombstoned.slice(i, i + 25).map((item) => {
          // The event out goes with the content: its detail (purposes, an SMS reply's text) is
          // the erased person's data as much as the event is; so does a keyed send's claim (its
          // fingerprint is a hash of the request, which names the person).
          const {
            data,
            [OUTBOUND_ATTRIBUTE]: _out,
            once: _once,
            ...link
          } = item as { data: AuditEvent } & Record<string, unknown>;
          return { PutRequest: { Item: { ...link, tombstone: { type: data.type, at: data.at } } } };
        });
        for (let attempt = 0; requests && requests.length > 0; attempt++) {
          if (attempt === 5) throw new StoreUnavailableError('DynamoDB left erasures unprocessed');
          const result = await this.doc.send(
            new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }),
          );
          requests = result.UnprocessedItems?.[this.tableName] as Record<string, unknown>[] | undefined;
        }
      }
      for (let i = 0; i < doomed.length; i += 25) {
        let requests: Record<string, unknown>[] | undefined = doomed
          .slice(i, i + 25)
          .map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } }));
        for (let attempt = 0; requests && requests.length > 0; attempt++) {
          if (attempt === 5) throw new StoreUnavailableError('DynamoDB left deletions unprocessed');
          const result = await this.doc.send(
            new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }),
          );
          requests = result.UnprocessedItems?.[this.tableName] as Record<string, unknown>[] | undefined;
        }
      }
    } catch (error) {
      translate(error);
    }
    return doomed.length + tombstoned.length;
  }

  // R16: the bulk import's reads and writes (shared/services/legacy-import.ts).

  async recordedEvents(tenantId: string, refs: readonly EventRef[]): Promise<Set<string>> {
    const byKey = new Map<string, string>();
    for (const ref of refs)
      byKey.set(
        `${recipientPk(tenantId, ref.recipientKey)}|${eventIdSk(ref.eventId)}`,
        recordedEventRef(ref),
      );
    const keys = [...byKey.keys()].map((k) => {
      const [pk, sk] = k.split('|') as [string, string];
      return { pk, sk };
    });
    const found = new Set<string>();
    const chunks: { pk: string; sk: string }[][] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) chunks.push(keys.slice(i, i + BATCH_GET_LIMIT));
    // The table's own batched read (unprocessed keys retried, then fail closed), a few at a time.
    await inParallel(chunks, IMPORT_CALLS_IN_FLIGHT, async (chunk) => {
      for (const item of await this.batchGet(chunk, 'import markers')) {
        const ref = byKey.get(`${item.pk}|${item.sk}`);
        if (ref !== undefined) found.add(ref);
      }
    });
    return found;
  }

  async commitFreshRecipients(
    tenantId: string,
    commits: readonly FreshCommit[],
  ): Promise<{ raced: string[] }> {
    // Each recipient's puts as commitChanges writes them for a recipient with no item yet
    // (tip: none; nothing to merge), every put conditional on its key being free.
    const units = commits.map((commit) => {
      const pk = recipientPk(tenantId, commit.recipientKey);
      if (
        commit.events.length === 0 ||
        commit.events.some((e) => !e.fixedId || chainOf(e.event.type) !== 'C')
      )
        throw new StoreError('A fresh commit appends fixed-id events to the chain of changes (R15)');
      let head: ChainHead | undefined;
      const links = commit.events.map(({ event }) => {
        const link = nextLink(head, event);
        head = { seq: link.seq, hash: link.hash };
        return link;
      });
      // Two rows of the file writing the same item (two opt-outs of one address): merged
      // into one put, as commitChanges would merge the second into the first (R7: one
      // objection item per scope, counting both).
      const state = new Map<string, Record<string, unknown>>();
      for (const write of commit.writes) {
        const items = this.stateItems(pk, write, state, head as ChainHead);
        if (items !== 'duplicate') for (const item of items) state.set(String(item.sk), item);
      }
      const puts: Record<string, unknown>[] = [...state.values()];
      commit.events.forEach(({ event, ttl, out }, i) => {
        const link = links[i] as ChainLink;
        puts.push(
          {
            pk,
            sk: chainSk('C', link.seq),
            entity: 'audit',
            v: ENTITY_VERSION,
            ...link,
            data: event,
            ttl,
            [OUTBOUND_ATTRIBUTE]: out,
          },
          { pk, sk: eventIdSk(event.id), entity: 'auditId', v: ENTITY_VERSION, eventId: event.id, ttl },
        );
      });
      if (puts.length > TRANSACTION_LIMIT)
        throw new StoreError(
          `A change of ${puts.length} items exceeds one transaction (${TRANSACTION_LIMIT})`,
        );
      return { recipientKey: commit.recipientKey, puts };
    });
    // Packed in order: as many whole recipients per transaction as fit in FRESH_TRANSACTION_ITEMS.
    const groups: (typeof units)[] = [];
    let size = TRANSACTION_LIMIT;
    for (const unit of units) {
      if (size + unit.puts.length > FRESH_TRANSACTION_ITEMS) {
        groups.push([]);
        size = 0;
      }
      groups.at(-1)?.push(unit);
      size += unit.puts.length;
    }
    const raced: string[] = [];
    await inParallel(groups, IMPORT_CALLS_IN_FLIGHT, async (group) => {
      let left = group;
      for (let attempt = 0; left.length > 0; attempt++) {
        if (attempt >= FRESH_ATTEMPTS)
          throw new StoreUnavailableError('DynamoDB kept cancelling the import transaction; import stopped');
        if (attempt > 0) await sleep(Math.random() * Math.min(2_000, 25 * 2 ** attempt));
        const puts = left.flatMap((u) => u.puts.map((Item) => ({ Item, recipientKey: u.recipientKey })));
        try {
          await this.doc.send(
            new TransactWriteCommand({
              TransactItems: puts.map(({ Item }) => ({
                Put: {
                  TableName: this.tableName,
                  Item,
                  // Every item, state ones included: a writer outside the chain is not overwritten either.
                  ConditionExpression: 'attribute_not_exists(#sk)',
                  ExpressionAttributeNames: { '#sk': 'sk' },
                },
              })),
              // Deterministic for this content and attempt: a lost answer re-sent by the SDK is
              // applied once; a new attempt after a cancellation is a new request.
              ClientRequestToken: createHash('sha256')
                .update(
                  `${attempt}|${puts.map(({ Item }) => `${Item.pk}|${Item.sk}|${Item.hash ?? ''}`).join('|')}`,
                )
                .digest('hex')
                .slice(0, 36),
            }),
          );
          return;
        } catch (error) {
          if ((error as { name?: string }).name !== 'TransactionCanceledException') translate(error);
          const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
          const taken = new Set<string>();
          reasons.forEach((r, i) => {
            if (r.Code === 'ConditionalCheckFailed') taken.add(puts[i]?.recipientKey as string);
          });
          const codes = reasons
            .map((r) => r.Code)
            .filter((c) => c && c !== 'None' && c !== 'ConditionalCheckFailed');
          // Throttled or in conflict with another transaction: the same again, after a back-off.
          if (codes.some((c) => !RETRIED_CANCELLATIONS.has(c as string)))
            throw new StoreUnavailableError(
              `DynamoDB cancelled the import transaction (${codes.join(', ')})`,
              {
                cause: error,
              },
            );
          raced.push(...taken);
          left = left.filter((u) => !taken.has(u.recipientKey));
        }
      }
    });
    return { raced };
  }
}

/** R16: batched reads or transactions of an import in flight at once (DynamoDB Local: see docs/performance.md). */
const IMPORT_CALLS_IN_FLIGHT = 4;
/**
 * Items per grouped import transaction (a recipient with more has one of its own, up to
 * 100). DynamoDB Local writes a transaction's items one after the other, about 3 ms each on
 * a loaded machine: 50 items keep each call well inside the 3 s request timeout.
 */
const FRESH_TRANSACTION_ITEMS = 50;
/** Attempts of one import transaction cancelled by throttling or a conflicting transaction. */
const FRESH_ATTEMPTS = 10;
const RETRIED_CANCELLATIONS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);
