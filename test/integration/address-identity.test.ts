import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TENANT } from '../../infra/local/seed';
import { migrateRecipientKeys } from '../../shared/adapters/dynamodb-recipient-key-migration';
import { createDocumentClient } from '../../shared/adapters/dynamodb-table';
import { legacyRecipientKey, recipientKey } from '../../shared/domain/recipient-key';
import { runtimeDependencies } from '../../shared/http/runtime';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';
import { SEND_PATHS, type SendPaths, sendPaths } from '../support/send-paths';

/**
 * For identity an email address is
 * compared case-insensitively, local part included; the address as given is kept for
 * delivery. Through HTTP, the bulk queue and the SES endpoint, checking the local SES.
 */
let gw: LocalGateway;
let paths: SendPaths;
let hashKey: Buffer;
let doc: ReturnType<typeof createDocumentClient>;
const TENANT = DEMO_TENANT;

beforeAll(async () => {
  gw = await startLocalGateway();
  paths = await sendPaths(gw);
  hashKey = (await runtimeDependencies().keys.load()).hashKey;
  doc = createDocumentClient(
    new DynamoDBClient({
      endpoint: gw.dynamodbUrl,
      region: 'eu-west-3',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
});
afterAll(async () => {
  paths?.close();
  await gw?.stop();
});

const admin = (method: string, path: string, body?: unknown) =>
  gw.call(method, path, { key: gw.adminKey, body });
const keyOf = async (address: string) =>
  (await admin('PUT', '/v1/recipients', { channel: 'email', address, audience: 'consumer' })).body
    .recipientKey as string;

async function expectRefusedEverywhere(address: string, reason: string) {
  const before = await paths.delivered(address);
  for (const path of SEND_PATHS) {
    const result = await paths.send(path, address);
    expect(result.outcome, `${path} ${address}`).toBe('rejected');
    expect(result.reasons, `${path} ${address}`).toContain(reason);
  }
  expect(await paths.delivered(address)).toBe(before);
}

describe('Recipient identity: case-insensitive, local part included', () => {
  it('R7: Frank@example.org hits the objection of frank@example.org, on every send path', async () => {
    expect((await admin('POST', '/v1/consents', provableConsent('Frank@example.org'))).status).toBe(201);
    const objection = await admin('POST', '/v1/objections', {
      channel: 'email',
      address: 'frank@example.org',
      scope: { type: 'channel' },
    });
    expect(objection.status).toBe(201);
    await expectRefusedEverywhere('Frank@example.org', 'objection');
    await expectRefusedEverywhere('FRANK@EXAMPLE.ORG', 'objection');
  });

  it('R8: a bounce of FRANZ@EXAMPLE.ORG suppresses franz@example.org', async () => {
    expect((await admin('POST', '/v1/consents', provableConsent('franz@example.org'))).status).toBe(201);
    expect(
      (
        await admin('POST', '/v1/suppressions', {
          channel: 'email',
          address: 'FRANZ@EXAMPLE.ORG',
          reason: 'bounce',
        })
      ).status,
    ).toBe(201);
    await expectRefusedEverywhere('franz@example.org', 'suppressed_bounce');
  });

  it('R10: mail goes to the address as given; its unsubscribe link stops every case of it', async () => {
    expect((await admin('POST', '/v1/consents', provableConsent('judy@example.org'))).status).toBe(201);
    const sent = await gw.call('POST', '/v1/messages', {
      key: gw.senderKey,
      body: newsletter('Judy@Example.ORG'),
    });
    expect(sent.status).toBe(202);
    const stored = (await gw.sentEmails()).find((e) => e.destination.to.includes('Judy@example.org'))!;
    expect(stored.destination.to).toEqual(['Judy@example.org']);
    const link = stored.headers?.find((h) => h.name === 'List-Unsubscribe')?.value ?? '';
    const click = await gw.call('POST', new URL(link.replace(/^<|>$/g, '')).pathname, {
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(click.status).toBe(200);
    await expectRefusedEverywhere('judy@example.org', 'objection');
  });

  it('R15: the erasure and the export of kim@example.org cover what was recorded for KIM@example.org', async () => {
    expect((await admin('POST', '/v1/consents', provableConsent('KIM@example.org'))).status).toBe(201);
    const key = await keyOf('kim@example.org');
    expect(await keyOf('Kim@Example.org')).toBe(key);
    const exported = await admin('GET', `/v1/recipients/${key}/export`);
    expect(exported.status).toBe(200);
    expect(exported.body.consents.map((c: { purpose: string }) => c.purpose)).toEqual(['newsletter']);
    expect(exported.body.profile.address).toBe('Kim@example.org');

    const erased = await admin('DELETE', `/v1/recipients/${key}`, {});
    expect(erased.status).toBe(200);
    const after = await admin('GET', `/v1/recipients/${key}`);
    expect(after.body.consents).toEqual({});
    expect(after.body.profile).toBeUndefined();
    await expectRefusedEverywhere('KIM@example.org', 'objection');
  });
});

/** Writes items the way the gate did before keys were case-folded: under the case-preserving key. */
async function seedLegacy(
  address: string,
  items: { sk: string; entity: string; data: unknown; extra?: object }[],
) {
  const pk = `TENANT#${TENANT}#R#${legacyRecipientKey(hashKey, TENANT, 'email', address)}`;
  for (const item of items) {
    await doc.send(
      new PutCommand({
        TableName: gw.tableName,
        Item: { pk, sk: item.sk, entity: item.entity, v: 1, data: item.data, ...item.extra },
      }),
    );
  }
  return pk;
}

async function partition(pk: string) {
  const { Items = [] } = await doc.send(
    new QueryCommand({
      TableName: gw.tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': 'pk' },
      ExpressionAttributeValues: { ':pk': pk },
      ConsistentRead: true,
    }),
  );
  return Items;
}

describe('Keys written before identities were case-folded (dual-key read, then npm run migrate)', () => {
  const yesterday = new Date(Date.now() - 86_400_000).toISOString();
  const weekAgo = new Date(Date.now() - 7 * 86_400_000).toISOString();
  const objection = (id: string) => ({
    id,
    scope: { type: 'channel' },
    at: '2026-06-01T12:00:00-08:00',
    method: 'one_click',
    recordedAt: weekAgo,
  });
  const profile = (address: string) => ({
    channel: 'email',
    address,
    audience: 'consumer',
    purchases: [],
    professionalTopics: [],
    needsRepermission: false,
    updatedAt: weekAgo,
  });

  it('R7: an objection under the old key blocks every path before the migration, and after; a second run changes nothing', async () => {
    const grace = 'Grace@example.org';
    const oldPk = await seedLegacy(grace, [
      { sk: 'S#PROFILE', entity: 'profile', data: profile(grace) },
      { sk: 'S#OBJECTION#old-1', entity: 'objection', data: objection('old-1') },
      // As the old code wrote it: `at` as given, no atMs.
      {
        sk: 'S#OBJSCOPE#channel',
        entity: 'objectionScope',
        data: objection('old-1'),
        extra: { at: objection('old-1').at },
      },
    ]);
    // Heidi has an old partition with an objection and a new one with a consent: merged.
    const heidi = 'Heidi@example.org';
    const heidiOld = await seedLegacy(heidi, [
      { sk: 'S#PROFILE', entity: 'profile', data: profile(heidi) },
      { sk: 'S#OBJECTION#old-2', entity: 'objection', data: objection('old-2') },
      {
        sk: 'S#OBJSCOPE#channel',
        entity: 'objectionScope',
        data: objection('old-2'),
        extra: { at: objection('old-2').at },
      },
    ]);
    expect(
      (await admin('POST', '/v1/consents', { ...provableConsent('heidi@example.org'), givenAt: yesterday }))
        .status,
    ).toBe(201);
    // Ivan's old partition holds only an objection (no profile: no address to find it by).
    const ivan = 'Ivan@example.org';
    const ivanOld = await seedLegacy(ivan, [
      { sk: 'S#OBJECTION#old-3', entity: 'objection', data: objection('old-3') },
      {
        sk: 'S#OBJSCOPE#channel',
        entity: 'objectionScope',
        data: objection('old-3'),
        extra: { at: objection('old-3').at },
      },
    ]);
    for (const a of [grace, heidi, ivan]) {
      expect((await admin('POST', '/v1/consents', { ...provableConsent(a), givenAt: weekAgo })).status).toBe(
        201,
      );
    }

    // Before the migration: the dual-key read finds the old objections, on every path, for
    // the address written as it was when keyed. (Another case, grace@, cannot be found from
    // a keyed hash until the migration has moved the partition: run it on deploy.)
    for (const a of [grace, heidi, ivan]) await expectRefusedEverywhere(a, 'objection');

    const deps = { doc, tableName: gw.tableName, hashKey };
    const dry = await migrateRecipientKeys(deps, { tenantId: TENANT, dryRun: true });
    expect(dry).toMatchObject({ partitionsMoved: 2, itemsMoved: 6 });
    expect(await partition(oldPk)).toHaveLength(3);
    const first = await migrateRecipientKeys(deps, { tenantId: TENANT });
    expect(first).toMatchObject({ partitionsMoved: 2, partitionsMerged: 2, itemsMoved: 6 });
    expect(await partition(oldPk)).toEqual([]);
    expect(await partition(heidiOld)).toEqual([]);
    // Ivan's is found only with his address.
    expect(await partition(ivanOld)).toHaveLength(2);
    const withAddress = await migrateRecipientKeys(deps, {
      tenantId: TENANT,
      addresses: [{ tenantId: TENANT, address: ivan }],
    });
    expect(withAddress).toMatchObject({ partitionsMoved: 1, itemsMoved: 2 });
    expect(await partition(ivanOld)).toEqual([]);

    // The state is intact under the new key: objections, consents, profile; scope items carry atMs.
    await expectRefusedEverywhere('grace@example.org', 'objection');
    for (const a of [grace, heidi, ivan]) {
      const items = await partition(`TENANT#${TENANT}#R#${recipientKey(hashKey, TENANT, 'email', a)}`);
      const entities = items.map((i) => i.entity);
      expect(entities, a).toContain('objection');
      expect(entities, a).toContain('consent');
      const scope = items.find((i) => i.entity === 'objectionScope');
      expect(scope?.atMs, a).toBe(Math.max(Date.parse('2026-06-01T20:00:00Z'), Date.parse(weekAgo)));
      await expectRefusedEverywhere(a, 'objection');
    }
    const key = await keyOf('GRACE@example.org');
    const state = (await admin('GET', `/v1/recipients/${key}`)).body;
    expect(state.objections.map((o: { id: string }) => o.id)).toEqual(['old-1']);

    // Idempotent: nothing left to move.
    const again = await migrateRecipientKeys(deps, {
      tenantId: TENANT,
      addresses: [{ tenantId: TENANT, address: ivan }],
    });
    expect(again).toMatchObject({
      partitionsMoved: 0,
      partitionsMerged: 0,
      itemsMoved: 0,
      scopeItemsRebuilt: 0,
    });
  });
});
