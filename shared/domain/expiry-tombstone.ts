import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AuditEvent } from '../schemas/audit';

/**
 * R9 expiry without a broken chain (R15). DynamoDB's TTL deletes an expired audit event on
 * its own, item by item; the chain would then show a hole where nothing was tampered with.
 * The table's stream sees each TTL deletion as a REMOVE whose `userIdentity` is the service
 * itself; for such a REMOVE of a chained audit item, the stream consumer writes back, at the
 * same key, a tombstone: the link (seq, prevHash, hash) and the event's type and time, no
 * content (no `data`, no `out`: the tombstone's INSERT publishes nothing). A REMOVE by anyone
 * else (a person or role with table access, the erasure code) is not tombstoned: the
 * verifier keeps reporting it as `missing`. Pure: record in, tombstone (or nothing) out; the
 * store writes it (only if the key is absent) and gives it its own TTL.
 */

/** Who deletes an item whose TTL has passed, as the stream record names it (AWS documents this identity). */
export const TTL_SERVICE_IDENTITY = { type: 'Service', principalId: 'dynamodb.amazonaws.com' } as const;

/** A chained audit event's key: `A#C#` (changes) or `A#D#` (decisions), then 12 digits of seq. */
const CHAINED_SK = /^A#[CD]#(\d{12})$/;
const HASH = /^[0-9a-f]{64}$/;

/** The tombstone of an expired event: where, its link, and what it was (type, time) and when it expired. */
export interface ExpiryTombstone {
  readonly pk: string;
  readonly sk: string;
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
  readonly tombstone: {
    readonly type: AuditEvent['type'];
    readonly at: string;
    /** The instant the event's TTL named (R9: the end of its retention), ISO 8601. */
    readonly expired: string;
  };
}

/** The fields of a stream record the mapping reads (Lambda's DynamoDBRecord and GetRecords' Record alike). */
export interface RemovedRecordLike {
  readonly eventName?: string;
  readonly userIdentity?: { readonly type?: string; readonly principalId?: string };
  readonly dynamodb?: {
    readonly OldImage?: Record<string, unknown>;
    /** Epoch seconds (Lambda's form) or a Date (GetRecords' form). */
    readonly ApproximateCreationDateTime?: number | Date;
  };
}

function removedAt(value: number | Date | undefined): number | undefined {
  if (value instanceof Date) return value.getTime() / 1000;
  return typeof value === 'number' ? value : undefined;
}

/**
 * The tombstone one stream record calls for, or undefined: only a REMOVE by DynamoDB's TTL
 * (the service identity) of a chained audit item (an event, or a tombstone whose own TTL
 * came: it is written again, see the store), whose image is whole and whose TTL had passed
 * when it was removed (TTL never removes an item before). Anything else, undefined.
 */
export function expiryTombstoneOf(record: RemovedRecordLike): ExpiryTombstone | undefined {
  if (record.eventName !== 'REMOVE') return undefined;
  const who = record.userIdentity;
  if (who?.type !== TTL_SERVICE_IDENTITY.type || who.principalId !== TTL_SERVICE_IDENTITY.principalId)
    return undefined;
  const image = record.dynamodb?.OldImage;
  if (image === undefined) return undefined;
  // Only the attributes the tombstone keeps are read: never the event's content.
  const picked: Record<string, AttributeValue> = {};
  for (const name of ['pk', 'sk', 'entity', 'seq', 'prevHash', 'hash', 'ttl', 'data', 'tombstone'])
    if (image[name] !== undefined) picked[name] = image[name] as AttributeValue;
  const item = unmarshall(picked) as Record<string, unknown>;
  if (item.entity !== 'audit' || typeof item.pk !== 'string' || typeof item.sk !== 'string') return undefined;
  const position = CHAINED_SK.exec(item.sk);
  if (position === null || item.seq !== Number(position[1])) return undefined;
  if (typeof item.prevHash !== 'string' || !HASH.test(item.prevHash)) return undefined;
  if (typeof item.hash !== 'string' || !HASH.test(item.hash)) return undefined;
  const ttl = item.ttl;
  const at = removedAt(record.dynamodb?.ApproximateCreationDateTime);
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || (at !== undefined && ttl > at)) return undefined;
  const what = (item.data ?? item.tombstone) as { type?: unknown; at?: unknown } | undefined;
  if (typeof what?.type !== 'string' || typeof what.at !== 'string') return undefined;
  return {
    pk: item.pk,
    sk: item.sk,
    seq: item.seq,
    prevHash: item.prevHash,
    hash: item.hash,
    tombstone: {
      type: what.type as AuditEvent['type'],
      at: what.at,
      // A tombstone written again keeps the first expiry (its own TTL is not the event's).
      expired:
        typeof (item.tombstone as { expired?: unknown } | undefined)?.expired === 'string'
          ? String((item.tombstone as { expired: string }).expired)
          : new Date(ttl * 1000).toISOString(),
    },
  };
}

/**
 * The TTL of a tombstone (epoch seconds), from what the partition still holds besides
 * tombstones: kept until the last of it expires, so that a chain never loses its start
 * while anything of the recipient remains (the verifier then never has to guess whether a
 * missing prefix is expiry). Items without a TTL never expire: the tombstone is looked at
 * again after `horizonDays` (when its TTL deletes it, it is written again if anything still
 * lives). Undefined when nothing lives: the partition is going, its tombstones with it.
 */
export function tombstoneTtl(
  live: readonly { readonly ttl?: number }[],
  nowSeconds: number,
  horizonDays = TOMBSTONE_HORIZON_DAYS,
): number | undefined {
  const alive = live.filter((item) => item.ttl === undefined || item.ttl > nowSeconds);
  if (alive.length === 0) return undefined;
  const horizon = nowSeconds + horizonDays * 86_400;
  return Math.max(...alive.map((item) => item.ttl ?? horizon));
}

/** How long a tombstone waits before looking again, when something of its partition has no TTL. */
export const TOMBSTONE_HORIZON_DAYS = 30;
