import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb-table';
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
