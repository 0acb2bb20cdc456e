import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DueQueue, PendingMessage } from '../ports/due-queue';
import { DynamoDbTable, ENTITY_VERSION, recipientPk, translate } from './dynamodb-table';

/**
 * The due queue: deferred SMS (R14) and scheduled messages, each an item `D#<messageId>` of
 * its recipient's partition (an erasure takes it with the rest), indexed on gsi1
 * (`DEFERRED_SMS`, `<notBefore>#…`) while pending so the scheduler finds what is due; a
 * claimed message leaves the index. A pointer item per tenant and message id finds it for
 * DELETE /v1/messages/{id}. Key layout: docs/architecture.md ("Key layout").
 */

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

export class DynamoDbDueQueue extends DynamoDbTable implements DueQueue {
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
}
