import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStreamHandler } from '../../functions/publish-events';
import { lambdaContext } from '../../infra/local/lambda-context';
import { DynamoDbGatewayStore } from '../../shared/adapters/dynamodb-store';
import { createDocumentClient } from '../../shared/adapters/dynamodb-table';
import { MemoryEventPublisher } from '../../shared/adapters/memory-event-publisher';
import { partitionItems } from '../reliability/faults';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * R15: a recipient's audit trail is a hash chain (changes, decisions), checked by
 * GET /v1/recipients/{key}/audit/verify. The items are tampered with directly in DynamoDB
 * Local, as anyone with table access could: an edit, a deletion, a move, a cut tail, an
 * emptied proof; each is named with its kind and sequence number.
 */
let gw: LocalGateway;
let doc: DynamoDBDocumentClient;

beforeAll(async () => {
  gw = await startLocalGateway();
  doc = createDocumentClient(new DynamoDBClient({ endpoint: gw.dynamodbUrl }));
});
afterAll(async () => {
  doc?.destroy();
  await gw?.stop();
});

const admin = (method: string, path: string, body?: unknown) =>
  gw.call(method, path, { key: gw.adminKey, body });
const verify = (key: string) => admin('GET', `/v1/recipients/${key}/audit/verify`);

/** A recipient with three changes (profile, consent, objection to another purpose) and one send. */
async function recipientWithHistory(address: string) {
  const put = await admin('PUT', '/v1/recipients', { channel: 'email', address, audience: 'consumer' });
  const key = put.body.recipientKey as string;
  expect((await admin('POST', '/v1/consents', provableConsent(address))).status).toBe(201);
  expect(
    (await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(address) })).status,
  ).toBe(202);
  expect(
    (
      await admin('POST', '/v1/objections', {
        channel: 'email',
        address,
        scope: { type: 'purpose', purpose: 'pro-software' },
      })
    ).status,
  ).toBe(201);
  return key;
}

const chainItems = async (key: string, chain: 'C' | 'D') => partitionItems(gw, key, `A#${chain}#`);
const pk = (key: string) => `TENANT#demo#R#${key}`;

describe('R15: the audit chain, verified', () => {
  it('a clean trail with consents, a send, an objection, a suppression and an erasure verifies', async () => {
    const key = await recipientWithHistory('clean@example.org');
    expect(
      (
        await admin('POST', '/v1/suppressions', {
          channel: 'email',
          address: 'clean@example.org',
          reason: 'complaint',
        })
      ).status,
    ).toBe(201);
    const before = await verify(key);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({
      ok: true,
      unchained: 0,
      changes: { ok: true, events: 4, tombstones: 0 },
      decisions: { ok: true, events: 1, tombstones: 0 },
    });
    expect(before.body.break).toBeUndefined();
    // The decision's record, with its basis and proof, is in the chain.
    const [sent] = await chainItems(key, 'D');
    expect(sent?.data).toMatchObject({ type: 'decision.sent', data: { basis: 'consent' } });

    expect((await admin('DELETE', `/v1/recipients/${key}`, { source: 'ticket 7' })).status).toBe(200);
    const after = await verify(key);
    expect(after.body).toMatchObject({ ok: true, changes: { ok: true }, decisions: { ok: true } });
    // R11: the profile, consent and send events are tombstones now; the objections, the
    // suppression and the erasure stay whole.
    expect(after.body.changes.tombstones + after.body.decisions.tombstones).toBe(3);
    const items = [...(await chainItems(key, 'C')), ...(await chainItems(key, 'D'))];
    expect(JSON.stringify(items)).not.toContain('clean@example.org');
    expect(
      items
        .filter((i) => i.data === undefined)
        .map((i) => (i.tombstone as { type: string }).type)
        .sort(),
    ).toEqual(['consent.given', 'decision.sent', 'profile.updated']);
    // Nor the event CRMs received for an erased change (its detail: purposes, an SMS reply's text).
    expect(items.filter((i) => i.data === undefined && i.out !== undefined).map((i) => i.sk)).toEqual([]);
  });

  it('an edited event: altered, at its seq', async () => {
    const key = await recipientWithHistory('edited@example.org');
    await doc.send(
      new UpdateCommand({
        TableName: gw.tableName,
        Key: { pk: pk(key), sk: 'A#C#000000000002' },
        UpdateExpression: 'SET #data.#why = :why',
        ExpressionAttributeNames: { '#data': 'data', '#why': 'why' },
        ExpressionAttributeValues: { ':why': 'R1: consent given at the shop counter' },
      }),
    );
    expect((await verify(key)).body).toMatchObject({
      ok: false,
      break: { chain: 'changes', kind: 'altered', seq: 2 },
    });
  });

  it('an event deleted in the middle: missing, at its seq', async () => {
    const key = await recipientWithHistory('deleted@example.org');
    await doc.send(
      new DeleteCommand({ TableName: gw.tableName, Key: { pk: pk(key), sk: 'A#C#000000000002' } }),
    );
    expect((await verify(key)).body).toMatchObject({
      ok: false,
      break: { chain: 'changes', kind: 'missing', seq: 2 },
    });
  });

  it('two events swapped: out_of_order, at the first place moved', async () => {
    const key = await recipientWithHistory('swapped@example.org');
    const [first, second] = await chainItems(key, 'C');
    await doc.send(new PutCommand({ TableName: gw.tableName, Item: { ...first, sk: second?.sk } }));
    await doc.send(new PutCommand({ TableName: gw.tableName, Item: { ...second, sk: first?.sk } }));
    expect((await verify(key)).body).toMatchObject({
      ok: false,
      break: { chain: 'changes', kind: 'out_of_order', seq: 1 },
    });
  });

  it('the last change deleted (its state item stays): truncated, at the seq the state names', async () => {
    const key = await recipientWithHistory('cut@example.org');
    await doc.send(
      new DeleteCommand({ TableName: gw.tableName, Key: { pk: pk(key), sk: 'A#C#000000000003' } }),
    );
    expect((await verify(key)).body).toMatchObject({
      ok: false,
      break: { chain: 'changes', kind: 'truncated', seq: 3 },
    });
  });

  it("an objection's proof emptied into a tombstone: emptied (R11: it must stay whole)", async () => {
    const key = await recipientWithHistory('emptied@example.org');
    const objection = (await chainItems(key, 'C'))[2] as Record<string, unknown>;
    const { data, ...link } = objection as { data: { type: string; at: string } } & Record<string, unknown>;
    expect(data.type).toBe('objection.recorded');
    await doc.send(
      new PutCommand({
        TableName: gw.tableName,
        Item: { ...link, tombstone: { type: data.type, at: data.at } },
      }),
    );
    expect((await verify(key)).body).toMatchObject({
      ok: false,
      break: { chain: 'changes', kind: 'emptied', seq: 3 },
    });
  });

  it('a decision edited (its basis): altered in the decisions chain', async () => {
    const key = await recipientWithHistory('basis@example.org');
    await doc.send(
      new UpdateCommand({
        TableName: gw.tableName,
        Key: { pk: pk(key), sk: 'A#D#000000000001' },
        UpdateExpression: 'SET #data.#d.#basis = :b',
        ExpressionAttributeNames: { '#data': 'data', '#d': 'data', '#basis': 'basis' },
        ExpressionAttributeValues: { ':b': 'legitimate_interest' },
      }),
    );
    expect((await verify(key)).body).toMatchObject({
      ok: false,
      break: { chain: 'decisions', kind: 'altered', seq: 1 },
    });
  });

  it('events written before the chain are counted apart, never taken as verified', async () => {
    const key = await recipientWithHistory('legacy@example.org');
    await doc.send(
      new PutCommand({
        TableName: gw.tableName,
        Item: {
          pk: pk(key),
          sk: 'A#2025-01-01T00:00:00.000Z#old-1',
          entity: 'audit',
          v: 1,
          data: {
            id: 'old-1',
            at: '2025-01-01T00:00:00.000Z',
            type: 'consent.given',
            actor: { type: 'system' },
            why: 'before',
            data: {},
          },
        },
      }),
    );
    expect((await verify(key)).body).toMatchObject({ ok: true, unchained: 1 });
    // The audit route still lists it, first (oldest).
    expect((await admin('GET', `/v1/recipients/${key}/audit`)).body.events[0]).toMatchObject({ id: 'old-1' });
  });

  it('answers 404 for a key with no trail', async () => {
    expect((await verify('Z'.repeat(43))).status).toBe(404);
  });
});

/**
 * R9 expiry: DynamoDB's TTL deletes an expired event on its own, and its stream record is a
 * REMOVE by the service (userIdentity dynamodb.amazonaws.com). DynamoDB Local runs no TTL, so
 * the item is deleted here with the raw client, as TTL would, and the handler of the table's
 * stream (functions/publish-events.ts) is handed the record AWS documents for it.
 */
describe('R9: an event removed by expiry leaves a tombstone, a deletion by anyone else does not', () => {
  const SERVICE = { type: 'Service', principalId: 'dynamodb.amazonaws.com' };

  /** Ages the item past its TTL, deletes it, and gives the REMOVE record of the deletion. */
  async function expire(key: string, sk: string, userIdentity: typeof SERVICE | undefined) {
    const expiredAt = Math.floor(Date.now() / 1000) - 3_600;
    await doc.send(
      new UpdateCommand({
        TableName: gw.tableName,
        Key: { pk: pk(key), sk },
        UpdateExpression: 'SET #ttl = :ttl',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':ttl': expiredAt },
      }),
    );
    const { Attributes } = await doc.send(
      new DeleteCommand({ TableName: gw.tableName, Key: { pk: pk(key), sk }, ReturnValues: 'ALL_OLD' }),
    );
    expect(Attributes?.sk).toBe(sk);
    return {
      eventID: `expiry-${sk}`,
      eventName: 'REMOVE',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'eu-west-3',
      ...(userIdentity ? { userIdentity } : {}),
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
        Keys: marshall({ pk: pk(key), sk }),
        OldImage: marshall(Attributes as Record<string, unknown>, { removeUndefinedValues: true }),
        SequenceNumber: String(Date.now()),
        SizeBytes: 100,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    } as unknown as DynamoDBRecord;
  }
  const everything = async (key: string) =>
    (
      await doc.send(
        new QueryCommand({
          TableName: gw.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk(key) },
          ConsistentRead: true,
        }),
      )
    ).Items ?? [];
  const handle = (records: DynamoDBRecord[]) =>
    createStreamHandler(() => new MemoryEventPublisher())(
      { Records: records },
      lambdaContext('PublishEvents'),
    );

  it('a consent event and an objection proof expired by TTL: tombstones at their keys, the chains verify', async () => {
    const key = await recipientWithHistory('expired@example.org');
    const consent = await expire(key, 'A#C#000000000002', SERVICE);
    const objection = await expire(key, 'A#C#000000000003', SERVICE);
    const decision = await expire(key, 'A#D#000000000001', SERVICE);
    expect((await handle([consent, objection, decision])).batchItemFailures).toEqual([]);
    // Redelivered (at least once): the tombstones are written once, nothing fails.
    expect((await handle([consent])).batchItemFailures).toEqual([]);

    const verdict = await verify(key);
    expect(verdict.status).toBe(200);
    expect(verdict.body).toMatchObject({
      ok: true,
      changes: { ok: true, events: 1, tombstones: 2 },
      decisions: { ok: true, events: 0, tombstones: 1 },
    });
    const [, tombstone] = await chainItems(key, 'C');
    // The link and the type and time of the event, no content, no event out, a TTL of its own.
    expect(tombstone).toMatchObject({
      sk: 'A#C#000000000002',
      seq: 2,
      tombstone: { type: 'consent.given', expired: expect.any(String) },
    });
    expect(tombstone?.data).toBeUndefined();
    expect(tombstone?.out).toBeUndefined();
    expect(tombstone?.ttl).toBeGreaterThan(Math.floor(Date.now() / 1000));
    // Nothing of the events' content is written back (their `why`, their data).
    const tombstones = [...(await chainItems(key, 'C')), ...(await chainItems(key, 'D'))].filter(
      (i) => i.tombstone !== undefined,
    );
    expect(tombstones.map((i) => i.sk)).toEqual(['A#C#000000000002', 'A#C#000000000003', 'A#D#000000000001']);
    expect(JSON.stringify(tombstones)).not.toMatch(/"why"|"data"|"out"|expired@/);
  });

  it("a tombstone's own TTL while the partition lives: written again; once nothing else lives: not, the partition goes", async () => {
    const key = await recipientWithHistory('rearmed@example.org');
    expect((await handle([await expire(key, 'A#C#000000000002', SERVICE)])).batchItemFailures).toEqual([]);
    const [, first] = await chainItems(key, 'C');
    // Its TTL comes while the profile, the objection and the state still live: it comes back.
    expect((await handle([await expire(key, 'A#C#000000000002', SERVICE)])).batchItemFailures).toEqual([]);
    const [, again] = await chainItems(key, 'C');
    expect(again).toMatchObject({ sk: 'A#C#000000000002', tombstone: first?.tombstone });
    expect(again?.ttl).toBeGreaterThan(Math.floor(Date.now() / 1000));
    expect((await verify(key)).body).toMatchObject({ ok: true, changes: { ok: true, tombstones: 1 } });
    // The retention re-plan leaves its TTL alone: it follows the partition, not the person's retention.
    const planned = await new DynamoDbGatewayStore(doc, gw.tableName).retentionItems('demo', key);
    expect(planned.map((i) => i.sk)).not.toContain('A#C#000000000002');
    expect(planned.map((i) => i.sk)).toContain('A#C#000000000001');

    // Everything else of the recipient expired: the tombstone's TTL lets it go with them.
    for (const item of await everything(key))
      if (item.sk !== 'A#C#000000000002')
        await doc.send(new DeleteCommand({ TableName: gw.tableName, Key: { pk: item.pk, sk: item.sk } }));
    expect((await handle([await expire(key, 'A#C#000000000002', SERVICE)])).batchItemFailures).toEqual([]);
    expect(await everything(key)).toEqual([]);
  });

  it('the same REMOVE without the service identity (an attacker, the erasure code): no tombstone, missing', async () => {
    const key = await recipientWithHistory('removed@example.org');
    const removal = await expire(key, 'A#C#000000000002', undefined);
    expect((await handle([removal])).batchItemFailures).toEqual([]);
    expect((await chainItems(key, 'C')).map((i) => i.sk)).not.toContain('A#C#000000000002');
    expect((await verify(key)).body).toMatchObject({
      ok: false,
      break: { chain: 'changes', kind: 'missing', seq: 2 },
    });
  });
});
