import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startLocalStack } from '../../infra/local/local-stack';
import { seedDemo } from '../../infra/local/seed';
import { createDynamoDbStores } from '../../shared/adapters/dynamodb-stores';
import { createDocumentClient } from '../../shared/adapters/dynamodb-table';
import { withTenantCache } from '../../shared/adapters/tenant-cache';
import { recipientKey } from '../../shared/domain/recipient-key';
import { runtimeDependencies, setDependencies } from '../../shared/http/runtime';
import type { RecipientItemWrite } from '../../shared/ports/gateway-store';
import { replanDueRetention } from '../../shared/services/retention';
import { createStoreRequestCounter } from './store-request-counter';

/**
 * Recording a consent (`POST /v1/consents`) for a recipient whose
 * partition holds `auditEvents` audit events (rejected decisions, as a CRM that keeps
 * sending makes them) against a recipient seen for the first time, side by side in one
 * run: `rounds` rounds, each recording one consent for each (order alternating), with
 * `givenAt` moving forward every round so that retention is extended each time (the case
 * that re-planned the whole partition inside the request). Also: store requests per
 * call, and how long the scheduled re-plan of the big partition then takes.
 */
export interface PartitionGrowthResult {
  readonly auditEvents: number;
  readonly rounds: number;
  readonly fresh: { p50Ms: number; p90Ms: number; requests: number };
  readonly crowded: { p50Ms: number; p90Ms: number; requests: number };
  readonly replan: { ms: number; items: number };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p90 = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.9) - 1]!;

export async function benchPartitionGrowth(options: {
  auditEvents: number;
  rounds: number;
}): Promise<PartitionGrowthResult> {
  const dir = mkdtempSync(join(tmpdir(), 'consent-gate-bench-partition-'));
  process.env.LOCAL_EVENTS_LOG = 'off';
  const stack = await startLocalStack({ dir, persist: false });
  try {
    const real = runtimeDependencies();
    const { adminKey } = await seedDemo(real);
    const { hashKey } = await real.keys.load();
    const crowdedAddress = 'crowded@example.org';
    const crowdedKey = recipientKey(hashKey, 'demo', 'email', crowdedAddress);
    const started = Date.now() - 30 * 86_400_000;
    // Written the way the import writes (batched): what many rejected sends leave behind.
    const events: RecipientItemWrite[] = Array.from({ length: options.auditEvents }, (_, i) => ({
      kind: 'audit',
      recipientKey: crowdedKey,
      ttl: Math.floor(started / 1000) + 3 * 365 * 86_400,
      event: {
        id: `bench-rejected-${i}`,
        at: new Date(started + i * 1000).toISOString(),
        type: 'decision.rejected',
        actor: { type: 'sender_key', id: 'bench' },
        why: 'R1: no basis for this purpose',
        data: {
          messageId: `bench-message-${i}`,
          purpose: 'newsletter',
          reasons: [{ code: 'no_basis', rule: 'R1', detail: 'No valid consent and no other basis' }],
        },
      },
    }));
    await real.store.putRecipientItems('demo', events);

    const client = new DynamoDBClient({ endpoint: stack.dynamodbUrl });
    const counter = createStoreRequestCounter();
    counter.attachTo(client);
    setDependencies({
      ...real,
      ...withTenantCache(createDynamoDbStores(createDocumentClient(client), stack.tableName)),
    });
    const record = async (address: string, round: number) => {
      const givenAt = new Date(Date.now() - 86_400_000 + round * 1000).toISOString();
      counter.reset();
      const t = performance.now();
      const response = await fetch(`${stack.apiUrl}/v1/consents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          channel: 'email',
          address,
          purpose: 'newsletter',
          givenAt,
          method: 'web_form',
          wordingVersion: 'newsletter-v1',
          source: 'https://shop.example/signup',
          controllers: ['Demo Shop'],
          ip: '203.0.113.7',
          userAgent: 'consent-gate bench',
        }),
      });
      await response.text();
      const ms = performance.now() - t;
      if (response.status !== 201) throw new Error(`POST /v1/consents answered ${response.status}`);
      return { ms, requests: counter.snapshot().reduce((n, c) => n + c.requests, 0) };
    };

    // Warm-up: modules, connections, the tenant cache.
    for (let i = 0; i < 5; i++) await record(`warm-${i}@example.org`, i);
    const fresh: { ms: number; requests: number }[] = [];
    const crowded: { ms: number; requests: number }[] = [];
    for (let round = 0; round < options.rounds; round++) {
      const freshAddress = `fresh-${round}@example.org`;
      if (round % 2 === 0) {
        fresh.push(await record(freshAddress, round));
        crowded.push(await record(crowdedAddress, round));
      } else {
        crowded.push(await record(crowdedAddress, round));
        fresh.push(await record(freshAddress, round));
      }
    }
    setDependencies(real);
    const t = performance.now();
    const run = await replanDueRetention(real, 1_000);
    const replanMs = performance.now() - t;
    return {
      auditEvents: options.auditEvents,
      rounds: options.rounds,
      fresh: {
        p50Ms: median(fresh.map((r) => r.ms)),
        p90Ms: p90(fresh.map((r) => r.ms)),
        requests: median(fresh.map((r) => r.requests)),
      },
      crowded: {
        p50Ms: median(crowded.map((r) => r.ms)),
        p90Ms: p90(crowded.map((r) => r.ms)),
        requests: median(crowded.map((r) => r.requests)),
      },
      replan: { ms: replanMs, items: run.items },
    };
  } finally {
    setDependencies(undefined);
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
