import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStreamHandler } from '../../functions/publish-events';
import { deleteTable, tableStreamArn } from '../../infra/local/local-stack';
import type { StreamHandler } from '../../infra/local/stream-poller';
import { redriveEventBatches } from '../../scripts/redrive-events';
import { MemoryDeadLetterQueue } from '../../shared/adapters/memory-dead-letter-queue';
import { localEventBus, MemoryEventPublisher } from '../../shared/adapters/memory-event-publisher';
import { EventPublishError, type EventPublisher } from '../../shared/ports/event-publisher';
import { type LocalGateway, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * Events out from the table's stream: a burst of changes through the API,
 * the publisher stopped midway and started again, a partial PutEvents failure and a crash
 * after publishing: every change's event reaches the local bus at least once, in each
 * recipient's order, and exactly once after the consumer dedupes on `eventId`.
 */
let gw: LocalGateway;
const admin = (method: string, path: string, body?: unknown) =>
  gw.call(method, path, { key: gw.adminKey, body });

beforeAll(async () => {
  gw = await startLocalGateway();
});
afterAll(async () => {
  await gw?.stop();
});

const RECIPIENTS = 100;
type Published = { detailType: string; detail: { eventId: string; recipientKey?: string } };
const ours = (keys: Set<string>) =>
  (localEventBus.events as unknown as Published[]).filter((e) => keys.has(e.detail.recipientKey ?? ''));

/** Waits (polling, never a fixed sleep) until `check` holds, or fails after `ms`. */
async function until(check: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('events out from the table stream', () => {
  it('a burst of 200 changes, the publisher stopped midway, a partial PutEvents failure and a crash: each change published at least once, exactly once after dedupe on eventId', async () => {
    const keys = new Set<string>();
    const change = async (i: number) => {
      const address = `burst-${i}@example.org`;
      const consent = await admin('POST', '/v1/consents', provableConsent(address));
      expect(consent.status).toBe(201);
      keys.add(consent.body.recipientKey);
      const objection = await admin('POST', '/v1/objections', {
        channel: 'email',
        address,
        scope: { type: 'channel' },
      });
      expect(objection.status).toBe(201);
    };
    const burst = async (from: number, to: number) => {
      for (let i = from; i < to; i += 10)
        await Promise.all(Array.from({ length: Math.min(10, to - i) }, (_, k) => change(i + k)));
    };

    // First half with the publisher running; it is stopped once some events are out.
    const first = burst(0, RECIPIENTS / 2);
    await until(() => ours(keys).length >= 30);
    await gw.eventStream.stop();
    await first;
    const whileStopped = ours(keys).length;
    // Second half while nothing publishes: the changes are stored, their events wait in the stream.
    await burst(RECIPIENTS / 2, RECIPIENTS);
    expect(ours(keys).length).toBe(whileStopped);
    expect(whileStopped).toBeLessThan(2 * RECIPIENTS);

    // Started again with faults: the first PutEvents publishes 4 entries and refuses the rest
    // of its batch; the second handler call publishes its records and then the consumer
    // "crashes" before its checkpoint, so the stream hands them again (duplicates at the bus).
    let calls = 0;
    const faulty: EventPublisher = {
      async publish(events) {
        calls += 1;
        if (calls === 1 && events.length > 4) {
          await localEventBus.publish(events.slice(0, 4));
          throw new EventPublishError('refused', { failed: events.map((_, i) => i).slice(4) });
        }
        await localEventBus.publish(events);
      },
    };
    const real = createStreamHandler(() => faulty);
    let invocations = 0;
    const handler: StreamHandler = async (event: DynamoDBStreamEvent, context) => {
      invocations += 1;
      const response = await real(event, context);
      if (invocations === 2) throw new Error('killed after PutEvents, before the checkpoint');
      return response;
    };
    gw.eventStream.start(handler);
    await gw.eventStream.caughtUp();
    expect(invocations).toBeGreaterThan(2);
    // And a plain restart: it resumes after its checkpoint, publishing nothing twice more.
    await gw.eventStream.stop();
    const beforeRestart = ours(keys).length;
    gw.eventStream.start();
    await gw.eventStream.caughtUp();
    expect(ours(keys).length).toBe(beforeRestart);

    // The truth: every change's audit event, from the trail.
    const expected = new Map<string, string>();
    for (const key of keys) {
      const trail = await admin('GET', `/v1/recipients/${key}/audit`);
      for (const e of trail.body.events as { id: string; type: string }[])
        if (e.type === 'consent.given' || e.type === 'objection.recorded') expected.set(e.id, key);
    }
    expect(expected.size).toBe(2 * RECIPIENTS);

    const delivered = ours(keys);
    // At least once: nothing missing, and the crash made duplicates.
    const ids = delivered.map((e) => e.detail.eventId);
    expect(new Set(ids)).toEqual(new Set(expected.keys()));
    expect(ids.length).toBeGreaterThan(expected.size);
    // Exactly once after the consumer's dedupe on eventId.
    const deduped = [...new Map(delivered.map((e) => [e.detail.eventId, e])).values()];
    console.log(
      `event stream: ${expected.size} changes, ${ids.length} deliveries at the bus (${ids.length - expected.size} duplicates), ${deduped.length} after dedupe on eventId; ${whileStopped} published before the stop`,
    );
    expect(deduped).toHaveLength(2 * RECIPIENTS);
    // Each recipient's events in the order of their changes: the consent before the objection.
    for (const key of keys) {
      const types = deduped.filter((e) => e.detail.recipientKey === key).map((e) => e.detailType);
      expect(types, key).toEqual(['Consent Given', 'Objection Recorded']);
    }
  }, 180_000);

  it('publishes a change within a poll interval, with the audit event id as eventId', async () => {
    const before = localEventBus.events.length;
    const started = Date.now();
    const r = await admin('POST', '/v1/objections', {
      channel: 'email',
      address: 'prompt@example.org',
      scope: { type: 'channel' },
    });
    expect(r.status).toBe(201);
    await until(() => localEventBus.events.length > before, 5_000);
    const delay = Date.now() - started;
    console.log(`event stream: an objection at the bus ${delay} ms after its request began`);
    const event = localEventBus.events.at(-1) as unknown as Published;
    expect(event.detailType).toBe('Objection Recorded');
    const trail = await admin('GET', `/v1/recipients/${r.body.recipientKey}/audit`);
    expect((trail.body.events as { id: string }[]).map((e) => e.id)).toContain(event.detail.eventId);
    expect(delay).toBeLessThan(2_000);
  });

  it('redrive-events: a batch described in the on-failure queue is read again from the stream and published; the message is deleted', async () => {
    const objected = [];
    for (const address of ['dlq-1@example.org', 'dlq-2@example.org', 'dlq-3@example.org']) {
      const r = await admin('POST', '/v1/objections', {
        channel: 'email',
        address,
        scope: { type: 'channel' },
      });
      expect(r.status).toBe(201);
      objected.push(r.body.recipientKey as string);
    }
    await gw.eventStream.caughtUp();
    // Lambda's on-failure record for the range of those three audit items.
    const streams = new DynamoDBStreamsClient({ endpoint: gw.dynamodbUrl });
    const streamArn = await tableStreamArn(gw.dynamodbUrl, gw.tableName);
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    const shardId = StreamDescription!.Shards!.at(-1)!.ShardId!;
    let iterator = (
      await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    const sequences: string[] = [];
    for (let page = 0; iterator && page < 50; page++) {
      const got = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      if ((got.Records ?? []).length === 0) break;
      for (const record of got.Records ?? []) {
        const out = record.dynamodb?.NewImage?.out?.M?.detail?.M;
        if (record.eventName === 'INSERT' && objected.includes(out?.recipientKey?.S ?? ''))
          sequences.push(record.dynamodb!.SequenceNumber!);
      }
      iterator = got.NextShardIterator;
    }
    expect(sequences).toHaveLength(3);
    const queue = new MemoryDeadLetterQueue();
    queue.send(
      JSON.stringify({
        version: '1.0',
        requestContext: { condition: 'RetryAttemptsExhausted' },
        DDBStreamBatchInfo: {
          shardId,
          startSequenceNumber: sequences[0],
          endSequenceNumber: sequences[2],
          streamArn,
          batchSize: 3,
        },
      }),
    );
    queue.send('not json');
    const bus = new MemoryEventPublisher();
    const report = await redriveEventBatches({ queue, streams, handler: createStreamHandler(() => bus) });
    streams.destroy();
    expect(report).toMatchObject({ received: 2, redriven: 1, kept: 1 });
    expect(report.problems[0]?.error).toMatch(/unreadable/);
    // The three objections (and whatever else the range held), each once; the batch message deleted.
    const keysOut = bus.events
      .filter((e) => e.detailType === 'Objection Recorded')
      .map((e) => e.detail.recipientKey);
    expect(keysOut).toEqual(objected);
    expect(queue.bodies).toEqual(['not json']);
  });

  it('a table kept on disk with a stream of new images only gets a stream of both images (R9 tombstones need the old one)', async () => {
    const client = new DynamoDBClient({ endpoint: gw.dynamodbUrl });
    const TableName = `old-stream-${Date.now()}`;
    try {
      await client.send(
        new CreateTableCommand({
          TableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
        }),
      );
      const before = (await client.send(new DescribeTableCommand({ TableName }))).Table?.LatestStreamArn;
      const arn = await tableStreamArn(gw.dynamodbUrl, TableName);
      const { Table } = await client.send(new DescribeTableCommand({ TableName }));
      expect(Table?.StreamSpecification).toEqual({
        StreamEnabled: true,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      });
      expect(arn).toBe(Table?.LatestStreamArn);
      expect(arn).not.toBe(before);
      // Already right: left as it is.
      expect(await tableStreamArn(gw.dynamodbUrl, TableName)).toBe(arn);
    } finally {
      await deleteTable(gw.dynamodbUrl, TableName);
      client.destroy();
    }
  });
});
