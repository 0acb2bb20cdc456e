import { createReadStream, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LEGACY_COLUMNS, LEGACY_OUTCOMES } from '../shared/domain/legacy-import';
import type { GatewayStore } from '../shared/ports/gateway-store';
import type { KeyMaterial } from '../shared/ports/key-ring';
import type { TenantStore } from '../shared/ports/tenant-store';
import {
  type ColumnMapping,
  type ImportedRow,
  type InventoryCounts,
  importLegacyCsv,
} from '../shared/services/legacy-import';

/**
 * R16: imports a legacy base into a tenant, streaming, and writes its inventory. Run by
 * `consent-gate import` (cli/commands/import.ts, also `npm run import -- …`).
 * Progress goes to stderr and never names an address; the inventory CSVs do (mode 0600).
 */
export interface ImportRun {
  readonly store: GatewayStore;
  readonly tenants: TenantStore;
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
  const tenant = await run.tenants.getTenant(run.tenantId);
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
    { store: run.store, tenants: run.tenants, keys: run.keys },
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
