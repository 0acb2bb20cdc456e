import { createReadStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { createDocumentClient, DynamoDbGatewayStore } from '../shared/adapters/dynamodb-store';
import { SecretsManagerKeyRing, StaticKeyRing } from '../shared/adapters/key-rings';
import { LEGACY_COLUMNS, LEGACY_OUTCOMES } from '../shared/domain/legacy-import';
import type { GatewayStore } from '../shared/ports/gateway-store';
import type { KeyMaterial } from '../shared/ports/key-ring';
import { tenantIdSchema } from '../shared/schemas/tenant';
import {
  type ColumnMapping,
  type ImportedRow,
  type InventoryCounts,
  importLegacyCsv,
} from '../shared/services/legacy-import';

/**
 * R16: imports a legacy base into a tenant, streaming, and writes its inventory.
 *   npm run import -- base.csv --tenant demo-shop [--mapping mapping.json] [--out dir]
 *   npm run import -- base.csv --tenant acme --table <TableName> --hash-secret <arn> --token-secret <arn>
 * Without --table it targets `npm start`'s local DynamoDB (.consent-gate/local.json and keys.json).
 * Progress goes to stderr and never names an address; the inventory CSVs do (mode 0600).
 */
export interface ImportRun {
  readonly store: GatewayStore;
  readonly keys: KeyMaterial;
  readonly tenantId: string;
  readonly file: string;
  readonly outDir: string;
  readonly mapping?: ColumnMapping;
  readonly batchSize?: number;
  readonly now?: Date;
  readonly progress?: boolean;
}

const csvCell = (value: string | undefined) => {
  const v = value ?? '';
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
};

/** Reads the file, writes one CSV per outcome into `outDir`, returns the counts. */
export async function runImport(run: ImportRun): Promise<InventoryCounts> {
  const tenant = await run.store.getTenant(run.tenantId);
  if (tenant === undefined) throw new Error(`Tenant ${run.tenantId} not found`);
  mkdirSync(run.outDir, { recursive: true, mode: 0o700 });
  const header = `${[...LEGACY_COLUMNS, 'reason'].join(',')}\n`;
  for (const outcome of LEGACY_OUTCOMES) {
    // The tenant's own data, addresses included: readable by the owner only.
    writeFileSync(join(run.outDir, `${outcome}.csv`), header, { mode: 0o600 });
  }
  const total = statSync(run.file).size;
  const started = Date.now();
  let rows = 0;
  const onBatch = async (results: readonly ImportedRow[], bytes: number) => {
    const lines = new Map<string, string[]>();
    for (const r of results) {
      const line = [...LEGACY_COLUMNS.map((c) => csvCell(r.row[c])), csvCell(r.reason)].join(',');
      lines.set(r.outcome, [...(lines.get(r.outcome) ?? []), line]);
    }
    for (const [outcome, l] of lines)
      await appendFile(join(run.outDir, `${outcome}.csv`), `${l.join('\n')}\n`);
    rows += results.length;
    if (run.progress) progressLine(rows, bytes, total, started);
  };
  const counts = await importLegacyCsv(
    { store: run.store, keys: run.keys },
    tenant,
    createReadStream(run.file, { highWaterMark: 256 * 1024 }),
    { mapping: run.mapping, batchSize: run.batchSize, now: run.now ?? new Date(), onBatch },
  );
  if (run.progress) process.stderr.write('\n');
  return counts;
}

/**
 * A one-line progress bar on stderr (rows, rows/s, ETA from bytes read): hand-written
 * rather than a dependency, as it needs the byte count only the stream knows, and it
 * prints counts only, never a row.
 */
function progressLine(rows: number, bytes: number, total: number, started: number): void {
  const seconds = Math.max((Date.now() - started) / 1000, 0.001);
  const share = total > 0 ? Math.min(bytes / total, 1) : 0;
  const width = 30;
  const bar = '#'.repeat(Math.round(share * width)).padEnd(width, '.');
  const eta = share > 0 ? Math.round(seconds / share - seconds) : 0;
  const line = `[${bar}] ${(share * 100).toFixed(1)}% ${rows} rows ${Math.round(rows / seconds)} rows/s ETA ${eta}s`;
  process.stderr.write(process.stderr.isTTY ? `\r${line}` : `${line}\n`);
}

export function formatCounts(counts: InventoryCounts): string {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const width = Math.max(...LEGACY_OUTCOMES.map((o) => o.length), 5);
  const rows = LEGACY_OUTCOMES.map((o) => `${o.padEnd(width)}  ${String(counts[o]).padStart(9)}`);
  return [...rows, `${'total'.padEnd(width)}  ${String(total).padStart(9)}`].join('\n');
}

const localFileSchema = z.object({ dynamodbUrl: z.string(), tableName: z.string() });

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      mapping: { type: 'string' },
      out: { type: 'string' },
      table: { type: 'string' },
      'hash-secret': { type: 'string' },
      'token-secret': { type: 'string' },
      'local-dir': { type: 'string', default: process.env.CONSENT_GATE_DIR ?? '.consent-gate' },
      'batch-size': { type: 'string', default: '500' },
    },
  });
  const file = positionals[0];
  if (!file || !values.tenant) {
    console.error(
      'usage: npm run import -- <file.csv> --tenant <id> [--mapping mapping.json] [--out dir] [--table <name> --hash-secret <arn> --token-secret <arn>]',
    );
    process.exit(2);
  }
  const tenantId = tenantIdSchema.parse(values.tenant);
  let store: GatewayStore;
  let keys: KeyMaterial;
  if (values.table) {
    if (!values['hash-secret'] || !values['token-secret']) {
      throw new Error('--table needs --hash-secret and --token-secret (the deployment Secrets Manager ARNs)');
    }
    store = new DynamoDbGatewayStore(
      createDocumentClient(new DynamoDBClient({ maxAttempts: 5 })),
      values.table,
    );
    keys = await new SecretsManagerKeyRing(values['hash-secret'], values['token-secret']).load();
  } else {
    const dir = resolve(values['local-dir']);
    const localFile = join(dir, 'local.json');
    if (!existsSync(localFile))
      throw new Error(`${localFile} not found: start the gateway with npm start first`);
    const local = localFileSchema.parse(JSON.parse(readFileSync(localFile, 'utf8')));
    const client = new DynamoDBClient({
      endpoint: local.dynamodbUrl,
      region: process.env.AWS_REGION ?? 'eu-west-3',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 5,
    });
    store = new DynamoDbGatewayStore(createDocumentClient(client), local.tableName);
    keys = await new StaticKeyRing(readFileSync(join(dir, 'keys.json'), 'utf8')).load();
  }
  const mapping = values.mapping
    ? z.record(z.string(), z.string()).parse(JSON.parse(readFileSync(values.mapping, 'utf8')))
    : undefined;
  const outDir = resolve(
    values.out ?? join('import-inventory', new Date().toISOString().replace(/[:.]/g, '-')),
  );
  const started = Date.now();
  const counts = await runImport({
    store,
    keys,
    tenantId,
    file,
    outDir,
    mapping,
    batchSize: Number(values['batch-size']),
    progress: true,
  });
  const seconds = (Date.now() - started) / 1000;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  console.log(formatCounts(counts));
  console.log(
    `\n${total} rows in ${seconds.toFixed(1)} s (${Math.round(total / seconds)} rows/s), peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
  );
  console.log(`Inventory (contains addresses, mode 0600): ${outDir}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    // Never a row: csv-parse's messages can quote the field in error, so only its code and line.
    const e = error as Error & { code?: string; lines?: number };
    const what = e.code?.startsWith('CSV_') ? `${e.code} at line ${e.lines ?? '?'}` : e.message;
    console.error(`Import stopped: ${what}. Re-run the same command to resume.`);
    process.exit(1);
  });
}
