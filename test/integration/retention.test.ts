import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb-table';
import { addDays, ttlOf } from '../../shared/domain/retention';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';

/** R9/R11 through HTTP: the items DynamoDB's TTL will delete, and when. */
let gw: LocalGateway;
beforeAll(async () => {
  gw = await startLocalGateway();
});
afterAll(async () => {
  await gw?.stop();
});

async function items(key: string) {
  const doc = createDocumentClient(new DynamoDBClient({ endpoint: gw.dynamodbUrl }));
  const { Items = [] } = await doc.send(
    new QueryCommand({
      TableName: gw.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `TENANT#demo#R#${key}` },
      ConsistentRead: true,
    }),
  );
  return Items;
}
const ttlOfItem = (all: Record<string, unknown>[], prefix: string) =>
  all.filter((i) => String(i.sk).startsWith(prefix)).map((i) => i.ttl);

it('R9 sets TTLs from the last activity, extends them with a consent, and keeps objections on their own clock (R11)', async () => {
  const lastActivityAt = '2026-01-10T10:00:00.000Z';
  const put = await gw.call('PUT', '/v1/recipients', {
    key: gw.adminKey,
    body: { channel: 'email', address: 'kept@example.org', audience: 'consumer', lastActivityAt },
  });
  const key = put.body.recipientKey as string;
  const firstEnd = ttlOf(addDays(lastActivityAt, 3 * 365));
  expect(ttlOfItem(await items(key), 'S#PROFILE')).toEqual([firstEnd]);

  // A consent is an activity that counts: everything personal moves to its date + 3 years.
  const consent = provableConsent('kept@example.org');
  await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: consent });
  const extended = ttlOf(addDays(consent.givenAt, 3 * 365));
  let all = await items(key);
  expect(ttlOfItem(all, 'S#PROFILE')).toEqual([extended]);
  expect(ttlOfItem(all, 'S#CONSENT#')).toEqual([extended]);

  // A message sent is recorded (its decision, the one item a send writes) with the same expiry.
  expect(
    (await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter('kept@example.org') }))
      .status,
  ).toBe(202);
  all = await items(key);
  expect(ttlOfItem(all, 'A#D#')).toEqual([extended]);

  // An objection and its scope item expire 3 years (suppressionRetentionDays) after they were recorded.
  await gw.call('POST', '/v1/objections', {
    key: gw.adminKey,
    body: {
      channel: 'email',
      address: 'kept@example.org',
      scope: { type: 'channel' },
      at: '2026-11-01T00:00:00.000Z',
    },
  });
  all = await items(key);
  const objectionEnd = ttlOf(addDays('2026-11-01T00:00:00.000Z', 3 * 365));
  expect(ttlOfItem(all, 'S#OBJECTION#')).toEqual([objectionEnd]);
  expect(ttlOfItem(all, 'S#OBJSCOPE#')).toEqual([objectionEnd]);
  // Every item of the partition carries a TTL: nothing is kept forever.
  expect(all.filter((i) => typeof i.ttl !== 'number').map((i) => i.sk)).toEqual([]);
});
