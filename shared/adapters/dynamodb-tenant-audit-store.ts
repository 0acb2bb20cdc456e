import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { OUTBOUND_ATTRIBUTE } from '../domain/stream-events';
import type { OutboundEvent } from '../ports/event-publisher';
import { AlreadyRecordedError } from '../ports/store-errors';
import type { TenantAuditPage, TenantAuditStore } from '../ports/tenant-audit-store';
import { type AuditEvent, type AuditEventType, auditEventSchema } from '../schemas/audit';
import { DynamoDbTable, ENTITY_VERSION, translate } from './dynamodb-table';

/**
 * The tenant's audit trail: one partition per tenant, an item per event under
 * `A#<at>#<event id>` (so a Query backwards reads it newest first), each written once. Key
 * layout: docs/architecture.md ("Key layout").
 */
const tenantAuditPk = (tenantId: string) => `TENANT#${tenantId}#AUDIT`;
/** Pages read for one answer when `types` filters out most events: the trail is small, this bounds it anyway. */
const MAX_PAGES = 20;

export class DynamoDbTenantAuditStore extends DynamoDbTable implements TenantAuditStore {
  appendTenantAudit(tenantId: string, event: AuditEvent, out?: OutboundEvent): Promise<void> {
    return this.putIfAbsent(
      {
        pk: tenantAuditPk(tenantId),
        sk: `A#${event.at}#${event.id}`,
        entity: 'tenantAudit',
        v: ENTITY_VERSION,
        data: event,
        [OUTBOUND_ATTRIBUTE]: out,
      },
      (cause) => new AlreadyRecordedError(`Audit event ${event.id} is already recorded`, { cause }),
    );
  }

  async listTenantAudit(
    tenantId: string,
    options: { readonly limit: number; readonly after?: string; readonly types?: readonly AuditEventType[] },
  ): Promise<TenantAuditPage> {
    const pk = tenantAuditPk(tenantId);
    const types = options.types ?? [];
    const events: { sk: string; event: AuditEvent }[] = [];
    let start: Record<string, unknown> | undefined =
      options.after === undefined ? undefined : { pk, sk: options.after };
    try {
      for (let page = 0; page < MAX_PAGES && events.length < options.limit; page++) {
        const input: QueryCommandInput = {
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :a)',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
          ExpressionAttributeValues: { ':pk': pk, ':a': 'A#' },
          ScanIndexForward: false,
          Limit: options.limit - events.length,
          ConsistentRead: true,
          ExclusiveStartKey: start,
        };
        if (types.length > 0) {
          input.FilterExpression = `#data.#type IN (${types.map((_, i) => `:t${i}`).join(', ')})`;
          Object.assign(input.ExpressionAttributeNames ?? {}, { '#data': 'data', '#type': 'type' });
          types.forEach((t, i) => {
            (input.ExpressionAttributeValues as Record<string, unknown>)[`:t${i}`] = t;
          });
        }
        const { Items = [], LastEvaluatedKey } = await this.doc.send(new QueryCommand(input));
        for (const item of Items)
          events.push({ sk: String(item.sk), event: auditEventSchema.parse(item.data) });
        start = LastEvaluatedKey;
        if (start === undefined) break;
      }
    } catch (error) {
      translate(error);
    }
    const last = events.at(-1);
    // More may follow: the last page was cut by the limit (or by MAX_PAGES of filtered reads).
    const next = start === undefined || last === undefined ? undefined : last.sk;
    return { events: events.map((e) => e.event), ...(next === undefined ? {} : { next }) };
  }
}
