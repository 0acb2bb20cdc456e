import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ConsoleRole } from '../domain/console-session';
import type { ConsoleSession, ConsoleSessionStore } from '../ports/console-session-store';
import { DynamoDbTable, ENTITY_VERSION, translate } from './dynamodb-table';

/**
 * `CONSOLE#<sha256 of session id>` / `SESSION`: a console session, in the recipient-free key
 * space (docs/architecture.md, "Key layout"); expires with the table's TTL (its end, which the
 * service checks too: the TTL removes items late).
 */
const sessionKey = (idHash: string) => ({ pk: `CONSOLE#${idHash}`, sk: 'SESSION' });

export class DynamoDbConsoleSessionStore extends DynamoDbTable implements ConsoleSessionStore {
  async putSession(session: ConsoleSession, ttl: number): Promise<void> {
    const { idHash, principal, ...data } = session;
    // Flat attributes: a key's id and hash, or a user's sub and username (never a password or token).
    const who =
      principal.kind === 'key'
        ? { keyId: principal.keyId, keyHash: principal.keyHash }
        : {
            userSub: principal.sub,
            username: principal.username,
            ...(principal.email === undefined ? {} : { email: principal.email }),
          };
    await this.put({
      Item: { ...sessionKey(idHash), entity: 'consoleSession', v: ENTITY_VERSION, ...data, ...who, ttl },
      // A fresh random id: a collision would mean a broken generator, never overwrite.
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': 'pk' },
    });
  }

  async getSession(idHash: string): Promise<ConsoleSession | undefined> {
    try {
      const { Item } = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: sessionKey(idHash), ConsistentRead: true }),
      );
      if (Item === undefined) return undefined;
      return {
        idHash,
        tenantId: String(Item.tenantId),
        principal:
          Item.userSub === undefined
            ? { kind: 'key', keyId: String(Item.keyId), keyHash: String(Item.keyHash) }
            : {
                kind: 'user',
                sub: String(Item.userSub),
                username: String(Item.username),
                ...(Item.email === undefined ? {} : { email: String(Item.email) }),
              },
        role: Item.role as ConsoleRole,
        csrfToken: String(Item.csrfToken),
        createdAt: String(Item.createdAt),
        lastSeenAt: String(Item.lastSeenAt),
      };
    } catch (error) {
      translate(error);
    }
  }

  async touchSession(idHash: string, lastSeenAt: string, ttl: number): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sessionKey(idHash),
          UpdateExpression: 'SET #seen = :seen, #ttl = :ttl',
          // Signed out meanwhile: an update would create the item again.
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#seen': 'lastSeenAt', '#ttl': 'ttl', '#pk': 'pk' },
          ExpressionAttributeValues: { ':seen': lastSeenAt, ':ttl': ttl },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      translate(error);
    }
  }

  async deleteSession(idHash: string): Promise<void> {
    try {
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: sessionKey(idHash) }));
    } catch (error) {
      translate(error);
    }
  }
}
