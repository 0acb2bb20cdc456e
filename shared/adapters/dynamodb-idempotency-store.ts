import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { StoreUnavailableError } from '../ports/gateway-store';
import type { ClaimResult, IdempotencyRecord, IdempotencyStore } from '../ports/idempotency-store';

/**
 * Idempotency records in the gateway's table, one partition per key
 * (`IDEMPOTENCY#<tenant>#<sha256 of key>`), expired by the table's `ttl` attribute.
 *
 * The same conditional-write protocol as Powertools' idempotency utility (claim with
 * `attribute_not_exists OR expired in-progress`, then complete), written here rather than
 * used through `makeIdempotent` because one send has three origins whose keys must meet
 * (an `idempotencyKey` over HTTP and on the queue, the SDK's invocation id, the SQS message
 * id), keys are scoped per tenant, and a concurrent duplicate must wait for and answer the
 * first outcome rather than fail; Powertools' single static partition would also put every
 * tenant's records under one partition key.
 */
const ENTITY_VERSION = 1;

function pk(tenantId: string, key: string): string {
  return `IDEMPOTENCY#${tenantId}#${createHash('sha256').update(key).digest('base64url')}`;
}

function unavailable(error: unknown): never {
  const name = (error as { name?: string }).name ?? 'unknown error';
  throw new StoreUnavailableError(`DynamoDB unavailable (${name})`, { cause: error });
}

export class DynamoDbIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(
    tenantId: string,
    key: string,
    fingerprint: string,
    options: { now: number; leaseUntil: number; expiresAt: number; answeredBy?: string },
  ): Promise<ClaimResult> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: pk(tenantId, key),
            sk: 'IDEMPOTENCY',
            entity: 'idempotency',
            v: ENTITY_VERSION,
            status: 'in_progress',
            fingerprint,
            leaseUntil: options.leaseUntil,
            ttl: options.expiresAt,
            ...(options.answeredBy === undefined ? {} : { answeredBy: options.answeredBy }),
          },
          // Free, or held by a claim whose holder died (its lease ran out). A claim answered by
          // another record is never completed: taking it over would send again.
          ConditionExpression:
            'attribute_not_exists(#pk) OR (#status = :inProgress AND #lease < :now AND attribute_not_exists(#answeredBy))',
          ExpressionAttributeNames: {
            '#pk': 'pk',
            '#status': 'status',
            '#lease': 'leaseUntil',
            '#answeredBy': 'answeredBy',
          },
          ExpressionAttributeValues: { ':inProgress': 'in_progress', ':now': options.now },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { claimed: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) unavailable(error);
      // ALL_OLD gives the record that won; read it when the server did not return it.
      const record = await this.get(tenantId, key);
      // Gone between the two reads (released): let the caller try again as a duplicate in progress.
      return {
        claimed: false,
        record: record ?? { status: 'in_progress', fingerprint, leaseUntil: options.now + 1 },
      };
    }
  }

  async complete(tenantId: string, key: string, result: unknown, expiresAt: number): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: pk(tenantId, key), sk: 'IDEMPOTENCY' },
          UpdateExpression: 'SET #status = :completed, #result = :result, #ttl = :ttl',
          ExpressionAttributeNames: { '#status': 'status', '#result': 'result', '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':completed': 'completed', ':result': result, ':ttl': expiresAt },
        }),
      );
    } catch (error) {
      unavailable(error);
    }
  }

  async release(tenantId: string, key: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: pk(tenantId, key), sk: 'IDEMPOTENCY' },
          ConditionExpression: '#status = :inProgress',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':inProgress': 'in_progress' },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      unavailable(error);
    }
  }

  async get(tenantId: string, key: string): Promise<IdempotencyRecord | undefined> {
    try {
      const { Item } = await this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: pk(tenantId, key), sk: 'IDEMPOTENCY' },
          ConsistentRead: true,
        }),
      );
      if (!Item) return undefined;
      return {
        status: Item.status as IdempotencyRecord['status'],
        fingerprint: Item.fingerprint as string,
        leaseUntil: Item.leaseUntil as number,
        result: Item.result,
        ...(typeof Item.answeredBy === 'string' ? { answeredBy: Item.answeredBy } : {}),
      };
    } catch (error) {
      unavailable(error);
    }
  }
}
