import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStoreRequestCounter } from '../../scripts/bench/store-request-counter';
import { createDynamoDbStores } from '../../shared/adapters/dynamodb-stores';
import { createDocumentClient } from '../../shared/adapters/dynamodb-table';
import { withTenantCache } from '../../shared/adapters/tenant-cache';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import type { RecipientItemWrite } from '../../shared/ports/gateway-store';
import type { Dependencies } from '../../shared/services/dependencies';
import { type LocalGateway, newsletter, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * A recipient's partition that grows (clicks, rejected sends, audit
 * events) must not grow the cost of the request path, nor escape export and erasure.
 * Through HTTP against the local stack; store requests counted by the bench's SDK
 * middleware (no timing in tests).
 */
let gw: LocalGateway;
let real: Dependencies;

beforeAll(async () => {
  gw = await startLocalGateway();
  // This file counts the request path's store requests through the handlers' dependencies. The
  // console's counters (CountEvents, a second consumer of the table's stream, off the request
  // path) read the same dependencies, so their requests would land in whichever window was
  // open: their poller is stopped here.
  await gw.counterStream.stop();
  real = runtimeDependencies();
});
afterEach(() => setDependencies(real));
afterAll(async () => {
  await gw?.stop();
});

const admin = (method: string, path: string, body?: unknown) =>
  gw.call(method, path, { key: gw.adminKey, body });

const form = (fields: [string, string][]) => ({
  body: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

async function partition(key: string) {
  const doc = createDocumentClient(new DynamoDBClient({ endpoint: gw.dynamodbUrl }));
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: gw.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `TENANT#demo#R#${key}` },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** The scheduled ReplanRetention function, run now by the local stack (the real handler). */
async function replanRetention(): Promise<{ replanned: number; items: number; failed: number }> {
  // A run that fails (here: the local engine slower than the SDK's 3 s timeout on a loaded machine)
  // leaves the request for the next run, as the schedule would run it again.
  for (let attempt = 1; ; attempt++) {
    const r = await fetch(`${gw.apiUrl}/local/run-retention-replan`, { method: 'POST' });
    const run =
      r.status === 200
        ? ((await r.json()) as { replanned: number; items: number; failed: number })
        : undefined;
    if ((run && run.failed === 0) || attempt === 4) {
      expect(r.status).toBe(200);
      return run!;
    }
  }
}

/** Runs `count` tasks, `width` at a time. */
async function inBatches(count: number, width: number, task: (i: number) => Promise<unknown>) {
  for (let i = 0; i < count; i += width) {
    await Promise.all(Array.from({ length: Math.min(width, count - i) }, (_, j) => task(i + j)));
  }
}

/** The handlers' store, with every DynamoDB request counted. */
function countedStore() {
  const client = new DynamoDBClient({ endpoint: gw.dynamodbUrl });
  const counter = createStoreRequestCounter();
  counter.attachTo(client);
  setDependencies({
    ...real,
    ...withTenantCache(createDynamoDbStores(createDocumentClient(client), gw.tableName)),
  });
  const requests = () => counter.snapshot().reduce((n, c) => n + c.requests, 0);
  return { counter, requests };
}

/** Hundreds of HTTP calls each: a bound on a hung run, not a timing assertion. */
const LONG = { timeout: 480_000 };

describe('partitions that grow', () => {
  it(
    'R7: 800 "stop all" clicks keep one objection item (first and latest kept), audit every click, and a later send is still refused',
    LONG,
    async () => {
      const address = 'stop-800@example.org';
      await admin('POST', '/v1/consents', provableConsent(address));
      const link = await admin('POST', '/v1/links', { channel: 'email', address, kind: 'preferences' });
      const path = new URL(link.body.url).pathname;
      const key = link.body.recipientKey as string;
      const firstClick = await gw.call('POST', path, form([['action', 'stop_all']]));
      expect(firstClick.status).toBe(200);
      await inBatches(799, 8, async () => {
        expect((await gw.call('POST', path, form([['action', 'stop_all']]))).status).toBe(200);
      });

      const items = await partition(key);
      const objections = items.filter((i) => i.entity === 'objection');
      expect(objections).toHaveLength(1);
      const audited = items.filter(
        (i) => i.entity === 'audit' && (i.data as { type: string }).type === 'objection.recorded',
      );
      expect(audited).toHaveLength(800);
      // R7 proof: the first objection's time and method, and the latest, and how many.
      const times = audited.map((i) => (i.data as { at: string }).at).sort();
      const item = objections[0]!;
      expect(item.data).toMatchObject({
        at: times[0],
        method: 'preference_center',
        scope: { type: 'channel' },
      });
      expect((item.latest as { at: string }).at).toBe(times.at(-1));
      expect(item.count).toBe(800);

      const sent = await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(address) });
      expect(sent.body.decision).toBe('rejected');
      expect(sent.body.reasons).toContain('objection');
      // The export shows the first and the latest objection of the scope.
      const exported = await admin('GET', `/v1/recipients/${key}/export`);
      expect(exported.body.objections.map((o: { at: string }) => o.at)).toEqual([times[0], times.at(-1)]);
    },
  );

  it('R7: an objection older than the kept ones (a queued one applied late) becomes the first; a repeated id is a duplicate', async () => {
    const key = 'G'.repeat(43);
    const objection = (id: string, at: string) => ({
      id,
      scope: { type: 'purpose' as const, purpose: 'newsletter' },
      at,
      method: 'one_click' as const,
      recordedAt: at,
    });
    const put = (id: string, day: number) =>
      real.store.putObjection('demo', key, objection(id, `2026-03-0${day}T00:00:00.000Z`));
    expect(await put('b', 2)).toBe('recorded');
    expect(await put('c', 3)).toBe('recorded');
    expect(await put('a', 1)).toBe('recorded');
    expect(await put('c', 3)).toBe('duplicate');
    expect(await put('a', 1)).toBe('duplicate');
    const items = (await partition(key)).filter((i) => i.entity === 'objection');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ data: { id: 'a' }, latest: { id: 'c' }, count: 3 });
    const state = await real.store.getRecipientState('demo', key);
    expect(state.objections.map((o) => o.id)).toEqual(['a', 'c']);
  });
  it(
    'R9: recording a consent costs the same store requests after 1,500 rejected sends as for a fresh recipient; the re-plan runs off the request path',
    LONG,
    async () => {
      const crowded = 'crowded@example.org';
      await admin('PUT', '/v1/recipients', { channel: 'email', address: crowded, audience: 'consumer' });
      await inBatches(1_500, 16, async () => {
        const r = await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(crowded) });
        expect(r.body.decision).toBe('rejected');
      });

      const { counter, requests } = countedStore();
      // Warm the instance's tenant and key cache, as a warm function has it.
      expect((await admin('POST', '/v1/consents', provableConsent('warm@example.org'))).status).toBe(201);
      counter.reset();
      expect((await admin('POST', '/v1/consents', provableConsent('fresh@example.org'))).status).toBe(201);
      const fresh = requests();
      counter.reset();
      const consent = await admin('POST', '/v1/consents', provableConsent(crowded));
      expect(consent.status).toBe(201);
      const crowdedRequests = requests();
      expect(crowdedRequests).toBeLessThanOrEqual(fresh + 2);
      expect(crowdedRequests).toBeLessThanOrEqual(15);
      // The decision sees the consent at once.
      const sent = await gw.call('POST', '/v1/messages', { key: gw.senderKey, body: newsletter(crowded) });
      expect(sent.status).toBe(202);

      // The re-plan of the rest of the partition is due; the scheduled run moves every TTL.
      const key = consent.body.recipientKey as string;
      const end = Math.floor((Date.parse(provableConsent(crowded).givenAt) + 3 * 365 * 86_400_000) / 1000);
      setDependencies(real);
      const run = await replanRetention();
      expect(run.replanned).toBeGreaterThanOrEqual(1);
      const after = await partition(key);
      const rejected = after.filter(
        (i) => i.entity === 'audit' && (i.data as { type: string }).type === 'decision.rejected',
      );
      expect(rejected).toHaveLength(1_500);
      expect(rejected.every((i) => Math.abs(Number(i.ttl) - end) <= 1)).toBe(true);
      expect(after.filter((i) => typeof i.ttl !== 'number').map((i) => i.sk)).toEqual([]);
      // Done: nothing left to re-plan.
      expect((await replanRetention()).replanned).toBe(0);
    },
  );

  it(
    'R15: export returns and erasure deletes every item of a partition larger than 1 MB (paged queries)',
    LONG,
    async () => {
      const address = 'big@example.org';
      const put = await admin('PUT', '/v1/recipients', { channel: 'email', address, audience: 'consumer' });
      const key = put.body.recipientKey as string;
      const pad = 'x'.repeat(1_000);
      const items: RecipientItemWrite[] = Array.from({ length: 2_500 }, (_, i) => ({
        kind: 'audit',
        recipientKey: key,
        event: {
          id: `pad-${String(i).padStart(5, '0')}`,
          at: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
          type: 'decision.rejected',
          actor: { type: 'system', id: 'test' },
          why: 'padding',
          data: { pad },
        },
      }));
      await real.store.putRecipientItems('demo', items);
      expect((await partition(key)).length).toBeGreaterThan(2_500);

      const exported = await admin('GET', `/v1/recipients/${key}/export`);
      expect(exported.status).toBe(200);
      const padded = exported.body.auditTrail.filter((e: { why: string }) => e.why === 'padding');
      expect(padded).toHaveLength(2_500);

      const erased = await admin('DELETE', `/v1/recipients/${key}`);
      expect(erased.status).toBe(200);
      const left = await partition(key);
      expect(left.filter((i) => (i.data as { why?: string } | undefined)?.why === 'padding')).toEqual([]);
      expect(
        left.every((i) => ['objection', 'objectionScope', 'suppression', 'audit'].includes(String(i.entity))),
      ).toBe(true);
    },
  );
});
