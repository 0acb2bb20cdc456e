import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalStack } from '../../infra/local/local-stack';
import { inventoryItem } from '../../shared/adapters/dynamodb-counter-store';
import { createDynamoDbStores } from '../../shared/adapters/dynamodb-stores';
import { createDocumentClient } from '../../shared/adapters/dynamodb-table';
import type { CountedEvent } from '../../shared/domain/counters';
import { objectionMethodSchema, reasonCodeSchema } from '../../shared/schemas/vocabulary';
import { readOverview, windowDays } from '../../shared/services/counters';
import { newTenant } from '../../shared/services/state';
import { createStoreRequestCounter, perMessage } from './store-request-counter';

/**
 * The console's overview of a tenant with a million recipients: not a million recipients
 * written (the overview never reads them), but the counter items such a tenant has after 90
 * days, every counter of every day non-zero (the largest those items get): decisions for 3
 * outcomes × 2 channels × `purposes` purposes, every reason code on both channels, every
 * objection method on both channels, the complaint-rate days with their complaint ids, and
 * an inventory of 1,000,000 recipients over those purposes and every basis. Then
 * `readOverview` timed `reads` times (after warm-ups), with the store requests and read
 * units of one read counted by an SDK middleware.
 */
export interface OverviewBenchResult {
  readonly recipients: number;
  readonly days: number;
  readonly purposes: number;
  readonly reads: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly maxMs: number;
  readonly readRequests: number;
  readonly readUnits: number;
  readonly itemsRead: number;
  readonly largestItemBytes: number;
  readonly counterNames: number;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p90 = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.9) - 1]!;

const TENANT = 'bench-million';
const BASES = ['consent', 'soft_opt_in', 'legitimate_interest_b2b', 'non_commercial', 'repermission'];
const CHANNELS = ['email', 'sms'] as const;

export async function benchOverview(options: {
  reads: number;
  purposes: number;
  complaintsPerDay: number;
}): Promise<OverviewBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'consent-gate-bench-overview-'));
  process.env.LOCAL_EVENTS_LOG = 'off';
  const stack = await startLocalStack({ dir, persist: false });
  try {
    const client = new DynamoDBClient({ endpoint: stack.dynamodbUrl });
    const doc = createDocumentClient(client);
    const stores = createDynamoDbStores(doc, stack.tableName);
    await stores.tenants.createTenant(newTenant(TENANT, 'A million recipients'));
    const now = new Date();
    const days = windowDays(now, 90);
    const purposes = Array.from({ length: options.purposes }, (_, i) => `purpose-${i + 1}`);
    const reasons = reasonCodeSchema.options;
    const methods = objectionMethodSchema.options;
    // One event per day and kind carrying the day's totals: the same items as a day of events.
    const events: CountedEvent[] = days.flatMap((day, d) => [
      {
        tenantId: TENANT,
        eventId: `bench-decisions-${day}`,
        deltas: [
          {
            tenantId: TENANT,
            day,
            kind: 'decisions' as const,
            add: Object.fromEntries(
              ['sent', 'rejected', 'deferred'].flatMap((outcome, o) =>
                CHANNELS.flatMap((channel) =>
                  purposes.map((p, i) => [`${outcome}|${channel}|${p}`, 10_000 + 97 * d + 13 * i + o]),
                ),
              ),
            ),
          },
          {
            tenantId: TENANT,
            day,
            kind: 'reasons' as const,
            add: Object.fromEntries(
              reasons.flatMap((r, i) => CHANNELS.map((channel) => [`${r}|${channel}`, 100 + d + i])),
            ),
          },
          {
            tenantId: TENANT,
            day,
            kind: 'objections' as const,
            add: Object.fromEntries(
              methods.flatMap((m, i) => CHANNELS.map((channel) => [`${channel}|${m}`, 50 + d + i])),
            ),
          },
        ],
      },
    ]);
    await stores.counters.countEvents(events);
    for (const [d, day] of days.entries()) {
      await stores.complaints.countDeliveries(
        TENANT,
        day,
        100_000 + d,
        Math.floor(now.getTime() / 1000) + 100 * 86_400,
      );
      for (let c = 0; c < options.complaintsPerDay; c++)
        await stores.complaints.countComplaint(
          TENANT,
          day,
          `0100018c-${day}-complaint-${String(c).padStart(4, '0')}-000000000000`,
          Math.floor(now.getTime() / 1000) + 100 * 86_400,
        );
    }
    const inventory: Record<string, number> = {
      'recipients|email|consumer': 700_000,
      'recipients|email|professional': 150_000,
      'recipients|sms|consumer': 150_000,
      'suppressed|email': 21_000,
      'suppressed|sms': 3_000,
      'repermissionOnly|email': 90_000,
      'repermissionOnly|sms': 12_000,
    };
    for (const channel of CHANNELS)
      for (const [i, p] of purposes.entries())
        for (const [b, basis] of BASES.entries())
          inventory[`basis|${channel}|${p}|${basis}`] = 100_000 - 1_000 * i - b;
    await doc.send(new PutCommand({ TableName: stack.tableName, Item: inventoryItem(TENANT, inventory) }));

    const counter = createStoreRequestCounter();
    counter.attachTo(client);
    const deps = { counters: stores.counters, complaints: stores.complaints, tenants: stores.tenants };
    for (let i = 0; i < 3; i++) await readOverview(deps, TENANT, { days: 90, now });
    const times: number[] = [];
    let counts = counter.snapshot();
    for (let i = 0; i < options.reads; i++) {
      counter.reset();
      const t = performance.now();
      const overview = await readOverview(deps, TENANT, { days: 90, now });
      times.push(performance.now() - t);
      counts = counter.snapshot();
      if (overview.decisions.sent.some((n) => n === 0))
        throw new Error('the overview missed a day of counters');
    }
    const one = perMessage(counts, 1);
    return {
      recipients: 1_000_000,
      days: days.length,
      purposes: options.purposes,
      reads: options.reads,
      p50Ms: median(times),
      p90Ms: p90(times),
      maxMs: Math.max(...times),
      readRequests: one.readRequests,
      readUnits: one.readUnits,
      itemsRead: one.readItems,
      largestItemBytes: one.maxItemBytes,
      counterNames:
        events.reduce((n, e) => n + e.deltas.reduce((m, d) => m + Object.keys(d.add).length, 0), 0) +
        Object.keys(inventory).length,
    };
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
