import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableStreamArn } from '../../infra/local/local-stack';
import { createStoreRequestCounter } from '../../scripts/bench/store-request-counter';
import { generateLegacyCsv } from '../../scripts/gen-legacy-csv';
import { runImport } from '../../scripts/import';
import { DynamoDbGatewayStore } from '../../shared/adapters/dynamodb-store';
import { createDocumentClient } from '../../shared/adapters/dynamodb-table';
import { LEGACY_COLUMNS, type LegacyRow } from '../../shared/domain/legacy-import';
import { recipientKey } from '../../shared/domain/recipient-key';
import { requestHandler, runtimeDependencies } from '../../shared/http/runtime';
import { type GatewayStore, StoreUnavailableError } from '../../shared/ports/gateway-store';
import { verifyTenantAudit } from '../../shared/services/audit-verify';
import { type LocalGateway, provableConsent, startLocalGateway } from '../support/local-gateway';

/**
 * R16/R15 the import's grouped commits: recipients the batched read found empty are written
 * several per transaction. A re-run writes nothing, an import stopped between two
 * transactions and run again leaves every chain whole, and a recipient someone wrote
 * between the read and the commit keeps what they wrote.
 */
let gw: LocalGateway;
let dir: string;
/**
 * The gateway's store on a client that waits for DynamoDB Local: the handlers' 3 s request
 * timeout is for a decision waiting on DynamoDB, and DynamoDB Local writes a transaction's items
 * one after the other, transactions in turn. Four 50-item transactions in flight beside the rest
 * of the suite took longer than 3 s each, three times over (CI failed: TimeoutError from
 * commitFreshRecipients in all three tests). What is tested here is what the import writes.
 */
let patient: DynamoDbGatewayStore;
let patientClient: DynamoDBClient;
const patientClientOf = () =>
  new DynamoDBClient({
    endpoint: gw.dynamodbUrl,
    requestHandler: { ...requestHandler, requestTimeout: 30_000 },
    maxAttempts: 3,
  });

const day = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();
const proven: LegacyRow = {
  channel: 'email',
  purpose: 'newsletter',
  optin_at: day(100),
  method: 'web_form',
  source: 'https://shop.example/signup',
  wording_version: 'newsletter-v1',
  controllers: 'Demo Shop',
};

function csv(list: readonly LegacyRow[]): string {
  const cell = (v: string | undefined) => (v === undefined ? '' : /[",\n]/.test(v) ? `"${v}"` : v);
  return `${LEGACY_COLUMNS.join(',')}\n${list.map((r) => LEGACY_COLUMNS.map((c) => cell(r[c])).join(',')).join('\n')}\n`;
}

/** Every item of the demo tenant's recipients, as `pk|sk|hash` (a rewritten event changes nothing here, a new one adds a line). */
async function recipientItems(): Promise<string[]> {
  const client = new DynamoDBClient({ endpoint: gw.dynamodbUrl });
  const items: string[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: gw.tableName, ExclusiveStartKey: start }));
    for (const i of page.Items ?? []) {
      const pk = i.pk?.S ?? '';
      if (pk.startsWith('TENANT#demo#R#')) items.push(`${pk}|${i.sk?.S}|${i.hash?.S ?? ''}`);
    }
    start = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start);
  client.destroy();
  return items.sort();
}

/** How many records the table's stream holds (every shard, from its start). */
async function streamRecords(): Promise<number> {
  const streams = new DynamoDBStreamsClient({ endpoint: gw.dynamodbUrl });
  const streamArn = await tableStreamArn(gw.dynamodbUrl, gw.tableName);
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  let count = 0;
  for (const shard of StreamDescription?.Shards ?? []) {
    let iterator = (
      await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    for (let page = 0; iterator && page < 1000; page++) {
      const got = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      if ((got.Records ?? []).length === 0) break;
      count += got.Records?.length ?? 0;
      iterator = got.NextShardIterator;
    }
  }
  streams.destroy();
  return count;
}

async function run(file: string, out: string, store?: GatewayStore, batchSize?: number) {
  const deps = runtimeDependencies();
  return runImport({
    store: store ?? patient,
    tenants: deps.tenants,
    keys: await deps.keys.load(),
    tenantId: 'demo',
    file,
    outDir: join(dir, out),
    batchSize,
  });
}

beforeAll(async () => {
  gw = await startLocalGateway();
  patientClient = patientClientOf();
  patient = new DynamoDbGatewayStore(createDocumentClient(patientClient), gw.tableName);
  dir = mkdtempSync(join(tmpdir(), 'legacy-batching-'));
});
afterAll(async () => {
  patientClient?.destroy();
  await gw?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('R16 legacy import, grouped commits', () => {
  it('R16 a re-run of the same file writes nothing: no item, no event, no stream record, no write request', async () => {
    const file = join(dir, 'generated.csv');
    await generateLegacyCsv({ rows: 600, out: file, seed: 7 });
    const first = await run(file, 'gen-1');
    expect(first.migrated_consent).toBeGreaterThan(100);
    // The console's counters (CountEvents) write for the first run's records after it, on their
    // own poller of the stream: let them finish before the table and its stream are compared.
    await gw.counterStream.caughtUp();
    const items = await recipientItems();
    const records = await streamRecords();
    expect(records).toBeGreaterThan(0);

    // The same store, on a client whose requests are counted.
    const client = patientClientOf();
    const counter = createStoreRequestCounter();
    counter.attachTo(client);
    const counted = new DynamoDbGatewayStore(createDocumentClient(client), gw.tableName);
    const again = await run(file, 'gen-2', counted);
    client.destroy();
    await gw.counterStream.caughtUp();

    expect(again).toEqual(first);
    expect(await recipientItems()).toEqual(items);
    expect(await streamRecords()).toBe(records);
    const writes = counter.snapshot().filter((c) => c.kind === 'write');
    expect(writes).toEqual([]);
    const verdict = await verifyTenantAudit({ store: patient }, 'demo');
    expect(verdict.broken).toEqual([]);
    // 600 rows imported twice, and the counters' poller caught up on them: slower than the
    // default 30 s on a loaded machine (it took 12 s alone, more than 30 s beside other work).
  }, 120_000);

  it('R15 an import stopped between two transactions, run again, leaves every chain whole and adds no duplicate', async () => {
    const file = join(dir, 'interrupted.csv');
    const rows = Array.from({ length: 120 }, (_, i) =>
      i % 10 === 3
        ? { ...proven, address: `cut-${i}@example.org`, opted_out: 'yes' }
        : { ...proven, address: `cut-${i}@example.org` },
    );
    writeFileSync(file, csv(rows));
    const deps = runtimeDependencies();
    const markers = async () => (await recipientItems()).filter((i) => i.includes('|E#import-')).length;
    const before = await markers();
    // The process dies after half of a batch's transactions: those committed stay, the others never run.
    const dying: GatewayStore = Object.create(patient, {
      commitFreshRecipients: {
        value: async (...[tenantId, commits]: Parameters<GatewayStore['commitFreshRecipients']>) => {
          await patient.commitFreshRecipients(tenantId, commits.slice(0, Math.floor(commits.length / 2)));
          throw new StoreUnavailableError('injected: the process stopped');
        },
      },
    });
    await expect(run(file, 'cut-1', dying, 120)).rejects.toThrow(StoreUnavailableError);
    expect((await markers()) - before).toBe(60);

    const resumed = await run(file, 'cut-2', undefined, 120);
    expect(resumed.migrated_consent).toBe(108);
    expect(resumed.opted_out).toBe(12);
    const after = await recipientItems();
    // One event and one marker per row, never two.
    expect((await markers()) - before).toBe(120);
    const keys = await deps.keys.load();
    for (const i of [0, 3, 119]) {
      const pk = `TENANT#demo#R#${recipientKey(keys.hashKey, 'demo', 'email', `cut-${i}@example.org`)}`;
      expect(after.filter((item) => item.startsWith(`${pk}|A#C#`))).toHaveLength(1);
    }
    const verdict = await verifyTenantAudit({ store: patient }, 'demo');
    expect(verdict.broken).toEqual([]);
    await run(file, 'cut-3', undefined, 120);
    expect(await recipientItems()).toEqual(after);
  }, 120_000);

  it('R16/R3 a consent recorded between the read and the commit is not overwritten, and its neighbours are committed', async () => {
    const file = join(dir, 'raced.csv');
    const rows = Array.from({ length: 30 }, (_, i) => ({ ...proven, address: `race-${i}@example.org` }));
    writeFileSync(file, csv(rows));
    const deps = runtimeDependencies();
    const keys = await deps.keys.load();
    const raced = recipientKey(keys.hashKey, 'demo', 'email', 'race-5@example.org');
    let once = true;
    // Someone records a consent for race-5 through the API once the import has read its state.
    const racing: GatewayStore = Object.create(patient, {
      getRecipientStates: {
        value: async (...args: Parameters<GatewayStore['getRecipientStates']>) => {
          const states = await patient.getRecipientStates(...args);
          if (once && states.has(raced)) {
            once = false;
            const r = await gw.call('POST', '/v1/consents', {
              key: gw.adminKey,
              body: { ...provableConsent('race-5@example.org'), wordingVersion: 'newsletter-v2' },
            });
            expect(r.status).toBe(201);
          }
          return states;
        },
      },
    });
    const counts = await run(file, 'race-1', racing);
    expect(once).toBe(false);
    expect(counts.migrated_consent).toBe(30);

    const state = await patient.getRecipientState('demo', raced);
    // The consent given through the API stands; the import's row is recorded as a profile update.
    expect(state.consents.newsletter?.grant?.wordingVersion).toBe('newsletter-v2');
    expect(state.consents.newsletter?.grant?.id).not.toMatch(/^import-/);
    const audit = await patient.listAudit('demo', raced);
    expect(audit.map((e) => `${e.type} ${e.id.startsWith('import-') ? 'import' : 'api'}`).sort()).toEqual([
      'consent.given api',
      'profile.updated import',
    ]);
    // Its neighbours in the same transaction were committed with their imported consent.
    const neighbour = recipientKey(keys.hashKey, 'demo', 'email', 'race-6@example.org');
    expect((await patient.getRecipientState('demo', neighbour)).consents.newsletter?.grant?.id).toMatch(
      /^import-/,
    );
    const verdict = await verifyTenantAudit({ store: patient }, 'demo');
    expect(verdict.broken).toEqual([]);
  }, 120_000);
});
