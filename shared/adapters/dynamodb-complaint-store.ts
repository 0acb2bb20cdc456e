import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DayCount } from '../domain/complaint-rate';
import type { ComplaintStore } from '../ports/complaint-store';
import type { ComplaintHold, ComplaintHoldLift } from '../schemas/tenant';
import { DynamoDbTable, ENTITY_VERSION, translate } from './dynamodb-table';
import { tenantKey } from './dynamodb-tenant-store';

/**
 * Complaint rate (mailbox provider thresholds): one counter item per tenant and UTC day for
 * deliveries (atomic ADD), and complaints spread over a few shard items per day, each keeping
 * the string set of the complaint ids it counted: `ADD` under `NOT contains(ids, :id)` counts
 * a complaint exactly once in one conditional write (no transaction needed; and SNS may
 * deliver twice). Shards keep each item far below DynamoDB's 400 KB (8 shards hold about
 * 40,000 complaints a day). The window is one Query on `DAY#` between two days. The hold is
 * kept on the tenant's item (`data.hold`), where the decision reads it; the tenant audit
 * trail (./dynamodb-tenant-audit-store.ts) records it set and lifted. Key layout: docs/architecture.md ("Key layout").
 */

const ratePk = (tenantId: string) => `TENANT#${tenantId}#RATE`;
const COMPLAINT_SHARDS = 8;
const complaintShard = (complaintId: string) =>
  createHash('sha256').update(complaintId).digest().readUInt8(0) % COMPLAINT_SHARDS;

export class DynamoDbComplaintStore extends DynamoDbTable implements ComplaintStore {
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
    const items = await this.queryAll({
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
    });
    const byDay = new Map<string, { sends: number; complaints: number }>();
    for (const item of items) {
      const day = String(item.day);
      const counts = byDay.get(day) ?? { sends: 0, complaints: 0 };
      counts.sends += Number(item.sends ?? 0);
      counts.complaints += Number(item.complaints ?? 0);
      byDay.set(day, counts);
    }
    return [...byDay].map(([day, counts]) => ({ day, ...counts }));
  }

  async setComplaintHold(tenantId: string, hold: ComplaintHold): Promise<'set' | 'already_held'> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: tenantKey(tenantId),
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
          Key: tenantKey(tenantId),
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
}
