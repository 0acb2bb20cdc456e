import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { normalizeEmail } from '../domain/address';
import { objectionInstantMs } from '../domain/decide';
import { mergeConsentRecords, newerProfile } from '../domain/merge-recipient-state';
import { legacyRecipientKey, recipientKey } from '../domain/recipient-key';
import type { ConsentRecord, Objection, RecipientProfile } from '../schemas/recipient';

/**
 * Recipient keys used to hash the address with its local part as given;
 * they now hash its case-folded identity (domain/recipient-key.ts). This moves each
 * partition written under an old key to the new one, merging into a partition that
 * already exists there (never losing an objection or suppression: R7, R8, R11), then
 * deletes the old partition. Idempotent: a second run finds nothing to move.
 *
 * Which partitions: an old key is a keyed hash (R11), so it can only be found from the
 * address: every email profile whose key is its legacy key, plus the addresses the
 * operator gives (a partition without a profile: a bare consent, or what an erasure kept).
 * What remains unfound is still honoured: the decision path reads the legacy key too
 * (services/decisions.ts, readRecipientState), and so does every run of this command.
 *
 * It also rewrites "latest objection per scope" items written before they carried `atMs`
 * (dynamodb-store.ts), from the partition's objections compared as instants: the old
 * condition compared ISO text and may have kept an earlier objection.
 */
export interface MigrationDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly hashKey: Buffer;
}

export interface MigrationOptions {
  /** Only this tenant's partitions. */
  readonly tenantId?: string;
  /** Email addresses whose old partitions may hold no profile, per tenant. */
  readonly addresses?: readonly { readonly tenantId: string; readonly address: string }[];
  /** Count what would change, write nothing. */
  readonly dryRun?: boolean;
}

export interface MigrationCounts {
  /** Email profiles and given addresses examined. */
  examined: number;
  /** Already under their case-folded key (or with no upper-case letter). */
  alreadyMigrated: number;
  /** Old partitions moved to their new key (and deleted). */
  partitionsMoved: number;
  /** Of those, moved into a partition that already existed: merged. */
  partitionsMerged: number;
  /** Items copied to the new partitions. */
  itemsMoved: number;
  /** Scope items rebuilt with `atMs`. */
  scopeItemsRebuilt: number;
  /** Profiles under a key that is neither their old nor their new key (left as they are). */
  unrecognised: number;
}

type Item = Record<string, unknown>;
const R = '#R#';
const pkOf = (tenantId: string, key: string) => `TENANT#${tenantId}${R}${key}`;

export async function migrateRecipientKeys(
  deps: MigrationDeps,
  options: MigrationOptions = {},
): Promise<MigrationCounts> {
  const counts: MigrationCounts = {
    examined: 0,
    alreadyMigrated: 0,
    partitionsMoved: 0,
    partitionsMerged: 0,
    itemsMoved: 0,
    scopeItemsRebuilt: 0,
    unrecognised: 0,
  };
  const moves = new Map<string, { from: string; to: string }>();
  const scopePartitions = new Set<string>();
  const consider = (tenantId: string, address: string, storedUnder?: string) => {
    counts.examined++;
    const to = recipientKey(deps.hashKey, tenantId, 'email', address);
    const from = legacyRecipientKey(deps.hashKey, tenantId, 'email', address);
    if (from === to || storedUnder === to) {
      counts.alreadyMigrated++;
      return;
    }
    if (storedUnder !== undefined && storedUnder !== from) {
      counts.unrecognised++;
      return;
    }
    moves.set(pkOf(tenantId, from), { from: pkOf(tenantId, from), to: pkOf(tenantId, to) });
  };

  for await (const item of scan(deps, options.tenantId)) {
    const pk = String(item.pk);
    const at = pk.lastIndexOf(R);
    const tenantId = pk.slice('TENANT#'.length, at);
    if (item.sk === 'S#PROFILE') {
      const profile = item.data as RecipientProfile;
      if (profile.channel === 'email') consider(tenantId, profile.address, pk.slice(at + R.length));
    } else {
      scopePartitions.add(pk);
    }
  }
  for (const { tenantId, address } of options.addresses ?? []) {
    if (options.tenantId !== undefined && tenantId !== options.tenantId) continue;
    consider(tenantId, normalizeEmail(address));
  }

  for (const { from, to } of moves.values()) {
    const items = await queryPartition(deps, from);
    if (items.length === 0) {
      // A given address with nothing under its old key.
      counts.alreadyMigrated++;
      continue;
    }
    counts.partitionsMoved++;
    const existing = await queryPartition(deps, to, 'S#');
    if (existing.length > 0) counts.partitionsMerged++;
    if (!options.dryRun) {
      // Copy everything first, delete after: a run stopped half-way is completed by the next
      // (every merge below is idempotent), and the old items stay readable until then.
      for (const item of items) await copyItem(deps, { ...item, pk: to });
      await deleteItems(deps, items);
    }
    counts.itemsMoved += items.length;
    scopePartitions.delete(from);
    scopePartitions.add(to);
  }

  for (const pk of scopePartitions) {
    const items = await queryPartition(deps, pk, 'S#OBJ');
    const stale = items.some((i) => i.entity === 'objectionScope' && typeof i.atMs !== 'number');
    if (!stale) continue;
    const latest = new Map<string, Objection>();
    for (const i of items) {
      if (i.entity !== 'objection') continue;
      const o = i.data as Objection;
      const sk = o.scope.type === 'channel' ? 'S#OBJSCOPE#channel' : `S#OBJSCOPE#purpose#${o.scope.purpose}`;
      const best = latest.get(sk);
      if (best === undefined || objectionInstantMs(o) > objectionInstantMs(best)) latest.set(sk, o);
    }
    for (const scope of items.filter((i) => i.entity === 'objectionScope' && typeof i.atMs !== 'number')) {
      const o = latest.get(String(scope.sk)) ?? (scope.data as Objection);
      counts.scopeItemsRebuilt++;
      if (!options.dryRun) {
        await put(deps, { ...scope, data: o, at: o.at, atMs: objectionInstantMs(o) });
      }
    }
  }
  return counts;
}

/** Email profiles, and scope items without `atMs`, of every (or one) tenant. */
async function* scan(deps: MigrationDeps, tenantId?: string): AsyncGenerator<Item> {
  let startKey: Item | undefined;
  do {
    const page = await deps.doc.send(
      new ScanCommand({
        TableName: deps.tableName,
        FilterExpression:
          'begins_with(#pk, :prefix) AND (#sk = :profile OR (begins_with(#sk, :scope) AND attribute_not_exists(#atMs)))',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#atMs': 'atMs' },
        ExpressionAttributeValues: {
          ':prefix': tenantId === undefined ? 'TENANT#' : `TENANT#${tenantId}${R}`,
          ':profile': 'S#PROFILE',
          ':scope': 'S#OBJSCOPE#',
        },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) if (String(item.pk).includes(R)) yield item;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

async function queryPartition(deps: MigrationDeps, pk: string, prefix = ''): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await deps.doc.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: prefix ? '#pk = :pk AND begins_with(#sk, :prefix)' : '#pk = :pk',
        ExpressionAttributeNames: prefix ? { '#pk': 'pk', '#sk': 'sk' } : { '#pk': 'pk' },
        ExpressionAttributeValues: prefix ? { ':pk': pk, ':prefix': prefix } : { ':pk': pk },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** One item into its new partition, merged with what is already there (the rules of mergeRecipientStates). */
async function copyItem(deps: MigrationDeps, item: Item): Promise<void> {
  const { Item: there } = await deps.doc.send(
    new GetCommand({ TableName: deps.tableName, Key: { pk: item.pk, sk: item.sk }, ConsistentRead: true }),
  );
  if (there === undefined) return put(deps, item);
  switch (item.entity) {
    case 'profile': {
      const newer = newerProfile(there.data as RecipientProfile, item.data as RecipientProfile);
      if (newer !== there.data) await put(deps, item);
      return;
    }
    case 'consent': {
      const merged = mergeConsentRecords(there.data as ConsentRecord, item.data as ConsentRecord);
      return put(deps, { ...there, data: merged });
    }
    case 'objectionScope': {
      const ms = (i: Item) => (typeof i.atMs === 'number' ? i.atMs : objectionInstantMs(i.data as Objection));
      const winner = ms(item) > ms(there) ? item : there;
      return put(deps, { ...winner, atMs: ms(winner) });
    }
    case 'repermission':
      return put(deps, {
        ...there,
        count: Math.max(Number(there.count ?? 0), Number(item.count ?? 0)),
        lastAt:
          Date.parse(String(item.lastAt)) > Date.parse(String(there.lastAt)) ? item.lastAt : there.lastAt,
      });
    default:
      // Objections, suppressions, messages, audit events, pending consents: the same sort key
      // is the same fact (ids are unique); the one there stays.
      return;
  }
}

async function put(deps: MigrationDeps, item: Item): Promise<void> {
  try {
    await deps.doc.send(new PutCommand({ TableName: deps.tableName, Item: item }));
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

async function deleteItems(deps: MigrationDeps, items: readonly Item[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let requests: Item[] | undefined = items
      .slice(i, i + 25)
      .map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } }));
    for (let attempt = 0; requests && requests.length > 0; attempt++) {
      if (attempt === 8) throw new Error('DynamoDB left deletions unprocessed; re-run the migration');
      if (attempt > 0) await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
      const result = await deps.doc.send(
        new BatchWriteCommand({ RequestItems: { [deps.tableName]: requests as never } }),
      );
      requests = result.UnprocessedItems?.[deps.tableName] as Item[] | undefined;
    }
  }
}
