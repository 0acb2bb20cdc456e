import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ApiKeyRecord, CredentialStore, SenderCredentialRecord } from '../ports/credential-store';
import { NotFoundError } from '../ports/store-errors';
import { DynamoDbTable, ENTITY_VERSION, keysIndexPk, translate } from './dynamodb-table';

/**
 * API keys (`APIKEY#<sha256 of key>`) and SES-style sender credentials
 * (`CREDENTIAL#<accessKeyId>`), both listed per tenant on gsi1 (`TENANT#<id>#KEYS`).
 * Key layout: docs/architecture.md ("Key layout").
 */

const apiKeyKey = (keyHash: string) => ({ pk: `APIKEY#${keyHash}`, sk: 'APIKEY' });
const credentialKey = (accessKeyId: string) => ({ pk: `CREDENTIAL#${accessKeyId}`, sk: 'CREDENTIAL' });

export class DynamoDbCredentialStore extends DynamoDbTable implements CredentialStore {
  getApiKey(keyHash: string): Promise<ApiKeyRecord | undefined> {
    return this.getKeyItem(apiKeyKey(keyHash)) as Promise<ApiKeyRecord | undefined>;
  }

  putApiKey(keyHash: string, record: ApiKeyRecord): Promise<void> {
    return this.putKeyItem(apiKeyKey(keyHash), 'apiKey', record, `APIKEY#${record.keyId}`);
  }

  async listApiKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    return (await this.queryKeys(tenantId, 'APIKEY#')).map((item) => item.data as ApiKeyRecord);
  }

  async revokeApiKey(tenantId: string, keyId: string, at: string): Promise<ApiKeyRecord> {
    return (await this.revokeKeyItem(tenantId, `APIKEY#${keyId}`, at)) as ApiKeyRecord;
  }

  touchApiKey(keyHash: string, day: string): Promise<boolean> {
    return this.touchKeyItem(apiKeyKey(keyHash), day);
  }

  getSenderCredential(accessKeyId: string): Promise<SenderCredentialRecord | undefined> {
    return this.getKeyItem(credentialKey(accessKeyId)) as Promise<SenderCredentialRecord | undefined>;
  }

  putSenderCredential(record: SenderCredentialRecord): Promise<void> {
    return this.putKeyItem(
      credentialKey(record.accessKeyId),
      'credential',
      record,
      `CREDENTIAL#${record.keyId}`,
    );
  }

  async listSenderCredentials(tenantId: string): Promise<SenderCredentialRecord[]> {
    return (await this.queryKeys(tenantId, 'CREDENTIAL#')).map((item) => item.data as SenderCredentialRecord);
  }

  async revokeSenderCredential(tenantId: string, keyId: string, at: string): Promise<SenderCredentialRecord> {
    return (await this.revokeKeyItem(tenantId, `CREDENTIAL#${keyId}`, at)) as SenderCredentialRecord;
  }

  touchSenderCredential(accessKeyId: string, day: string): Promise<boolean> {
    return this.touchKeyItem(credentialKey(accessKeyId), day);
  }

  /** The decision path reads keys: strongly consistent. */
  private async getKeyItem(key: { pk: string; sk: string }): Promise<unknown> {
    try {
      const { Item } = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      return Item?.data;
    } catch (error) {
      translate(error);
    }
  }

  /** A key is written once: a second put of the same hash or access key id fails. */
  private putKeyItem(
    key: { pk: string; sk: string },
    entity: 'apiKey' | 'credential',
    record: ApiKeyRecord | SenderCredentialRecord,
    gsi1sk: string,
  ): Promise<void> {
    return this.put({
      Item: {
        ...key,
        entity,
        v: ENTITY_VERSION,
        data: record,
        gsi1pk: keysIndexPk(record.tenantId),
        gsi1sk,
      },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': 'pk' },
    });
  }

  /** The tenant's key items of one kind, through gsi1 (a listing, not the decision path: eventually consistent). */
  private queryKeys(tenantId: string, prefix: string): Promise<Record<string, unknown>[]> {
    return this.queryAll({
      IndexName: 'gsi1',
      KeyConditionExpression: '#gpk = :gpk AND begins_with(#gsk, :prefix)',
      ExpressionAttributeNames: { '#gpk': 'gsi1pk', '#gsk': 'gsi1sk' },
      ExpressionAttributeValues: { ':gpk': keysIndexPk(tenantId), ':prefix': prefix },
    });
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
}
