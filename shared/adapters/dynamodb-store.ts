import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type ChainHead, type ChainLink, nextLink } from '../domain/audit-chain';
import type { DayCount } from '../domain/complaint-rate';
import { objectionInstantMs } from '../domain/decide';
import { RETENTION_REPLAN_ENTITY, type RetentionItem } from '../domain/retention';
import {
  AlreadyRecordedError,
  type ApiKeyRecord,
  type AuditAppend,
  type CommitOutcome,
  type GatewayStore,
  IdentityTakenError,
  type MessageRecord,
  NotFoundError,
  type PendingMessage,
  type RecipientItemWrite,
  type RecipientStateRequest,
  type RetentionReplanRequest,
  type SenderCredentialRecord,
  type StateWrite,
  type StoredAuditEntry,
  StoreError,
  StoreUnavailableError,
} from '../ports/gateway-store';
import { type AuditEvent, auditEventSchema } from '../schemas/audit';
import { type IdentityClaim, type IdentityKind, identityClaimSchema } from '../schemas/identity';
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
  type ComplaintHold,
  type ComplaintHoldLift,
  type ComplaintRateSettings,
  type ConfirmationSettings,
  type Purpose,
  type SmsSender,
  type SmsSettings,
  type Tenant,
  tenantSchema,
  type Wording,
} from '../schemas/tenant';

/**
 * Single-table layout (ElectroDB style: generic keys, each item names its entity and version):
 *
 * | item        | pk                          | sk                      |
 * |-------------|-----------------------------|-------------------------|
 * | tenant      | TENANT#<id>                 | TENANT                  |
 * | API key     | APIKEY#<sha256 of key>      | APIKEY                  |
 * | profile     | TENANT#<id>#R#<recipientKey> | S#PROFILE              |
 * | consent     | (same)                      | S#CONSENT#<purpose>     |
 * | objection of a scope | (same)             | S#OBJECTION#scope#channel, S#OBJECTION#scope#purpose#<id> |
 * | objection (import, before one item per scope) | (same) | S#OBJECTION#<id>     |
 * | suppression | (same)                      | S#SUPPRESSION#<reason>  |
 * | latest objection per scope | (same)       | S#OBJSCOPE#channel, S#OBJSCOPE#purpose#<id> |
 * | message     | (same)                      | M#<sentAt>#<messageId>  |
 * | deferred SMS, scheduled message | (same)  | D#<messageId>           |
 * | pending message pointer | TENANT#<id>#PENDING | <messageId> (ttl)      |
 * | SMS sender id claim | SMSSENDER#<id>      | SMSSENDER (gsi1 TENANT#<id>#IDENTITIES) |
 * | identity claim | IDENTITY#<kind>#<identity> | IDENTITY (gsi1 TENANT#<id>#IDENTITIES) |
 * | audit event, chain of changes | (same)    | A#C#<seq, 12 digits> (seq, prevHash, hash; a tombstone after erasure) |
 * | audit event, chain of decisions | (same)  | A#D#<seq, 12 digits>    |
 * | audit event of before the chain | (same)  | A#<at>#<eventId>        |
 * | marker of a fixed-id event | (same)       | E#<eventId>             |
 * | pending DOI | (same)                      | P#<pendingId> (ttl)     |
 * | confirmation mails claimed | (same)       | C#CONFIRM (ttl)         |
 * | retention re-plan asked | (same)          | R#REPLAN (ttl; gsi1 RETENTION_REPLAN) |
 * | credential  | CREDENTIAL#<accessKeyId>    | CREDENTIAL              |
 * | (API keys and credentials, gsi1 TENANT#<id>#KEYS, APIKEY#<keyId> or CREDENTIAL#<keyId>, to list and revoke them) | | |
 * | deliveries of a UTC day | TENANT#<id>#RATE  | DAY#<YYYY-MM-DD> (ttl)  |
 * | complaints of a day, shard n | (same)      | DAY#<YYYY-MM-DD>#C<n> (ttl) |
 * | tenant audit event | TENANT#<id>#AUDIT    | A#<at>#<eventId>        |
 *
 * Complaint rate (mailbox provider thresholds): one counter item per tenant and UTC day for
 * deliveries (atomic ADD), and complaints spread over a few shard items per day, each keeping
 * the string set of the complaint ids it counted: `ADD` under `NOT contains(ids, :id)` counts
 * a complaint exactly once in one conditional write (no transaction: the design dates from
 * the local engine before DynamoDB Local, dynalite, which had none; and SNS may deliver twice). Shards keep each item far below DynamoDB's 400 KB (8 shards hold about
 * 40,000 complaints a day). The window is one Query on `DAY#` between two days.
 *
 * Batched reads: every item a decision needs has a key known in advance (the profile, the
 * consent of the purpose, the two suppressions, and the latest objection of each scope
 * that can block the purpose), so many recipients' states are read with BatchGetItem
 * (100 keys a call) instead of one Query per partition. Objections themselves have
 * random ids; each one is written together with its scope's "latest objection" item in
 * one transaction, and the decision only ever needs the latest one per scope (R7: an
 * objection blocks unless a consent came after it, and an older objection is older still).
 *
 * Pending deferred SMS are also indexed on gsi1 (`DEFERRED_SMS`, `<notBefore>#…`) so
 * the scheduler finds what is due; a claimed message leaves the index.
 * A recipient's state is the `S#` items of one partition: the decision reads it with
 * one strongly consistent Query. Messages live beside it under `M#` so the log grows
 * without slowing that read. Objections and suppressions carry no address (R11).
 * Audit events (append-only, hash-chained: see commitChanges and docs/architecture.md)
 * and pending double opt-ins live in the same partition, so an erasure finds everything of
 * a recipient with one query. Every state item (`S#`) written through commitChanges keeps
 * `chain: {seq, hash, name}`, the link of the event that last wrote it.
 * (The key layout is documented once more, with the chain, in docs/architecture.md.)
 */
const ENTITY_VERSION = 1;

const tenantPk = (tenantId: string) => `TENANT#${tenantId}`;
const ratePk = (tenantId: string) => `TENANT#${tenantId}#RATE`;
const tenantAuditPk = (tenantId: string) => `TENANT#${tenantId}#AUDIT`;
const COMPLAINT_SHARDS = 8;
const complaintShard = (complaintId: string) =>
  createHash('sha256').update(complaintId).digest().readUInt8(0) % COMPLAINT_SHARDS;
const DEFERRED_INDEX_PK = 'DEFERRED_SMS';
const deferredKey = (m: PendingMessage) => ({
  pk: recipientPk(m.tenantId, m.recipientKey),
  sk: `D#${m.messageId}`,
});
/** Finds a pending message by id (DELETE /v1/messages/{id}), where the id alone does not give its partition. */
const pendingPointerKey = (tenantId: string, messageId: string) => ({
  pk: `TENANT#${tenantId}#PENDING`,
  sk: messageId,
});
/** The pointer outlives the message by a day at most when a delete is lost; R9 keeps nothing longer. */
const pendingPointerTtl = (m: PendingMessage) => Math.ceil(Date.parse(m.notBefore) / 1000) + 31 * 86_400;
const deferredIndexSk = (notBefore: string, m: PendingMessage) => `${notBefore}#${m.tenantId}#${m.messageId}`;
const recipientPk = (tenantId: string, recipientKey: string) => `TENANT#${tenantId}#R#${recipientKey}`;
/** R7: one objection item per scope, however many times the person objects. */
const objectionItemSk = (objection: Pick<Objection, 'scope'>) =>
  objection.scope.type === 'channel'
    ? 'S#OBJECTION#scope#channel'
    : `S#OBJECTION#scope#purpose#${objection.scope.purpose}`;
const RETENTION_REPLAN_INDEX_PK = 'RETENTION_REPLAN';
const RETENTION_REPLAN_SK = 'R#REPLAN';
/** Updates in flight at once when TTLs are re-planned. */
const TTL_UPDATE_CONCURRENCY = 16;
const objectionScopeSk = (objection: Pick<Objection, 'scope'>) =>
  objection.scope.type === 'channel' ? 'S#OBJSCOPE#channel' : `S#OBJSCOPE#purpose#${objection.scope.purpose}`;

/** R3: the confirmation mails claimed per purpose (`until#<purpose>`, epoch ms), one item per recipient. */
const CONFIRMATION_SK = 'C#CONFIRM';

/** BatchGetItem takes at most 100 keys; unprocessed keys are retried a few times, then the read fails closed. */
const BATCH_GET_LIMIT = 100;
const BATCH_GET_ATTEMPTS = 5;
/** BatchWriteItem takes at most 25 puts; unprocessed items are retried with backoff, then the import fails closed. */
const BATCH_WRITE_LIMIT = 25;
const BATCH_WRITE_ATTEMPTS = 8;

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
/** Commits tried when other writers append to the same chain meanwhile (then StoreUnavailableError). */
const CHAIN_ATTEMPTS = 25;
/** TransactWriteItems takes at most 100 items. */
const TRANSACTION_LIMIT = 100;

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
    const t = (item.tombstone ?? {}) as { type: AuditEvent['type']; at: string };
    return { chained: true, ...link, tombstone: { type: t.type, at: t.at } };
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

export function createDocumentClient(client = new DynamoDBClient({})): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** The gsi1 partition listing a tenant's API keys and SES credentials. */
export const keysIndexPk = (tenantId: string) => `TENANT#${tenantId}#KEYS`;

/**
 * A sending identity's claim item (docs/rules.md, Vocabulary "Tenant"). An SMS sender id's
 * claim keeps the key the inbound routing always read (`SMSSENDER#<id>`, `tenantId` at the
 * top level), so the items written when tenants declared their own senders are claims too.
 */
const claimKey = (kind: IdentityKind, identity: string) =>
  kind === 'sms_sender'
    ? { pk: `SMSSENDER#${identity}`, sk: 'SMSSENDER' }
    : { pk: `IDENTITY#${kind}#${identity}`, sk: 'IDENTITY' };
const identitiesIndexPk = (tenantId: string) => `TENANT#${tenantId}#IDENTITIES`;

/** A claim item as stored; the sender id items of before claims hold only `tenantId`. */
function claimOf(kind: IdentityKind, identity: string, item: Record<string, unknown>): IdentityClaim {
  const data = (item.data ?? {}) as Record<string, unknown>;
  return identityClaimSchema.parse({
    kind,
    identity,
    assignedAt: '1970-01-01T00:00:00.000Z',
    ...data,
    tenantId: item.tenantId,
  });
}

/** SDK exceptions become domain errors here and nowhere else. */

/** How many times an objection is read again and written when other writers changed its item meanwhile. */
const OBJECTION_ATTEMPTS = 25;

function translate(error: unknown): never {
  if (error instanceof StoreError) throw error;
  const name = (error as { name?: string }).name ?? '';
  if (name === 'ValidationException' || name === 'ResourceNotFoundException') {
    throw new StoreError(`DynamoDB refused the request (${name})`, { cause: error });
  }
  throw new StoreUnavailableError(`DynamoDB unavailable (${name || 'unknown error'})`, { cause: error });
}

export class DynamoDbGatewayStore implements GatewayStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private async put(input: Omit<PutCommandInput, 'TableName'>): Promise<void> {
    try {
      await this.doc.send(new PutCommand({ TableName: this.tableName, ...input }));
    } catch (error) {
      translate(error);
    }
  }

  private async update(
    key: { pk: string; sk: string },
    expression: string,
    names: Record<string, string>,
    values: Record<string, unknown> | undefined,
    condition?: string,
  ): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: expression,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ConditionExpression: condition,
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new NotFoundError('Tenant not found');
      translate(error);
    }
  }

  /**
   * R10: the identities of the tenant's item that it holds a claim for, read in one strongly
   * consistent batch. An SMS sender counts when both its sender id and its origination
   * identity are claimed by the tenant.
   */
  async getTenant(tenantId: string): Promise<Tenant | undefined> {
    const tenant = await this.getStoredTenant(tenantId);
    if (tenant === undefined) return undefined;
    const senders = Object.values(tenant.smsSenders);
    const wanted: [IdentityKind, string][] = [
      ...tenant.emailIdentities.map((i) => ['email', i] as [IdentityKind, string]),
      ...senders.flatMap((s) => [
        ['sms_sender', s.id] as [IdentityKind, string],
        ['sms_origination', s.originationIdentity] as [IdentityKind, string],
      ]),
    ];
    if (wanted.length === 0) return tenant;
    const owned = new Set<string>();
    const keys = wanted.map(([kind, identity]) => claimKey(kind, identity));
    const unique = [...new Map(keys.map((k) => [k.pk, k])).values()];
    for (let i = 0; i < unique.length; i += BATCH_GET_LIMIT) {
      for (const item of await this.batchGet(unique.slice(i, i + BATCH_GET_LIMIT))) {
        if (item.tenantId === tenantId) owned.add(String(item.pk));
      }
    }
    const holds = (kind: IdentityKind, identity: string) => owned.has(claimKey(kind, identity).pk);
    return {
      ...tenant,
      emailIdentities: tenant.emailIdentities.filter((i) => holds('email', i)),
      smsSenders: Object.fromEntries(
        senders
          .filter((s) => holds('sms_sender', s.id) && holds('sms_origination', s.originationIdentity))
          .map((s) => [s.id, s]),
      ),
    };
  }

  /** BatchGetItem of known keys, strongly consistent; unprocessed keys retried, then fail closed. */
  private async batchGet(keys: { pk: string; sk: string }[]): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let pending: Record<string, unknown>[] = keys;
    try {
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= BATCH_GET_ATTEMPTS) {
          throw new StoreUnavailableError('DynamoDB left identity claims unprocessed');
        }
        const { Responses, UnprocessedKeys } = await this.doc.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
          }),
        );
        items.push(...((Responses?.[this.tableName] ?? []) as Record<string, unknown>[]));
        pending = (UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
      }
    } catch (error) {
      translate(error);
    }
    return items;
  }

  async getStoredTenant(tenantId: string): Promise<Tenant | undefined> {
    try {
      const { Item } = await this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: tenantPk(tenantId), sk: 'TENANT' },
          ConsistentRead: true,
        }),
      );
      if (!Item) return undefined;
      const ids = Item.emailIdentities instanceof Set ? [...Item.emailIdentities] : [];
      return tenantSchema.parse({ ...Item.data, emailIdentities: ids.sort() });
    } catch (error) {
      translate(error);
    }
  }

  async createTenant(tenant: Tenant): Promise<boolean> {
    const { emailIdentities, ...data } = tenant;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: tenantPk(tenant.id),
            sk: 'TENANT',
            entity: 'tenant',
            v: ENTITY_VERSION,
            data,
            // A string set, so that identities are added and removed atomically.
            emailIdentities: emailIdentities.length > 0 ? new Set(emailIdentities) : undefined,
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': 'pk' },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      translate(error);
    }
  }

  private tenantKey(tenantId: string) {
    return { pk: tenantPk(tenantId), sk: 'TENANT' };
  }

  putPurpose(tenantId: string, purpose: Purpose): Promise<void> {
    return this.update(
      this.tenantKey(tenantId),
      'SET #data.#purposes.#id = :purpose',
      { '#data': 'data', '#purposes': 'purposes', '#id': purpose.id, '#pk': 'pk' },
      { ':purpose': purpose },
      'attribute_exists(#pk)',
    );
  }

  putEmailIdentity(tenantId: string, identity: string): Promise<void> {
    return this.update(
      this.tenantKey(tenantId),
      'ADD #ids :ids',
      { '#ids': 'emailIdentities', '#pk': 'pk' },
      { ':ids': new Set([identity]) },
      'attribute_exists(#pk)',
    );
  }

  deleteEmailIdentity(tenantId: string, identity: string): Promise<void> {
    return this.update(
      this.tenantKey(tenantId),
      'DELETE #ids :ids',
      { '#ids': 'emailIdentities', '#pk': 'pk' },
      { ':ids': new Set([identity]) },
      'attribute_exists(#pk)',
    );
  }

  putWording(tenantId: string, wording: Wording): Promise<void> {
    return this.update(
      this.tenantKey(tenantId),
      'SET #data.#wordings.#id = :wording',
      { '#data': 'data', '#wordings': 'wordings', '#id': wording.versionId, '#pk': 'pk' },
      { ':wording': wording },
      'attribute_exists(#pk)',
    );
  }

  async putSmsSender(tenantId: string, sender: SmsSender): Promise<void> {
    await this.ensureMap(tenantId, 'smsSenders');
    await this.update(
      this.tenantKey(tenantId),
      'SET #data.#senders.#id = :sender',
      { '#data': 'data', '#senders': 'smsSenders', '#id': sender.id, '#pk': 'pk' },
      { ':sender': sender },
      'attribute_exists(#pk)',
    );
  }

  async deleteSmsSender(tenantId: string, senderId: string): Promise<void> {
    await this.ensureMap(tenantId, 'smsSenders');
    await this.update(
      this.tenantKey(tenantId),
      'REMOVE #data.#senders.#id',
      { '#data': 'data', '#senders': 'smsSenders', '#id': senderId, '#pk': 'pk' },
      undefined,
      'attribute_exists(#pk)',
    );
  }

  async claimIdentity(claim: IdentityClaim, attempt = 0): Promise<'claimed' | 'already_yours'> {
    const key = claimKey(claim.kind, claim.identity);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key,
            entity: 'identityClaim',
            v: ENTITY_VERSION,
            tenantId: claim.tenantId,
            data: claim,
            gsi1pk: identitiesIndexPk(claim.tenantId),
            gsi1sk: `${claim.kind}#${claim.identity}`,
          },
          // The whole point: an identity nobody holds, and only then (a race has one winner).
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': 'pk' },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'claimed';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        const holder =
          error.Item?.tenantId?.S ?? (await this.getIdentityClaim(claim.kind, claim.identity))?.tenantId;
        // Released between the write and the read: try again (a few times at most).
        if (holder === undefined && attempt < 3) return this.claimIdentity(claim, attempt + 1);
        if (holder === claim.tenantId) return 'already_yours';
        throw new IdentityTakenError(claim.kind, claim.identity, holder ?? 'unknown');
      }
      translate(error);
    }
  }

  async releaseIdentity(kind: IdentityKind, identity: string, tenantId: string): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: claimKey(kind, identity),
          ConditionExpression: '#tenant = :tenant',
          ExpressionAttributeNames: { '#tenant': 'tenantId' },
          ExpressionAttributeValues: { ':tenant': tenantId },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      translate(error);
    }
  }

  async getIdentityClaim(kind: IdentityKind, identity: string): Promise<IdentityClaim | undefined> {
    try {
      const { Item } = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: claimKey(kind, identity), ConsistentRead: true }),
      );
      return Item === undefined ? undefined : claimOf(kind, identity, Item);
    } catch (error) {
      translate(error);
    }
  }

  async listIdentityClaims(tenantId: string): Promise<IdentityClaim[]> {
    const claims: IdentityClaim[] = [];
    let startKey: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: 'gsi1',
            KeyConditionExpression: '#gpk = :gpk',
            ExpressionAttributeNames: { '#gpk': 'gsi1pk' },
            ExpressionAttributeValues: { ':gpk': identitiesIndexPk(tenantId) },
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          const data = item.data as IdentityClaim;
          claims.push(claimOf(data.kind, data.identity, item));
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
    } catch (error) {
      translate(error);
    }
    return claims;
  }

  async listTenantIds(): Promise<string[]> {
    const ids: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.doc.send(
          new ScanCommand({
            TableName: this.tableName,
            FilterExpression: '#sk = :sk',
            ExpressionAttributeNames: { '#sk': 'sk', '#pk': 'pk' },
            ExpressionAttributeValues: { ':sk': 'TENANT' },
            ProjectionExpression: '#pk',
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) ids.push(String(item.pk).slice('TENANT#'.length));
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
    } catch (error) {
      translate(error);
    }
    return ids.sort();
  }

  /** Tenants created before a map attribute existed get it empty, so nested SETs can follow. */
  private ensureMap(tenantId: string, name: string): Promise<void> {
    return this.update(
      this.tenantKey(tenantId),
      'SET #data.#name = if_not_exists(#data.#name, :empty)',
      { '#data': 'data', '#name': name, '#pk': 'pk' },
      { ':empty': {} },
      'attribute_exists(#pk)',
    );
  }

  putSmsSettings(tenantId: string, settings: SmsSettings): Promise<void> {
    return this.putSetting(tenantId, 'sms', settings);
  }

  putComplaintRateSettings(tenantId: string, settings: ComplaintRateSettings): Promise<void> {
    return this.putSetting(tenantId, 'complaintRate', settings);
  }

  putConfirmationSettings(tenantId: string, settings: ConfirmationSettings): Promise<void> {
    return this.putSetting(tenantId, 'confirmation', settings);
  }

  /** One group of the tenant's settings, replaced whole; the other groups are left as they are. */
  private async putSetting(
    tenantId: string,
    name: 'sms' | 'complaintRate' | 'confirmation',
    value: unknown,
  ): Promise<void> {
    await this.ensureMap(tenantId, 'settings');
    await this.update(
      this.tenantKey(tenantId),
      'SET #data.#settings.#name = :value',
      { '#data': 'data', '#settings': 'settings', '#name': name, '#pk': 'pk' },
      { ':value': value },
      'attribute_exists(#pk)',
    );
  }

  async countDeliveries(tenantId: string, day: string, count: number, ttl: number): Promise<number> {
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: ratePk(tenantId), sk: `DAY#${day}` },
          // Top-level attributes: ADD needs no enclosing map to exist on the day's first count.
          UpdateExpression: 'SET #entity = :entity, #v = :v, #day = :day, #ttl = :ttl ADD #sends :count',
          ExpressionAttributeNames: {
            '#entity': 'entity',
            '#v': 'v',
            '#day': 'day',
            '#ttl': 'ttl',
            '#sends': 'sends',
          },
          ExpressionAttributeValues: {
            ':entity': 'complaintRateDay',
            ':v': ENTITY_VERSION,
            ':day': day,
            ':ttl': ttl,
            ':count': count,
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(Attributes?.sends ?? count);
    } catch (error) {
      translate(error);
    }
  }

  async countComplaint(
    tenantId: string,
    day: string,
    complaintId: string,
    ttl: number,
  ): Promise<'counted' | 'duplicate'> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: ratePk(tenantId), sk: `DAY#${day}#C${complaintShard(complaintId)}` },
          UpdateExpression:
            'SET #entity = :entity, #v = :v, #day = :day, #ttl = :ttl ADD #complaints :one, #ids :ids',
          ConditionExpression: 'NOT contains(#ids, :id)',
          ExpressionAttributeNames: {
            '#entity': 'entity',
            '#v': 'v',
            '#day': 'day',
            '#ttl': 'ttl',
            '#complaints': 'complaints',
            '#ids': 'ids',
          },
          ExpressionAttributeValues: {
            ':entity': 'complaintRateComplaints',
            ':v': ENTITY_VERSION,
            ':day': day,
            ':ttl': ttl,
            ':one': 1,
            ':ids': new Set([complaintId]),
            ':id': complaintId,
          },
        }),
      );
      return 'counted';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'duplicate';
      translate(error);
    }
  }

  async listComplaintRateDays(tenantId: string, fromDay: string, toDay: string): Promise<DayCount[]> {
    const byDay = new Map<string, { sends: number; complaints: number }>();
    let startKey: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
            ExpressionAttributeNames: {
              '#pk': 'pk',
              '#sk': 'sk',
              '#day': 'day',
              '#sends': 'sends',
              '#complaints': 'complaints',
            },
            // '~' sorts after '#C<n>': the last day's complaint shards are in.
            ExpressionAttributeValues: {
              ':pk': ratePk(tenantId),
              ':from': `DAY#${fromDay}`,
              ':to': `DAY#${toDay}~`,
            },
            // Not the complaint ids: only the counts.
            ProjectionExpression: '#day, #sends, #complaints',
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          const day = String(item.day);
          const counts = byDay.get(day) ?? { sends: 0, complaints: 0 };
          counts.sends += Number(item.sends ?? 0);
          counts.complaints += Number(item.complaints ?? 0);
          byDay.set(day, counts);
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    } catch (error) {
      translate(error);
    }
    return [...byDay].map(([day, counts]) => ({ day, ...counts }));
  }

  async setComplaintHold(tenantId: string, hold: ComplaintHold): Promise<'set' | 'already_held'> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.tenantKey(tenantId),
          UpdateExpression: 'SET #data.#hold = :hold',
          ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#data.#hold)',
          ExpressionAttributeNames: { '#pk': 'pk', '#data': 'data', '#hold': 'hold' },
          ExpressionAttributeValues: { ':hold': hold },
        }),
      );
      return 'set';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'already_held';
      translate(error);
    }
  }

  async liftComplaintHold(tenantId: string, lift: ComplaintHoldLift): Promise<'lifted' | 'no_hold'> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.tenantKey(tenantId),
          UpdateExpression: 'SET #data.#lift = :lift REMOVE #data.#hold',
          // The very hold the admin saw: a hold set again meanwhile is not lifted unseen.
          ConditionExpression: '#data.#hold.#since = :since',
          ExpressionAttributeNames: {
            '#data': 'data',
            '#hold': 'hold',
            '#since': 'since',
            '#lift': 'lastHoldLift',
          },
          ExpressionAttributeValues: { ':lift': lift, ':since': lift.hold.since },
        }),
      );
      return 'lifted';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'no_hold';
      translate(error);
    }
  }

  appendTenantAudit(tenantId: string, event: AuditEvent): Promise<void> {
    return this.putAuditEvent(tenantAuditPk(tenantId), 'tenantAudit', event);
  }

  /** Append-only: an audit event is written once and never replaced. */
  private async putAuditEvent(pk: string, entity: string, event: AuditEvent, ttl?: number): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk, sk: auditSk(event), entity, v: ENTITY_VERSION, data: event, ttl },
          ConditionExpression: 'attribute_not_exists(#sk)',
          ExpressionAttributeNames: { '#sk': 'sk' },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new AlreadyRecordedError(`Audit event ${event.id} is already recorded`, { cause: error });
      }
      translate(error);
    }
  }

  async listTenantAudit(tenantId: string, limit: number): Promise<AuditEvent[]> {
    try {
      const { Items = [] } = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :a)',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
          ExpressionAttributeValues: { ':pk': tenantAuditPk(tenantId), ':a': 'A#' },
          ScanIndexForward: false,
          Limit: limit,
          ConsistentRead: true,
        }),
      );
      return Items.map((item) => auditEventSchema.parse(item.data));
    } catch (error) {
      translate(error);
    }
  }

  async findTenantBySmsSender(senderId: string): Promise<string | undefined> {
    const sender = await this.getIdentityClaim('sms_sender', senderId);
    if (sender === undefined) return undefined;
    // R7: the reply goes to the owner of the origination identity the number sends through.
    // A sender item of before claims names none: its tenant, so that no STOP is ever dropped.
    if (sender.originationIdentity === undefined) return sender.tenantId;
    const origination = await this.getIdentityClaim('sms_origination', sender.originationIdentity);
    return origination?.tenantId ?? sender.tenantId;
  }

  async putDeferredSms(message: PendingMessage): Promise<void> {
    // The pointer first: a message is never in the queue without a way to cancel it.
    await this.put({
      Item: {
        ...pendingPointerKey(message.tenantId, message.messageId),
        entity: 'pendingPointer',
        v: ENTITY_VERSION,
        recipientKey: message.recipientKey,
        ttl: pendingPointerTtl(message),
      },
    });
    return this.put({
      Item: {
        ...deferredKey(message),
        entity: 'deferredSms',
        v: ENTITY_VERSION,
        status: 'pending',
        gsi1pk: DEFERRED_INDEX_PK,
        gsi1sk: deferredIndexSk(message.notBefore, message),
        data: message,
      },
      ConditionExpression: 'attribute_not_exists(#sk)',
      ExpressionAttributeNames: { '#sk': 'sk' },
    });
  }

  async listDueDeferredSms(now: Date, limit: number): Promise<PendingMessage[]> {
    try {
      const { Items = [] } = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: '#pk = :pk AND #sk < :due',
          ExpressionAttributeNames: { '#pk': 'gsi1pk', '#sk': 'gsi1sk' },
          // '$' sorts after '#': every entry whose notBefore is at or before now.
          ExpressionAttributeValues: { ':pk': DEFERRED_INDEX_PK, ':due': `${now.toISOString()}$` },
          Limit: limit,
        }),
      );
      return Items.map((i) => i.data as PendingMessage);
    } catch (error) {
      translate(error);
    }
  }

  async claimDeferredSms(message: PendingMessage): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: deferredKey(message),
          UpdateExpression: 'SET #status = :sending REMOVE #gpk, #gsk',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status', '#gpk': 'gsi1pk', '#gsk': 'gsi1sk' },
          ExpressionAttributeValues: { ':sending': 'sending', ':pending': 'pending' },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      translate(error);
    }
  }

  async rescheduleDeferredSms(message: PendingMessage, notBefore: string, attempts: number): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: deferredKey(message),
          UpdateExpression:
            'SET #status = :pending, #gpk = :gpk, #gsk = :gsk, #data.#notBefore = :notBefore, #data.#attempts = :attempts',
          ConditionExpression: '#status = :sending',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#gpk': 'gsi1pk',
            '#gsk': 'gsi1sk',
            '#data': 'data',
            '#notBefore': 'notBefore',
            '#attempts': 'attempts',
          },
          ExpressionAttributeValues: {
            ':pending': 'pending',
            ':sending': 'sending',
            ':gpk': DEFERRED_INDEX_PK,
            ':gsk': deferredIndexSk(notBefore, message),
            ':notBefore': notBefore,
            ':attempts': attempts,
          },
        }),
      );
    } catch (error) {
      translate(error);
    }
  }

  async deleteDeferredSms(message: PendingMessage): Promise<void> {
    try {
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: deferredKey(message) }));
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: pendingPointerKey(message.tenantId, message.messageId),
        }),
      );
    } catch (error) {
      translate(error);
    }
  }

  async getPendingMessage(
    tenantId: string,
    messageId: string,
  ): Promise<{ message: PendingMessage; status: 'pending' | 'sending' } | undefined> {
    try {
      const { Item: pointer } = await this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: pendingPointerKey(tenantId, messageId),
          ConsistentRead: true,
        }),
      );
      if (pointer === undefined) return undefined;
      const { Item } = await this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: recipientPk(tenantId, String(pointer.recipientKey)), sk: `D#${messageId}` },
          ConsistentRead: true,
        }),
      );
      if (Item === undefined) return undefined;
      return {
        message: Item.data as PendingMessage,
        status: Item.status === 'sending' ? 'sending' : 'pending',
      };
    } catch (error) {
      translate(error);
    }
  }

  async cancelPendingMessage(message: PendingMessage): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: deferredKey(message),
          // A run that claimed it is sending it now: too late to cancel.
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending' },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      translate(error);
    }
    await this.doc
      .send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: pendingPointerKey(message.tenantId, message.messageId),
        }),
      )
      .catch(() => undefined); // the pointer expires by itself (ttl)
    return true;
  }

  async getApiKey(keyHash: string): Promise<ApiKeyRecord | undefined> {
    try {
      const { Item } = await this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: `APIKEY#${keyHash}`, sk: 'APIKEY' },
          ConsistentRead: true,
        }),
      );
      return Item?.data as ApiKeyRecord | undefined;
    } catch (error) {
      translate(error);
    }
  }

  putApiKey(keyHash: string, record: ApiKeyRecord): Promise<void> {
    return this.put({
      Item: {
        pk: `APIKEY#${keyHash}`,
        sk: 'APIKEY',
        entity: 'apiKey',
        v: ENTITY_VERSION,
        data: record,
        gsi1pk: keysIndexPk(record.tenantId),
        gsi1sk: `APIKEY#${record.keyId}`,
      },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': 'pk' },
    });
  }

  async listApiKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    return (await this.queryKeys(tenantId, 'APIKEY#')).map((item) => item.data as ApiKeyRecord);
  }

  async revokeApiKey(tenantId: string, keyId: string, at: string): Promise<ApiKeyRecord> {
    return (await this.revokeKeyItem(tenantId, `APIKEY#${keyId}`, at)) as ApiKeyRecord;
  }

  touchApiKey(keyHash: string, day: string): Promise<boolean> {
    return this.touchKeyItem({ pk: `APIKEY#${keyHash}`, sk: 'APIKEY' }, day);
  }

  listSenderCredentials(tenantId: string): Promise<SenderCredentialRecord[]> {
    return this.queryKeys(tenantId, 'CREDENTIAL#').then((items) =>
      items.map((item) => item.data as SenderCredentialRecord),
    );
  }

  async revokeSenderCredential(tenantId: string, keyId: string, at: string): Promise<SenderCredentialRecord> {
    return (await this.revokeKeyItem(tenantId, `CREDENTIAL#${keyId}`, at)) as SenderCredentialRecord;
  }

  touchSenderCredential(accessKeyId: string, day: string): Promise<boolean> {
    return this.touchKeyItem({ pk: `CREDENTIAL#${accessKeyId}`, sk: 'CREDENTIAL' }, day);
  }

  /** The tenant's key items of one kind, through gsi1 (a listing, not the decision path: eventually consistent). */
  private async queryKeys(tenantId: string, prefix: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: 'gsi1',
            KeyConditionExpression: '#gpk = :gpk AND begins_with(#gsk, :prefix)',
            ExpressionAttributeNames: { '#gpk': 'gsi1pk', '#gsk': 'gsi1sk' },
            ExpressionAttributeValues: { ':gpk': keysIndexPk(tenantId), ':prefix': prefix },
            ExclusiveStartKey: startKey,
          }),
        );
        items.push(...((page.Items ?? []) as Record<string, unknown>[]));
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
    } catch (error) {
      translate(error);
    }
    return items;
  }

  /**
   * Sets `revokedAt` on the item gsi1 names, unless an earlier revocation stands (a revoke
   * after a rotation's grace must not push the end later). The tenant is checked in the
   * condition, so a key id of another tenant is a NotFoundError.
   */
  private async revokeKeyItem(tenantId: string, gsi1sk: string, at: string): Promise<unknown> {
    let found: Record<string, unknown> | undefined;
    try {
      const { Items } = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: '#gpk = :gpk AND #gsk = :gsk',
          ExpressionAttributeNames: { '#gpk': 'gsi1pk', '#gsk': 'gsi1sk' },
          ExpressionAttributeValues: { ':gpk': keysIndexPk(tenantId), ':gsk': gsi1sk },
        }),
      );
      found = Items?.[0] as Record<string, unknown> | undefined;
    } catch (error) {
      translate(error);
    }
    if (found === undefined) throw new NotFoundError(`No key ${gsi1sk.split('#')[1]}`);
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: found.pk, sk: found.sk },
          UpdateExpression: 'SET #data.#revokedAt = :at',
          ConditionExpression:
            'attribute_exists(#pk) AND #data.#tenantId = :tenant AND (attribute_not_exists(#data.#revokedAt) OR #data.#revokedAt > :at)',
          ExpressionAttributeNames: {
            '#pk': 'pk',
            '#data': 'data',
            '#revokedAt': 'revokedAt',
            '#tenantId': 'tenantId',
          },
          ExpressionAttributeValues: { ':at': at, ':tenant': tenantId },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes?.data;
    } catch (error) {
      // An earlier revocation stands: the key as it is.
      if (error instanceof ConditionalCheckFailedException) {
        if ((found.data as { tenantId?: string } | undefined)?.tenantId !== tenantId) {
          throw new NotFoundError(`No key ${gsi1sk.split('#')[1]}`);
        }
        return found.data;
      }
      translate(error);
    }
  }

  /** At most one successful write per key and UTC day: the condition refuses a day already written. */
  private async touchKeyItem(key: { pk: string; sk: string }, day: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET #data.#day = :day',
          ConditionExpression:
            'attribute_exists(#pk) AND (attribute_not_exists(#data.#day) OR #data.#day < :day)',
          ExpressionAttributeNames: { '#pk': 'pk', '#data': 'data', '#day': 'lastUsedDay' },
          ExpressionAttributeValues: { ':day': day },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      translate(error);
    }
  }

  async getRecipientState(tenantId: string, recipientKey: string): Promise<RecipientState> {
    const state = emptyState(recipientKey);
    let startKey: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :state)',
            ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
            ExpressionAttributeValues: { ':pk': recipientPk(tenantId, recipientKey), ':state': 'S#' },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) addStateItem(state, item);
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
  ): Promise<Map<string, RecipientState>> {
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

  async getSenderCredential(accessKeyId: string): Promise<SenderCredentialRecord | undefined> {
    try {
      const { Item } = await this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: `CREDENTIAL#${accessKeyId}`, sk: 'CREDENTIAL' },
          ConsistentRead: true,
        }),
      );
      return Item?.data as SenderCredentialRecord | undefined;
    } catch (error) {
      translate(error);
    }
  }

  putSenderCredential(record: SenderCredentialRecord): Promise<void> {
    return this.put({
      Item: {
        pk: `CREDENTIAL#${record.accessKeyId}`,
        sk: 'CREDENTIAL',
        entity: 'credential',
        v: ENTITY_VERSION,
        data: record,
        gsi1pk: keysIndexPk(record.tenantId),
        gsi1sk: `CREDENTIAL#${record.keyId}`,
      },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': 'pk' },
    });
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
        sk: `M#${message.sentAt}#${message.messageId}`,
        entity: 'message',
        v: ENTITY_VERSION,
        data: message,
        ttl,
      },
    });
  }

  async retentionItems(tenantId: string, recipientKey: string, prefix = ''): Promise<RetentionItem[]> {
    const items = await this.queryPrefix(tenantId, recipientKey, prefix);
    return items.map((item) => {
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
    const { Items = [] } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :c)',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#seq': 'seq', '#hash': 'hash' },
        ExpressionAttributeValues: { ':pk': pk, ':c': chainPrefix(chain) },
        ProjectionExpression: '#seq, #hash',
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const tip = Items[0];
    return tip === undefined ? undefined : { seq: Number(tip.seq), hash: String(tip.hash) };
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
    options: { readonly fresh?: boolean } = {},
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
      // Jittered, so that writers that lost the same seq do not retry in step; a few ms (R7:
      // an objection racing other changes of the same person must not wait long).
      if (attempt > 0) await sleep(Math.random() * 4 * Math.min(attempt, 5));
      let tip: ChainHead | undefined;
      let current: Map<string, Record<string, unknown>>;
      try {
        // The tip first, then the items merged: a writer that commits in between has taken
        // the seq read, so this commit fails and reads both again.
        // A recipient the caller found empty: seq 1 and nothing to merge, unless a writer
        // came first (then seq 1 is taken, the commit fails, and the next attempt reads).
        const fresh = options.fresh === true && attempt === 0;
        tip = fresh ? undefined : await this.chainTip(pk, chain);
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
      appended.forEach(({ event, ttl }, i) => {
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
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: put.Item,
          ConditionExpression: put.ConditionExpression,
          ExpressionAttributeNames: { '#sk': 'sk' },
        }),
      );
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
          const { data, ...link } = item as { data: AuditEvent } & Record<string, unknown>;
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
}
