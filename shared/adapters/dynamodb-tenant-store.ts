import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { own } from '../domain/own';
import { NotFoundError } from '../ports/store-errors';
import { IdentityTakenError, type TenantStore } from '../ports/tenant-store';
import type { FeedbackSettings } from '../schemas/feedback';
import { type IdentityClaim, type IdentityKind, identityClaimSchema } from '../schemas/identity';
import {
  type ComplaintRateSettings,
  type ConfirmationSettings,
  type Purpose,
  type SmsSender,
  type SmsSettings,
  type Tenant,
  tenantSchema,
  type Wording,
  wordingSchema,
} from '../schemas/tenant';
import { BATCH_GET_LIMIT, DynamoDbTable, ENTITY_VERSION, tenantPk, translate } from './dynamodb-table';

/**
 * Tenants and their sending identities: the tenant item (`TENANT#<id>`, `TENANT`) and one
 * claim item per identity. Key layout: docs/architecture.md ("Key layout").
 */

export const tenantKey = (tenantId: string) => ({ pk: tenantPk(tenantId), sk: 'TENANT' });

/**
 * A sending identity's claim item (docs/rules.md, Vocabulary "Tenant"). An SMS sender id's
 * claim keeps the key the inbound routing always read (`SMSSENDER#<id>`, `tenantId` at the
 * top level), so the items written when tenants declared their own senders are claims too.
 */
const claimKey = (kind: IdentityKind, identity: string) =>
  kind === 'sms_sender'
    ? { pk: `SMSSENDER#${identity}`, sk: 'SMSSENDER' }
    : { pk: `IDENTITY#${kind}#${identity}`, sk: 'IDENTITY' };
const identitiesIndexPk = (tenantId: string) => `TENANT#${tenantId}#IDENTITIES`;

/** A claim item as stored; the sender id items of before claims hold only `tenantId`. */
function claimOf(kind: IdentityKind, identity: string, item: Record<string, unknown>): IdentityClaim {
  const data = (item.data ?? {}) as Record<string, unknown>;
  return identityClaimSchema.parse({
    kind,
    identity,
    assignedAt: '1970-01-01T00:00:00.000Z',
    ...data,
    tenantId: item.tenantId,
  });
}

export class DynamoDbTenantStore extends DynamoDbTable implements TenantStore {
  /** An update of the tenant's item; a tenant that does not exist is a NotFoundError. */
  private async update(
    tenantId: string,
    expression: string,
    names: Record<string, string>,
    values: Record<string, unknown> | undefined,
  ): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: tenantKey(tenantId),
          UpdateExpression: expression,
          ExpressionAttributeNames: { ...names, '#pk': 'pk' },
          ExpressionAttributeValues: values,
          ConditionExpression: 'attribute_exists(#pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new NotFoundError('Tenant not found');
      translate(error);
    }
  }

  /**
   * R10: the identities of the tenant's item that it holds a claim for, read in one strongly
   * consistent batch. An SMS sender counts when both its sender id and its origination
   * identity are claimed by the tenant.
   */
  async getTenant(tenantId: string): Promise<Tenant | undefined> {
    const tenant = await this.getStoredTenant(tenantId);
    if (tenant === undefined) return undefined;
    const senders = Object.values(tenant.smsSenders);
    const wanted: [IdentityKind, string][] = [
      ...tenant.emailIdentities.map((i) => ['email', i] as [IdentityKind, string]),
      ...senders.flatMap((s) => [
        ['sms_sender', s.id] as [IdentityKind, string],
        ['sms_origination', s.originationIdentity] as [IdentityKind, string],
      ]),
    ];
    if (wanted.length === 0) return tenant;
    const owned = new Set<string>();
    const keys = wanted.map(([kind, identity]) => claimKey(kind, identity));
    const unique = [...new Map(keys.map((k) => [k.pk, k])).values()];
    for (let i = 0; i < unique.length; i += BATCH_GET_LIMIT) {
      for (const item of await this.batchGet(unique.slice(i, i + BATCH_GET_LIMIT), 'identity claims')) {
        if (item.tenantId === tenantId) owned.add(String(item.pk));
      }
    }
    const holds = (kind: IdentityKind, identity: string) => owned.has(claimKey(kind, identity).pk);
    return {
      ...tenant,
      emailIdentities: tenant.emailIdentities.filter((i) => holds('email', i)),
      smsSenders: Object.fromEntries(
        senders
          .filter((s) => holds('sms_sender', s.id) && holds('sms_origination', s.originationIdentity))
          .map((s) => [s.id, s]),
      ),
    };
  }

  async getStoredTenant(tenantId: string): Promise<Tenant | undefined> {
    try {
      const { Item } = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: tenantKey(tenantId), ConsistentRead: true }),
      );
      if (!Item) return undefined;
      const ids = Item.emailIdentities instanceof Set ? [...Item.emailIdentities] : [];
      return tenantSchema.parse({ ...Item.data, emailIdentities: ids.sort() });
    } catch (error) {
      translate(error);
    }
  }

  async createTenant(tenant: Tenant): Promise<boolean> {
    const { emailIdentities, ...data } = tenant;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...tenantKey(tenant.id),
            entity: 'tenant',
            v: ENTITY_VERSION,
            data,
            // A string set, so that identities are added and removed atomically.
            emailIdentities: emailIdentities.length > 0 ? new Set(emailIdentities) : undefined,
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': 'pk' },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      translate(error);
    }
  }

  putPurpose(tenantId: string, purpose: Purpose): Promise<void> {
    return this.update(
      tenantId,
      'SET #data.#purposes.#id = :purpose',
      { '#data': 'data', '#purposes': 'purposes', '#id': purpose.id },
      { ':purpose': purpose },
    );
  }

  putEmailIdentity(tenantId: string, identity: string): Promise<void> {
    return this.update(
      tenantId,
      'ADD #ids :ids',
      { '#ids': 'emailIdentities' },
      { ':ids': new Set([identity]) },
    );
  }

  deleteEmailIdentity(tenantId: string, identity: string): Promise<void> {
    return this.update(
      tenantId,
      'DELETE #ids :ids',
      { '#ids': 'emailIdentities' },
      { ':ids': new Set([identity]) },
    );
  }

  async putWording(tenantId: string, wording: Wording): Promise<Wording> {
    const names = { '#data': 'data', '#wordings': 'wordings', '#id': wording.versionId, '#pk': 'pk' };
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: tenantKey(tenantId),
          UpdateExpression: 'SET #data.#wordings.#id = :wording',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':wording': wording },
          // R3: a stored version is never rewritten (consents point at its text and hash).
          ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#data.#wordings.#id)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return wording;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) translate(error);
      // ALL_OLD: the item holds the version that was there (none: no such tenant).
      const old = error.Item === undefined ? undefined : unmarshall(error.Item);
      const stored = own((old?.data as Tenant | undefined)?.wordings, wording.versionId);
      if (stored === undefined) throw new NotFoundError('Tenant not found');
      return wordingSchema.parse(stored);
    }
  }

  async putSmsSender(tenantId: string, sender: SmsSender): Promise<void> {
    await this.ensureMap(tenantId, 'smsSenders');
    await this.update(
      tenantId,
      'SET #data.#senders.#id = :sender',
      { '#data': 'data', '#senders': 'smsSenders', '#id': sender.id },
      { ':sender': sender },
    );
  }

  async deleteSmsSender(tenantId: string, senderId: string): Promise<void> {
    await this.ensureMap(tenantId, 'smsSenders');
    await this.update(
      tenantId,
      'REMOVE #data.#senders.#id',
      { '#data': 'data', '#senders': 'smsSenders', '#id': senderId },
      undefined,
    );
  }

  async claimIdentity(claim: IdentityClaim, attempt = 0): Promise<'claimed' | 'already_yours'> {
    const key = claimKey(claim.kind, claim.identity);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key,
            entity: 'identityClaim',
            v: ENTITY_VERSION,
            tenantId: claim.tenantId,
            data: claim,
            gsi1pk: identitiesIndexPk(claim.tenantId),
            gsi1sk: `${claim.kind}#${claim.identity}`,
          },
          // The whole point: an identity nobody holds, and only then (a race has one winner).
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': 'pk' },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'claimed';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        const holder =
          error.Item?.tenantId?.S ?? (await this.getIdentityClaim(claim.kind, claim.identity))?.tenantId;
        // Released between the write and the read: try again (a few times at most).
        if (holder === undefined && attempt < 3) return this.claimIdentity(claim, attempt + 1);
        if (holder === claim.tenantId) return 'already_yours';
        throw new IdentityTakenError(claim.kind, claim.identity, holder ?? 'unknown');
      }
      translate(error);
    }
  }

  async releaseIdentity(kind: IdentityKind, identity: string, tenantId: string): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: claimKey(kind, identity),
          ConditionExpression: '#tenant = :tenant',
          ExpressionAttributeNames: { '#tenant': 'tenantId' },
          ExpressionAttributeValues: { ':tenant': tenantId },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      translate(error);
    }
  }

  async getIdentityClaim(kind: IdentityKind, identity: string): Promise<IdentityClaim | undefined> {
    try {
      const { Item } = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: claimKey(kind, identity), ConsistentRead: true }),
      );
      return Item === undefined ? undefined : claimOf(kind, identity, Item);
    } catch (error) {
      translate(error);
    }
  }

  async listIdentityClaims(tenantId: string): Promise<IdentityClaim[]> {
    const items = await this.queryAll({
      IndexName: 'gsi1',
      KeyConditionExpression: '#gpk = :gpk',
      ExpressionAttributeNames: { '#gpk': 'gsi1pk' },
      ExpressionAttributeValues: { ':gpk': identitiesIndexPk(tenantId) },
    });
    return items.map((item) => {
      const data = item.data as IdentityClaim;
      return claimOf(data.kind, data.identity, item);
    });
  }

  async listTenantIds(): Promise<string[]> {
    const ids: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.doc.send(
          new ScanCommand({
            TableName: this.tableName,
            FilterExpression: '#sk = :sk',
            ExpressionAttributeNames: { '#sk': 'sk', '#pk': 'pk' },
            ExpressionAttributeValues: { ':sk': 'TENANT' },
            ProjectionExpression: '#pk',
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) ids.push(String(item.pk).slice('TENANT#'.length));
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
    } catch (error) {
      translate(error);
    }
    return ids.sort();
  }

  async findTenantBySmsSender(senderId: string): Promise<string | undefined> {
    const sender = await this.getIdentityClaim('sms_sender', senderId);
    if (sender === undefined) return undefined;
    // R7: the reply goes to the owner of the origination identity the number sends through.
    // A sender item of before claims names none: its tenant, so that no STOP is ever dropped.
    if (sender.originationIdentity === undefined) return sender.tenantId;
    const origination = await this.getIdentityClaim('sms_origination', sender.originationIdentity);
    return origination?.tenantId ?? sender.tenantId;
  }

  /** Tenants created before a map attribute existed get it empty, so nested SETs can follow. */
  private ensureMap(tenantId: string, name: string): Promise<void> {
    return this.update(
      tenantId,
      'SET #data.#name = if_not_exists(#data.#name, :empty)',
      { '#data': 'data', '#name': name },
      { ':empty': {} },
    );
  }

  putSmsSettings(tenantId: string, settings: SmsSettings): Promise<void> {
    return this.putSetting(tenantId, 'sms', settings);
  }

  putComplaintRateSettings(tenantId: string, settings: ComplaintRateSettings): Promise<void> {
    return this.putSetting(tenantId, 'complaintRate', settings);
  }

  putConfirmationSettings(tenantId: string, settings: ConfirmationSettings): Promise<void> {
    return this.putSetting(tenantId, 'confirmation', settings);
  }

  putFeedbackSettings(tenantId: string, settings: FeedbackSettings): Promise<void> {
    return this.putSetting(tenantId, 'feedback', settings);
  }

  /** One group of the tenant's settings, replaced whole; the other groups are left as they are. */
  private async putSetting(
    tenantId: string,
    name: 'sms' | 'complaintRate' | 'confirmation' | 'feedback',
    value: unknown,
  ): Promise<void> {
    await this.ensureMap(tenantId, 'settings');
    await this.update(
      tenantId,
      'SET #data.#settings.#name = :value',
      { '#data': 'data', '#settings': 'settings', '#name': name },
      { ':value': value },
    );
  }
}
