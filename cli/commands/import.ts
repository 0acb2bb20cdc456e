import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError } from '../errors';
import { parseOption, positiveInt, targetOptions, withTargetOptions } from '../options';

export function register(program: Command): void {
  const command = program
    .command('import')
    .description('R16: import a legacy base (CSV) into a tenant, streaming, and write its inventory')
    .argument('<file.csv>', 'the legacy base')
    .requiredOption('--tenant <id>', 'the tenant to import into')
    .option('--mapping <mapping.json>', 'your column names → the expected ones, as a JSON object')
    .option('--out <dir>', 'where the inventory CSVs go (default: import-inventory/<time>)')
    .option('--batch-size <n>', 'rows per store batch', positiveInt, 500);
  withTargetOptions(command, true)
    .addHelpText(
      'after',
      '\nExamples:\n  npm run import -- base.csv --tenant demo --mapping mapping.json\n  npx consent-gate import base.csv --tenant acme --table <TableName> --region eu-west-3 --hash-secret <arn> --token-secret <arn>',
    )
    .action(async (file: string, opts: Record<string, unknown>) => {
      // Loaded when run, so that --help answers at once.
      const [{ z }, { formatCounts, runImport }, { tenantIdSchema }, { openTarget }] = await Promise.all([
        import('zod'),
        import('../../scripts/import'),
        import('../../shared/schemas/tenant'),
        import('../target'),
      ]);
      const tenantId = parseOption(tenantIdSchema, opts.tenant, '--tenant');
      if (!existsSync(file)) throw new CliError(`${file} not found: give the path of the CSV to import.`, 2);
      const mapping =
        opts.mapping === undefined
          ? undefined
          : z.record(z.string(), z.string()).parse(JSON.parse(readFileSync(String(opts.mapping), 'utf8')));
      const target = openTarget(targetOptions(opts), { keys: true });
      const keys = await target.keys();
      const outDir = resolve(
        (opts.out as string | undefined) ??
          join('import-inventory', new Date().toISOString().replace(/[:.]/g, '-')),
      );
      const started = Date.now();
      const counts = await runImport({
        store: target.store,
        tenants: target.tenants,
        keys,
        tenantId,
        file,
        outDir,
        mapping,
        batchSize: opts.batchSize as number,
        progress: true,
      }).catch((error: unknown) => {
        // Never a row: csv-parse's messages can quote the field in error, so only its code and line.
        const e = error as Error & { code?: string; lines?: number };
        if (e.code?.startsWith('CSV_'))
          throw new CliError(
            `Import stopped: ${e.code} at line ${e.lines ?? '?'}. Fix that line and re-run the same command to resume.`,
          );
        if (/^Tenant .* not found$/.test(e.message ?? ''))
          throw new CliError(
            `Tenant ${tenantId} not found in ${target.description}: create it first (npx consent-gate create-tenant --tenant ${tenantId} --name "…").`,
          );
        throw error;
      });
      const seconds = (Date.now() - started) / 1000;
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      console.log(formatCounts(counts));
      console.log(
        `\n${total} rows in ${seconds.toFixed(1)} s (${Math.round(total / seconds)} rows/s), peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
      );
      console.log(`Inventory (contains addresses, mode 0600): ${outDir}`);
    });
}
