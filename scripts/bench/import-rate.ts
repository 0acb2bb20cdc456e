/**
 * R16 import throughput on the local stack (DynamoDB Local in memory): `npx tsx scripts/bench/import-rate.ts [rows]`
 * generates a synthetic base (gen-legacy, seed 1), imports it twice (first run, re-run) and
 * prints rows/s, the requests and write units per row (as on-demand DynamoDB would bill
 * them: scripts/bench/store-request-counter.ts) and this process's peak RSS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startLocalStack } from '../../infra/local/local-stack';
import { seedDemo } from '../../infra/local/seed';
import { generateLegacyCsv } from '../../scripts/gen-legacy-csv';
import { runImport } from '../../scripts/import';
import { DynamoDbGatewayStore } from '../../shared/adapters/dynamodb-store';
import { createDocumentClient } from '../../shared/adapters/dynamodb-table';
import { requestHandler, runtimeDependencies } from '../../shared/http/runtime';
import { createStoreRequestCounter, perMessage } from './store-request-counter';

const rows = Number(process.argv[2] ?? 10_000);
const dir = mkdtempSync(join(tmpdir(), 'import-rate-'));
process.env.LOCAL_EVENTS_LOG = 'off';
const stack = await startLocalStack({ dir, persist: false });
const deps = runtimeDependencies();
await seedDemo(deps);
const file = join(dir, 'legacy.csv');
await generateLegacyCsv({ rows, out: file, seed: 1 });
const keys = await deps.keys.load();
// The runtime's client (same timeouts and retries), with its requests counted.
const client = new DynamoDBClient({ requestHandler, maxAttempts: 3 });
const counter = createStoreRequestCounter();
counter.attachTo(client);
const store = new DynamoDbGatewayStore(createDocumentClient(client), stack.tableName);
for (const run of ['first run', 're-run']) {
  counter.reset();
  const started = performance.now();
  const counts = await runImport({
    store,
    tenants: deps.tenants,
    keys,
    tenantId: 'demo',
    file,
    outDir: join(dir, `inv-${run}`),
    batchSize: 500,
  });
  const s = (performance.now() - started) / 1000;
  const per = perMessage(counter.snapshot(), rows);
  console.log(
    `${run}: ${rows} rows in ${s.toFixed(1)} s = ${Math.round(rows / s)} rows/s;`,
    `per row: ${per.writeRequests.toFixed(3)} write requests, ${per.writeItems.toFixed(2)} items, ${per.writeUnits.toFixed(2)} WRU,`,
    `${per.readRequests.toFixed(3)} read requests, ${per.readUnits.toFixed(2)} RRU;`,
    `peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
    JSON.stringify(counts),
  );
}
client.destroy();
await stack.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
