import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStoreRequestCounter, itemBytes } from '../../scripts/bench/store-request-counter';
import { DynamoDbIdempotencyStore } from '../../shared/adapters/dynamodb-idempotency-store';
import { createDynamoDbStores } from '../../shared/adapters/dynamodb-stores';
import { createDocumentClient } from '../../shared/adapters/dynamodb-table';
import { withTenantCache } from '../../shared/adapters/tenant-cache';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import type { Dependencies } from '../../shared/services/dependencies';
import { partitionItems, recipientKeyOf } from '../reliability/faults';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * One write per send: the record that justifies the message (its `decision.sent` audit
 * event, written before it goes) is the only item a send adds to the recipient's partition;
 * the export (R15) lists the message from it, and the provider's message id is linked
 * afterwards from SES's own event (its tags carry the gateway's message id).
 */
let gw: LocalGateway;
let real: Dependencies;

beforeAll(async () => {
  gw = await startLocalGateway();
  // This file counts the send path's own writes. The console's counters (CountEvents, a second
  // consumer of the table's stream, off the request path: docs/architecture.md) would add theirs
  // to whichever window they land in, so their poller is stopped here.
  await gw.counterStream.stop();
  real = runtimeDependencies();
});
afterEach(() => setDependencies(real));
afterAll(async () => {
  await gw?.stop();
});

/** The gateway's stores on a client whose DynamoDB requests are counted (the bench's middleware). */
function counted() {
  const counter = createStoreRequestCounter();
  const client = new DynamoDBClient({ endpoint: gw.dynamodbUrl });
  counter.attachTo(client);
  const doc = createDocumentClient(client);
  setDependencies({
    ...real,
    // Wrapped as shared/http/runtime.ts wraps it: API keys and tenants kept 5 s per instance.
    ...withTenantCache(createDynamoDbStores(doc, gw.tableName)),
    idempotency: new DynamoDbIdempotencyStore(doc, gw.tableName),
  });
  const total = (kind: 'read' | 'write', field: 'requests' | 'units') =>
    counter
      .snapshot()
      .filter((c) => c.kind === kind)
      .reduce((sum, c) => sum + c[field], 0);
  return { counter, total, commands: () => counter.snapshot().map((c) => c.command) };
}

const send = (body: unknown) => gw.call('POST', '/v1/messages', { key: gw.senderKey, body });
/** Every item of the recipient's partition (each prefix its items use: docs/architecture.md). */
const everything = async (key: string) =>
  (
    await Promise.all(['A#', 'C#', 'D#', 'E#', 'M#', 'P#', 'R#', 'S#'].map((p) => partitionItems(gw, key, p)))
  ).flat();
const exported = async (key: string) => {
  const r = await gw.call('GET', `/v1/recipients/${key}/export`, { key: gw.adminKey });
  expect(r.status).toBe(200);
  return r.body as { messages: Record<string, unknown>[] };
};

describe('writes per send', () => {
  it('a send adds one item, its decision, and the export lists the message from it', async () => {
    const address = 'one-write@example.org';
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
    const key = await recipientKeyOf(gw, address);
    const before = await everything(key);
    const r = await send(newsletter(address));
    expect(r.status).toBe(202);
    const after = await everything(key);
    const added = after.filter((i) => !before.some((b) => b.sk === i.sk));
    expect(added.map((i) => String(i.sk).slice(0, 4))).toEqual(['A#D#']);
    expect(added[0]?.data).toMatchObject({ type: 'decision.sent', data: { messageId: r.body.messageId } });
    // Delivered, once.
    const mails = (await gw.sentEmails()).filter((m) => m.destination.to[0] === address);
    expect(mails).toHaveLength(1);

    const doc = await exported(key);
    expect(doc.messages).toEqual([
      expect.objectContaining({
        messageId: r.body.messageId,
        channel: 'email',
        purpose: 'newsletter',
        category: 'marketing',
        basis: 'consent',
        from: 'news@shop.example',
        proof: r.body.proof,
        senderKeyId: expect.any(String),
        decidedAt: expect.any(String),
      }),
    ]);
  });

  it('the decision of a send stays one write unit with a deployed URL and a mailto domain (R10 record included)', async () => {
    const address = 'one-unit@example.org';
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
    const key = await recipientKeyOf(gw, address);
    // As deployed behind API Gateway's default URL, with an inbound domain for mailto: addresses.
    setDependencies({
      ...real,
      publicBaseUrl: 'https://a1b2c3d4e5.execute-api.eu-west-3.amazonaws.com',
      unsubscribeMailDomain: 'unsubscribe.newsletters.example-brand.com',
    });
    expect((await send(newsletter(address))).status).toBe(202);
    const client = new DynamoDBClient({ endpoint: gw.dynamodbUrl });
    const page = await client.send(
      new QueryCommand({
        TableName: gw.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': { S: `TENANT#demo#R#${key}` }, ':p': { S: 'A#D#' } },
      }),
    );
    client.destroy();
    const [decision] = page.Items ?? [];
    const unsubscribe = decision?.data?.M?.data?.M?.unsubscribe?.M;
    expect(unsubscribe?.listUnsubscribe?.S).toMatch(
      /^<https:\/\/a1b2c3d4e5\.execute-api[^>]+>, <mailto:u\+\{sha256:[0-9a-f]{16}\}@unsubscribe\.newsletters\.example-brand\.com>$/,
    );
    // One WRU is 1 KB (the item's size with these settings and the margin left: docs/architecture.md,
    // "Evidence: transactions and the audit chain").
    expect(itemBytes(decision as never)).toBeLessThanOrEqual(1024);
  });

  it("links the provider's message id from SES's own event, by the gateway's message id in its tags", async () => {
    const address = 'linked@example.org';
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
    const key = await recipientKeyOf(gw, address);
    const r = await send(newsletter(address));
    expect(r.status).toBe(202);
    const mail = (await gw.sentEmails()).find((m) => m.destination.to[0] === address)!;
    const at = new Date().toISOString();
    const complaint = await gw.call('POST', '/local/ses-feedback', {
      body: {
        eventType: 'Complaint',
        mail: {
          messageId: mail.messageId,
          timestamp: at,
          tags: { tenant: ['demo'], purpose: ['newsletter'], messageId: [r.body.messageId] },
        },
        complaint: {
          complainedRecipients: [{ emailAddress: address }],
          timestamp: at,
          feedbackId: `fb-linked-${Date.now()}`,
        },
      },
    });
    expect(complaint.status).toBe(202);
    const doc = await exported(key);
    expect(doc.messages).toEqual([
      expect.objectContaining({ messageId: r.body.messageId, providerMessageId: mail.messageId }),
    ]);
  });

  it('an idempotent send replays its first outcome across the new layout, sending once', async () => {
    const address = 'replayed@example.org';
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
    const key = await recipientKeyOf(gw, address);
    const body = newsletter(address, { idempotencyKey: `replay-${Date.now()}` });
    const first = await send(body);
    const second = await send(body);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect((await gw.sentEmails()).filter((m) => m.destination.to[0] === address)).toHaveLength(1);
    expect((await exported(key)).messages.map((m) => m.messageId)).toEqual([first.body.messageId]);
    expect(await partitionItems(gw, key, 'M#')).toEqual([]);
  });

  it('counts one write for a send, keyed or not, and two on the bulk queue, whose states are read by Query', async () => {
    const addresses = Array.from({ length: 10 }, (_, i) => `counted${i}@example.org`);
    for (const a of addresses)
      await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(a) });
    // Warm: API keys and tenants read once, kept 5 s per instance.
    await send(newsletter(addresses[0]!));
    const http = counted();
    await send(newsletter(addresses[0]!));
    http.counter.reset();
    expect((await send(newsletter(addresses[1]!))).status).toBe(202);
    expect(http.total('write', 'units')).toBe(1);
    expect(http.total('read', 'units')).toBe(2);
    // With an idempotency key: the decision is the claim, no item of its own.
    http.counter.reset();
    const keyed = await send(newsletter(addresses[2]!, { idempotencyKey: `counted-${Date.now()}` }));
    expect(keyed.status).toBe(202);
    expect(http.total('write', 'units')).toBe(1);
    expect(http.commands().filter((c) => c.startsWith('Put') || c.startsWith('Update'))).toEqual([
      'PutItemCommand',
    ]);

    const bulk = counted();
    const warm = await gw.call('POST', '/local/bulk-queue/messages', {
      key: gw.senderKey,
      body: [newsletter(addresses[0]!)],
    });
    expect(warm.status).toBe(202);
    await gw.call('GET', '/local/bulk-queue?wait');
    bulk.counter.reset();
    const r = await gw.call('POST', '/local/bulk-queue/messages', {
      key: gw.senderKey,
      body: addresses.map((a) => newsletter(a)),
    });
    const ids = r.body.messageIds as string[];
    const status = (await gw.call('GET', '/local/bulk-queue?wait')).body as {
      events: { type: string; detail: Record<string, unknown> }[];
    };
    expect(bulk.commands().filter((c) => c.startsWith('BatchGet'))).toEqual([]);
    // Per message: the state Query and the look-back through its decisions; the decision (its
    // claim) before the send, the outcome item after it.
    expect(bulk.total('read', 'units') / ids.length).toBeLessThanOrEqual(2);
    expect(bulk.total('write', 'units') / ids.length).toBe(2);
    // Each outcome published once, from its outcome item.
    for (const id of ids) {
      expect(
        status.events.filter((e) => e.detail.eventId === `sqs:${id}`).map((e) => e.detail.decision),
      ).toEqual(['sent']);
    }
    const doc = createDocumentClient(new DynamoDBClient({ endpoint: gw.dynamodbUrl }));
    const outcomeItem = await doc.send(
      new GetCommand({ TableName: gw.tableName, Key: { pk: `OUTCOME#${ids[0]}`, sk: 'OUTCOME' } }),
    );
    expect(outcomeItem.Item?.entity).toBe('messageOutcome');
    doc.destroy();
  });

  it('an SES endpoint send to one recipient claims the call, not also its single copy', async () => {
    const address = 'ses-one-copy@example.org';
    await gw.call('POST', '/v1/consents', { key: gw.adminKey, body: provableConsent(address) });
    const created = await gw.call('POST', '/v1/credentials', { key: gw.adminKey, body: { label: 'writes' } });
    expect(created.status).toBe(201);
    const ses = new SESv2Client({
      endpoint: gw.apiUrl,
      region: 'eu-west-3',
      credentials: { accessKeyId: created.body.accessKeyId, secretAccessKey: created.body.secretAccessKey },
      maxAttempts: 1,
    });
    const command = () =>
      new SendEmailCommand({
        FromEmailAddress: 'news@shop.example',
        Destination: { ToAddresses: [address] },
        EmailTags: [{ Name: 'purpose', Value: 'newsletter' }],
        Content: { Simple: { Subject: { Data: 'Autumn' }, Body: { Text: { Data: 'Ten novels.' } } } },
      });
    // Warm: the credential and the tenant read once, kept 5 s per instance.
    await ses.send(command());
    const counter = counted();
    counter.counter.reset();
    await ses.send(command());
    ses.destroy();
    // The signature's claim (answered by the invocation id's, never completed), the invocation
    // id's claim and its completion, the decision and the message record: 5 (6 when the
    // signature's claim was completed too). A claim per copy on top of the call's is only for
    // several copies.
    expect(counter.total('write', 'requests')).toBe(5);
  });
});
