import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from '../ports/store-errors';
import { type EmailTemplate, TemplateExistsError, type TemplateStore } from '../ports/template-store';
import { DynamoDbTable, ENTITY_VERSION, translate } from './dynamodb-table';

/**
 * A tenant's SES v2 templates: one item each, `TENANT#<id>#TEMPLATES` / `T#<name>`, in the
 * recipient-free key space (docs/architecture.md, "Key layout"). The partition holds only
 * templates, so a listing is one Query of it.
 */
const templatesPk = (tenantId: string) => `TENANT#${tenantId}#TEMPLATES`;
const templateKey = (tenantId: string, name: string) => ({ pk: templatesPk(tenantId), sk: `T#${name}` });

export class DynamoDbTemplateStore extends DynamoDbTable implements TemplateStore {
  async getTemplate(tenantId: string, name: string): Promise<EmailTemplate | undefined> {
    try {
      const { Item } = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: templateKey(tenantId, name), ConsistentRead: true }),
      );
      return Item === undefined ? undefined : (Item.data as EmailTemplate);
    } catch (error) {
      translate(error);
    }
  }

  createTemplate(tenantId: string, template: EmailTemplate): Promise<void> {
    return this.putIfAbsent(
      { ...templateKey(tenantId, template.name), entity: 'emailTemplate', v: ENTITY_VERSION, data: template },
      () => new TemplateExistsError(`Template ${template.name} already exists`),
    );
  }

  async updateTemplate(
    tenantId: string,
    name: string,
    content: Pick<EmailTemplate, 'subject' | 'html' | 'text'>,
  ): Promise<void> {
    try {
      // The whole content is replaced, as SES's UpdateEmailTemplate does: a part left out is removed.
      const parts = (['subject', 'html', 'text'] as const).map((part) => ({ part, value: content[part] }));
      const set = parts.filter((p) => p.value !== undefined);
      const removed = parts.filter((p) => p.value === undefined);
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: templateKey(tenantId, name),
          UpdateExpression: [
            set.length > 0 ? `SET ${set.map((p) => `#data.#${p.part} = :${p.part}`).join(', ')}` : '',
            removed.length > 0 ? `REMOVE ${removed.map((p) => `#data.#${p.part}`).join(', ')}` : '',
          ].join(' '),
          ConditionExpression: 'attribute_exists(#sk)',
          ExpressionAttributeNames: {
            '#sk': 'sk',
            '#data': 'data',
            ...Object.fromEntries(parts.map((p) => [`#${p.part}`, p.part])),
          },
          ...(set.length > 0
            ? { ExpressionAttributeValues: Object.fromEntries(set.map((p) => [`:${p.part}`, p.value])) }
            : {}),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new NotFoundError(`Template ${name} does not exist`);
      translate(error);
    }
  }

  async deleteTemplate(tenantId: string, name: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: templateKey(tenantId, name),
          ConditionExpression: 'attribute_exists(#sk)',
          ExpressionAttributeNames: { '#sk': 'sk' },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new NotFoundError(`Template ${name} does not exist`);
      translate(error);
    }
  }

  async listTemplates(tenantId: string): Promise<Pick<EmailTemplate, 'name' | 'createdAt'>[]> {
    const items = await this.queryAll({
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': 'pk' },
      ExpressionAttributeValues: { ':pk': templatesPk(tenantId) },
    });
    return items.map((i) => {
      const data = i.data as EmailTemplate;
      return { name: data.name, createdAt: data.createdAt };
    });
  }
}
