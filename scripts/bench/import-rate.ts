/**
 * R16 import throughput on the local stack (DynamoDB Local in memory): `npx tsx scripts/bench/import-rate.ts [rows]`
 * generates a synthetic base (gen-legacy, seed 1), imports it twice (first run, re-run) and
 * prints rows/s. Used for the before/after figures of the transactions per recipient.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack } from '../../infra/local/local-stack';
import { seedDemo } from '../../infra/local/seed';
import { generateLegacyCsv } from '../../scripts/gen-legacy-csv';
import { runImport } from '../../scripts/import';
import { runtimeDependencies } from '../../shared/http/runtime';

const rows = Number(process.argv[2] ?? 10_000);
const dir = mkdtempSync(join(tmpdir(), 'import-rate-'));
process.env.LOCAL_EVENTS_LOG = 'off';
const stack = await startLocalStack({ dir, persist: false });
const deps = runtimeDependencies();
await seedDemo(deps);
const file = join(dir, 'legacy.csv');
await generateLegacyCsv({ rows, out: file, seed: 1 });
const keys = await deps.keys.load();
for (const run of ['first run', 're-run']) {
  const started = performance.now();
  const counts = await runImport({
    store: deps.store,
    tenants: deps.tenants,
    keys,
    tenantId: 'demo',
    file,
    outDir: join(dir, `inv-${run}`),
    batchSize: 500,
  });
  const s = (performance.now() - started) / 1000;
  console.log(
    `${run}: ${rows} rows in ${s.toFixed(1)} s = ${Math.round(rows / s)} rows/s`,
    JSON.stringify(counts),
  );
}
await stack.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
