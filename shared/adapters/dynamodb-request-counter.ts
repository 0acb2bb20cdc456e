import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { StoreUnavailableError } from '../ports/gateway-store';
import type { RequestCounter } from '../ports/request-counter';

/**
 * One item per key and window (`RATE#<key id>` / `W#<window start>`) in the gateway's table,
 * expired by its `ttl`. Cost: exactly one conditional UpdateItem per request (1 WRU on
 * demand, refused or not: DynamoDB charges a failed condition as a write), no read.
 */
const ENTITY_VERSION = 1;

export class DynamoDbRequestCounter implements RequestCounter {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async take(key: string, windowStart: number, limit: number, expiresAt: number): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `RATE#${key}`, sk: `W#${windowStart}` },
          UpdateExpression: 'ADD #n :one SET #entity = :entity, #version = :version, #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit',
          ExpressionAttributeNames: { '#n': 'n', '#entity': 'entity', '#version': 'version', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':one': 1,
            ':limit': limit,
            ':entity': 'RequestWindow',
            ':version': ENTITY_VERSION,
            ':ttl': expiresAt,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      const name = (error as { name?: string }).name ?? 'unknown error';
      throw new StoreUnavailableError(`DynamoDB unavailable (${name})`, { cause: error });
    }
  }
}
