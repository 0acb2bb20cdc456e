import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { MailtoAddressStore } from '../ports/mailto-address-store';
import { DynamoDbTable, ENTITY_VERSION, translate } from './dynamodb-table';

/**
 * `MAILTO#<id>` / `M`: the token a mailto unsubscribe address stands for, in the
 * recipient-free key space (docs/architecture.md, "Key layout"); expires with the table's TTL.
 */
const mailtoKey = (id: string) => ({ pk: `MAILTO#${id}`, sk: 'M' });

export class DynamoDbMailtoAddressStore extends DynamoDbTable implements MailtoAddressStore {
  async putMailtoToken(id: string, token: string, ttl: number): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...mailtoKey(id), entity: 'mailtoAddress', v: ENTITY_VERSION, token, ttl },
        }),
      );
    } catch (error) {
      translate(error);
    }
  }

  async getMailtoToken(id: string): Promise<string | undefined> {
    try {
      const { Item } = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: mailtoKey(id), ConsistentRead: true }),
      );
      return typeof Item?.token === 'string' ? Item.token : undefined;
    } catch (error) {
      translate(error);
    }
  }
}
